"""The HTML memo in a real browser with the network off: its charts are there all the same."""

from __future__ import annotations

from playwright.sync_api import expect

from sim import analyse, load_scenario, simulate
from sim.decide import Decision
from sim.export.memo import memo_html
from tests.conftest import CASES
from tests.e2e.conftest import screenshot


def test_the_memo_shows_its_charts_offline(new_context, tmp_path):
    result = simulate(load_scenario(CASES / "camera_night_mode.toml"), seed=3, devices=5_000)
    decision = Decision(call="ship_all", expected_lift=0.03, decision_day=28, checks=["srm"],
                        memo="Offline memo.")
    memo = tmp_path / "memo.html"
    memo.write_text(memo_html(decision, analyse(result), result.scenario), encoding="utf-8")

    context = new_context()
    context.set_offline(True)
    asked = []

    def refuse_the_network(route):
        asked.append(route.request.url)
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", refuse_the_network)
    page = context.new_page()
    page.goto(memo.as_uri())

    expect(page.get_by_role("heading", name="Charts")).to_be_visible()
    chart = page.locator("#memo-charts > svg")
    expect(chart).to_have_count(1)
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 300
    # Drawn marks, not an empty frame: the forest plot's points and intervals, the daily lift.
    for mark in ("mark-symbol", "mark-rule", "mark-line", "mark-area"):
        assert chart.locator(f"g.{mark} path, g.{mark} line").count() > 0, mark
    expect(chart.get_by_text("Lift over time").first).to_be_visible()
    assert page.evaluate("document.scripts.length") == 0
    assert all(url.startswith("file://") for url in asked), asked
    screenshot(page, "memo-offline")
