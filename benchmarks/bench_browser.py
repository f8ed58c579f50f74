"""Benchmark: what one person waits for in the browser (issue #18), medians of ``--runs``.

Serves the app on a free loopback port (``benchmarks/load_class.py``'s server) and drives one
headless Chromium session at a time (a fresh browser context each run, so a fresh Streamlit
session):

- **run + analyse**: on the Run page at 100,000 devices (the default case, a new seed each run so
  nothing comes from the cache), from pressing "Run the fleet" to the rollout drawn, plus from
  clicking Analyse to the readout drawn;
- **tab switches**: each Analyse tab, from the click to its content visible. "Lift, at once"
  is the first switch, made as soon as the quality checks are drawn: it waits for what is
  left of the full readout (started in the background once the Run page was drawn; the page draws
  the other tabs once it is ready); the others come after the page is idle;
- **metric lab**: opening each demo (its default replications, shipped precomputed), from the
  click to its chart drawn; then "Run more replications" on each, from the click to the
  doubled chart drawn (computed live, with a progress bar).

The first run after the server starts is reported apart (it imports the worker processes).

    python benchmarks/bench_browser.py --runs 3
    python benchmarks/bench_browser.py --runs 5 --no-lab   # the run, Analyse and its tabs only

Targets: run + analyse <= 1.0 s, a tab switch <= 0.3 s, a lab demo's first open <= 3 s, a new
setting (run more) <= 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from load_class import CHROMIUM, CHROMIUM_ARGS, idle, start_server, stop_server  # noqa: E402

ANALYSE_TABS = ["Segments", "Retention", "Over time", "Drift", "Data quality", "Lift"]
TIMEOUT_S = 180


async def _run_and_analyse(browser, base: str, seed: int) -> tuple[float, dict[str, float]]:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    try:
        await page.goto(f"{base}/run?seed={seed}&devices=100000")
        await idle(page, TIMEOUT_S)
        started = time.perf_counter()
        await page.get_by_role("button", name="Run the fleet").click()
        await page.get_by_text("Treatment installed").wait_for(timeout=TIMEOUT_S * 1000)
        ran = time.perf_counter() - started
        await idle(page, TIMEOUT_S)
        started = time.perf_counter()
        await page.get_by_test_id("stSidebarNav").get_by_role("link", name="Analyse").click()
        await page.get_by_text("Split as planned").first.wait_for(timeout=TIMEOUT_S * 1000)
        await page.get_by_test_id("stVegaLiteChart").first.locator("canvas, svg").first.wait_for(
            timeout=TIMEOUT_S * 1000)  # the quality tab's chart of reports per day
        analysed = time.perf_counter() - started
        await idle(page, TIMEOUT_S)
        # The first other tab, opened at once: it waits for whatever is left of the full
        # readout (started in the background once the Run page was drawn).
        started = time.perf_counter()
        await page.get_by_role("tab", name="Lift", exact=True).click()
        await page.get_by_role("tabpanel", name="Lift").get_by_role("heading").first.wait_for(
            timeout=TIMEOUT_S * 1000)
        tabs = {"Lift, at once": time.perf_counter() - started}
        await idle(page, TIMEOUT_S)
        for tab in ANALYSE_TABS:
            if not await page.get_by_role("tab", name=tab, exact=True).count():
                continue  # a panel the case leaves out (drift without a sensor metric)
            started = time.perf_counter()
            await page.get_by_role("tab", name=tab, exact=True).click()
            panel = page.get_by_role("tabpanel", name=tab)
            await panel.get_by_role("heading").first.wait_for(timeout=TIMEOUT_S * 1000)
            tabs[tab] = time.perf_counter() - started
        print(f"  run {ran:.2f} s + analyse {analysed:.2f} s", flush=True)
        return ran + analysed, tabs
    finally:
        await context.close()


async def _lab(browser, base: str) -> tuple[dict[str, float], dict[str, float]]:
    from sim.sweeps.lab import DEMOS

    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    opened, more = {}, {}
    try:
        await page.goto(f"{base}/?case=aa_test")
        await idle(page, TIMEOUT_S)
        nav = page.get_by_test_id("stSidebarNav").get_by_role("link", name="Metric lab")
        for key, demo in DEMOS.items():
            started = time.perf_counter()
            if key == next(iter(DEMOS)):
                await nav.click()
            else:
                await page.get_by_test_id("stRadio").get_by_text(demo.title, exact=True).click()
            await page.get_by_text(re.compile(rf"^{demo.runs:,} replications per setting")).wait_for(
                timeout=TIMEOUT_S * 1000)
            await page.get_by_test_id("stVegaLiteChart").first.locator("canvas, svg").first \
                .wait_for(timeout=TIMEOUT_S * 1000)
            opened[key] = time.perf_counter() - started
            await idle(page, TIMEOUT_S)
            started = time.perf_counter()
            await page.get_by_role("button", name=re.compile(r"^Run more replications")).click()
            await page.get_by_text(re.compile(rf"^{2 * demo.runs:,} replications per setting")) \
                .wait_for(timeout=TIMEOUT_S * 1000)
            more[key] = time.perf_counter() - started
            await idle(page, TIMEOUT_S)
        return opened, more
    finally:
        await context.close()


async def _drive(base: str, runs: int, lab: bool) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                   args=CHROMIUM_ARGS)
        try:
            first, _ = await _run_and_analyse(browser, base, 9_000)
            samples = [await _run_and_analyse(browser, base, 9_001 + run) for run in range(runs)]
            opened, more = await _lab(browser, base) if lab else ({}, {})
        finally:
            await browser.close()
    return {"first_run_and_analyse_s": first,
            "run_and_analyse_s": [s[0] for s in samples],
            "tabs_s": {tab: [s[1][tab] for s in samples] for tab in samples[0][1]},
            "lab_open_s": opened, "lab_more_s": more}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-lab", action="store_true",
                        help="time the run, Analyse and its tabs only, not the metric lab")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="launchroom-browser-") as folder:
        process, base = start_server(Path(folder))
        try:
            found = asyncio.run(_drive(base, max(1, min(args.runs, 10)), not args.no_lab))
        finally:
            stop_server(process)
    runs = found["run_and_analyse_s"]
    print(f"run + analyse at 100,000 devices: median {statistics.median(runs):.2f} s over "
          f"{len(runs)} runs ({', '.join(f'{r:.2f}' for r in runs)}); a fresh server's first "
          f"{found['first_run_and_analyse_s']:.2f} s; target <= 1.0 s")
    tabs = {tab: statistics.median(values) for tab, values in found["tabs_s"].items()}
    print("Analyse tab switches (medians): " + ", ".join(
        f"{tab} {seconds:.2f} s" for tab, seconds in tabs.items()) + "; target <= 0.3 s")
    if args.no_lab:
        return
    print("metric lab, first open of each demo: " + ", ".join(
        f"{key} {seconds:.2f} s" for key, seconds in found["lab_open_s"].items())
          + "; target <= 3 s")
    print("metric lab, run more replications: " + ", ".join(
        f"{key} {seconds:.1f} s" for key, seconds in found["lab_more_s"].items())
          + "; target <= 10 s")


if __name__ == "__main__":
    main()
