"""Benchmark: what one person costs the server, step by step (issue #18), in CPU seconds.

Serves the app on a free loopback port (``benchmarks/load_class.py``'s server) and drives one
headless Chromium session at a time, each in a fresh browser context (a new Streamlit session,
a new seed): open the Run page at 100,000 devices, press "Run the fleet", open Analyse. Around
each step it reads the CPU time (user + system, psutil) of the server process and of the
processes it started (its workers). The first session is reported apart: it pays the server's
imports and the workers' start.

    python benchmarks/bench_session_cost.py --sessions 5

What it says: how many people a second the server's cores can take. With ``c`` CPU-seconds a
person and ``k`` cores, arrivals faster than ``k / c`` a second build a queue that no
scheduling removes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_class import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    open_analyse,
    open_run,
    press_run,
    server_cpu_seconds,
    start_server,
    stop_server,
)

STEPS = ("open Run", "press Run", "open Analyse")


async def _session(browser, base: str, server_pid: int, seed: int) -> list[tuple[float, float]]:
    """Each step's (server, workers) CPU seconds for one person."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()

    async def analyse_and_settle() -> None:
        await open_analyse(page)
        await page.wait_for_timeout(1500)  # the readout the Run page started, if still running

    costs = []
    try:
        for step in (lambda: open_run(page, base, seed), lambda: press_run(page),
                     analyse_and_settle):
            before = server_cpu_seconds(server_pid)
            await step()
            after = server_cpu_seconds(server_pid)
            costs.append((after[0] - before[0], after[1] - before[1]))
    finally:
        await context.close()
    return costs


async def _drive(base: str, server_pid: int, sessions: int, first_seed: int) -> list:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                   args=CHROMIUM_ARGS)
        try:
            return [await _session(browser, base, server_pid, first_seed + index)
                    for index in range(sessions)]
        finally:
            await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=5, help="people, one after another")
    parser.add_argument("--first-seed", type=int, default=900)
    args = parser.parse_args()
    sessions = max(2, args.sessions)
    with tempfile.TemporaryDirectory(prefix="launchroom-cost-") as folder:
        process, base = start_server(Path(folder))
        try:
            costs = asyncio.run(_drive(base, process.pid, sessions, args.first_seed))
        finally:
            stop_server(process)
    first, rest = costs[0], costs[1:]
    print(f"CPU seconds one person costs at 100,000 devices: server + workers, median of "
          f"{len(rest)} sessions after the first (min-max)")
    for index, step in enumerate(STEPS):
        server = [cost[index][0] for cost in rest]
        workers = [cost[index][1] for cost in rest]
        print(f"  {step:<13} server {statistics.median(server):.2f} s "
              f"({min(server):.2f}-{max(server):.2f}), workers {statistics.median(workers):.2f} s "
              f"({min(workers):.2f}-{max(workers):.2f}); first session: server "
              f"{first[index][0]:.2f} s, workers {first[index][1]:.2f} s")
    total = [sum(server + workers for server, workers in cost) for cost in rest]
    per_person = statistics.median(total)
    cores = os.cpu_count() or 1
    print(f"  in all: {per_person:.2f} CPU-s a person ({min(total):.2f}-{max(total):.2f}): "
          f"{cores} cores take at most {cores / per_person:.2f} people a second "
          f"({cores * 30 / per_person:.0f} in 30 s) before any browser is drawn")


if __name__ == "__main__":
    main()
