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

from load_class import CHROMIUM, CHROMIUM_ARGS, idle, start_server, stop_server  # noqa: E402

STEPS = ("open Run", "press Run", "open Analyse")
TIMEOUT_S = 180


def cpu_seconds(server_pid: int) -> tuple[float, float]:
    """CPU seconds used so far by the server process and by all the processes it started."""
    import psutil

    server = psutil.Process(server_pid)
    own, started = 0.0, 0.0
    for process in [server, *server.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        if process.pid == server_pid:
            own += times.user + times.system
        else:
            started += times.user + times.system
    return own, started


async def _session(browser, base: str, server_pid: int, seed: int) -> list[tuple[float, float]]:
    """Each step's (server, workers) CPU seconds for one person."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()

    async def open_run() -> None:
        await page.goto(f"{base}/run?seed={seed}&devices=100000")
        await idle(page, TIMEOUT_S)

    async def press_run() -> None:
        await page.get_by_role("button", name="Run the fleet").click()
        await page.get_by_text("Treatment installed").wait_for(timeout=TIMEOUT_S * 1000)
        await idle(page, TIMEOUT_S)

    async def open_analyse() -> None:
        await page.get_by_test_id("stSidebarNav").get_by_role("link", name="Analyse").click()
        await page.get_by_text("Quality checks come before any lift").wait_for(
            timeout=TIMEOUT_S * 1000)
        await idle(page, TIMEOUT_S)
        await page.wait_for_timeout(1500)  # the readout the Run page started, if still running

    costs = []
    try:
        for step in (open_run, press_run, open_analyse):
            before = cpu_seconds(server_pid)
            await step()
            after = cpu_seconds(server_pid)
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
