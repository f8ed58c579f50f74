"""The metric lab in a real browser: every demo draws its chart and explains it in words."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from sim.sweeps.lab import DEMOS
from tests.e2e.conftest import no_exception, screenshot, wait_for_app

DEMO_TIMEOUT_MS = 120_000  # a demo's first sweep, on a busy 2-core machine



def test_every_learn_demo_draws_its_chart(page, app_server):
    page.goto(f"{app_server}/?case=aa_test&seed=1&devices=10000")
    wait_for_app(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Metric lab").click()
    wait_for_app(page, timeout=DEMO_TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Metric lab", exact=True)).to_be_visible()
    chooser = page.get_by_test_id("stRadio")
    for key, demo in DEMOS.items():
        chooser.get_by_text(demo.title, exact=True).click()
        wait_for_app(page, timeout=DEMO_TIMEOUT_MS)
        expect(page.get_by_role("heading", name=demo.title, exact=True)).to_be_visible()
        charts = page.get_by_test_id("stVegaLiteChart")
        expect(charts).to_have_count(2 if key == "simpson" else 1)
        expect(charts.first.locator("canvas, svg").first).to_be_visible()
        expect(page.get_by_text(re.compile(rf"{demo.runs:,} replications per setting"))).to_be_visible()
        no_exception(page)
        if key == "peeking":
            screenshot(page, "8-learn")
        else:
            screenshot(page, f"8-learn-{key}")

    # "Run more replications" doubles the count of the demo on screen.
    demo = DEMOS["srm"]
    chooser.get_by_text(demo.title, exact=True).click()
    wait_for_app(page, timeout=DEMO_TIMEOUT_MS)
    page.get_by_role("button", name=re.compile(r"^Run more replications")).click()
    wait_for_app(page, timeout=DEMO_TIMEOUT_MS)
    expect(page.get_by_text(re.compile(rf"{2 * demo.runs:,} replications per setting"))).to_be_visible()
    no_exception(page)
