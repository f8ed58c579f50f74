"""The practice flow in a real browser: case -> design -> run -> analyse -> decide."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import go_to, no_exception, screenshot, wait_for_app

ANALYSE_TABS = ["Data quality", "Lift", "Segments", "Retention", "Over time", "Drift",
                "Your own data"]




def test_case_design_run_analyse_decide(page, app_server):
    page.goto(f"{app_server}/?case=camera_night_mode&seed=3&devices=20000")
    wait_for_app(page)

    # Cases: the library and the brief.
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()
    expect(page.get_by_text("Night mode on every phone?").first).to_be_visible()
    expect(page.get_by_text("The interviewer asks:").first).to_be_visible()
    no_exception(page)
    screenshot(page, "1-cases")

    # Design: switch the model to int4 and see the feasibility update.
    go_to(page, "Design")
    quantization = page.get_by_test_id("stSelectbox").filter(has_text="Quantization")
    quantization.click()
    page.get_by_role("option", name="int4", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_text(re.compile(r"12M parameters at int4"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"feature\.quantization=int4"))
    expect(page.get_by_text("Smallest detectable change in sessions")).to_be_visible()
    no_exception(page)
    screenshot(page, "2-design")

    # Run: the progress bar finishes and the rollout is drawn.
    go_to(page, "Run")
    page.get_by_role("button", name="Run the fleet").click()
    wait_for_app(page)
    expect(page.get_by_text("Treatment installed")).to_be_visible()
    expect(page.get_by_text("Timeline", exact=True)).to_be_visible()
    no_exception(page)
    screenshot(page, "3-run")

    # Analyse: every tab in order.
    go_to(page, "Analyse")
    expect(page.get_by_text("Split as planned").first).to_be_visible()
    for tab in ANALYSE_TABS:
        page.get_by_role("tab", name=tab).click()
        wait_for_app(page)
        no_exception(page)
    page.get_by_role("tab", name="Lift").click()
    expect(page.get_by_text("Adjust with the pre-period baseline (CUPED)")).to_be_visible()
    screenshot(page, "4-analyse-lift")
    page.get_by_role("tab", name="Segments").click()
    expect(page.get_by_text("By chip tier", exact=True)).to_be_visible()
    screenshot(page, "4-analyse-segments")

    # Decide: make the call, see the scorecard, download the memo.
    go_to(page, "Decide")
    expect(page.get_by_text("Your score")).to_have_count(0)
    page.get_by_text("Ship to segments", exact=True).click()
    wait_for_app(page)
    segments = page.get_by_test_id("stMultiSelect").filter(has_text="Segments to ship to")
    segments.click()
    for tier in ("flagship", "upper_mid"):
        page.get_by_role("option", name=tier, exact=True).click()
    page.keyboard.press("Escape")
    page.get_by_role("textbox", name="Memo").fill("Ship night mode to the tiers inside the budget.")
    page.get_by_role("button", name="Submit the decision").click()
    wait_for_app(page)
    expect(page.get_by_text(re.compile(r"Your score: \d+ / 100"))).to_be_visible()
    expect(page.get_by_text("The right call:")).to_be_visible()
    no_exception(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Memo (Markdown)").click()
    memo = download.value.path().read_text(encoding="utf-8")
    assert "Ship night mode to the tiers inside the budget." in memo
    with page.expect_download() as download:
        page.get_by_role("button", name="Memo (HTML with charts)").click()
    assert "<html" in download.value.path().read_text(encoding="utf-8").lower()
    wait_for_app(page)
    screenshot(page, "5-decide")
