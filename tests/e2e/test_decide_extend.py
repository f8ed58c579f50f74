"""Deciding on the data you had, in Chromium: decide at day 14 on the readout of day 14, extend
to day 21, see the readout of day 21, decide again, and read the debrief with the model answer;
the Analyse page's robust readings (exposure basis, capped lift) on the same run."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import go_to, no_exception, screenshot, wait_for_app


def test_decide_at_day_14_extend_to_21_decide_again_and_read_the_debrief(app_server, page):
    page.goto(f"{app_server}/?case=camera_night_mode&seed=3&devices=10000"
              "&experiment.decision_day=14")
    wait_for_app(page)
    go_to(page, "Run")
    page.get_by_role("button", name="Run the fleet").click()
    wait_for_app(page)

    go_to(page, "Analyse")
    expect(page.get_by_text(re.compile(r"through day 14\b")).first).to_be_visible()
    # The exposure basis: every assigned device instead of those seen in telemetry.
    page.get_by_test_id("stSelectbox").filter(has_text="Who is analysed").click()
    page.get_by_role("option", name="every assigned device", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_text(re.compile(r"Who is analysed: Assigned")).first).to_be_visible()
    # Robust readings: capped at the 99th percentile and the median's lift.
    page.get_by_text("Robust readings: capping and quantiles").click()
    page.get_by_text("Cap every metric at a percentile (winsorise)").click()
    wait_for_app(page)
    quantiles = page.get_by_test_id("stMultiSelect").filter(has_text="Quantile lifts")
    quantiles.locator("input").click()
    page.keyboard.type("median")
    page.get_by_role("option", name="median", exact=True).click()
    page.keyboard.press("Escape")
    wait_for_app(page)
    page.get_by_role("tab", name="Lift", exact=True).click()
    wait_for_app(page, settle=100)
    expect(page.get_by_text("Capped at the 99th percentile")).to_be_visible()
    expect(page.get_by_test_id("stTabs").get_by_text("Quantile lifts", exact=True)).to_be_visible()
    screenshot(page, "analyse-robust-readings")
    page.get_by_role("tab", name="Over time", exact=True).click()
    wait_for_app(page, settle=100)
    expect(page.get_by_text(re.compile(r"By days since install")).first).to_be_visible()
    no_exception(page)

    go_to(page, "Decide")
    expect(page.get_by_text(re.compile(r"Readout through day 14 of 28"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Decision day 14"))).to_be_visible()
    page.get_by_text("Extend", exact=True).click()
    wait_for_app(page)
    later = page.get_by_role("spinbutton", name="Decide again on day")
    expect(later).to_have_value("21")
    page.get_by_role("textbox", name="Memo").fill("Not enough data on day 14: a week more.")
    page.get_by_role("button", name="Submit the decision").click()
    wait_for_app(page)
    # The readout moves to day 21 and the call is open again: no score yet.
    expect(page.get_by_text(re.compile(r"Readout through day 21 of 28"))).to_be_visible()
    expect(page.get_by_text("You extended on day 14 to decide again on day 21.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Your score: \d+ / 100"))).to_have_count(0)
    screenshot(page, "decide-extended-to-21")

    page.get_by_text("Ship to all", exact=True).click()
    wait_for_app(page)
    page.get_by_role("textbox", name="Memo").fill("Ship: the lift holds at day 21.")
    page.get_by_role("button", name="Submit the decision").click()
    wait_for_app(page)
    expect(page.get_by_text(re.compile(r"Your score: \d+ / 100"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Your call:.*\(day 21\)"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"What the data at day 21 supports"))).to_be_visible()
    expect(page.get_by_role("heading", name="Debrief")).to_be_visible()
    expect(page.get_by_text(re.compile(r"The model answer:"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Next time:"))).to_be_visible()
    no_exception(page)
    screenshot(page, "decide-debrief")
