"""One whole interview in Chromium, step by step: Practice -> Interview, a case and a length,
the prompt, clarifying questions (one asked, its answer read), a hint taken, the design with a
reason, the readout, the call with a memo, the follow-ups answered and the rubric at the end,
with a screenshot of every step (``test-artifacts/screenshots/interview-*``).

One case on the smallest fleet the sidebar offers (10,000 devices) keeps the run quick.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import go_to, no_exception, screenshot, wait_for_app

RUBRIC_LINES = ("Structure", "Hardware reasoning", "Data quality first", "Statistics",
                "The call and its value", "Speed (30-day rule)", "Communication")


def _step(page: Page, number: int, name: str) -> None:
    """The page is on step ``number`` (``name``), with no exception box; a screenshot of it."""
    expect(page.get_by_text(f"Step {number} of 6: {name}", exact=True)).to_be_visible()
    no_exception(page)


def _click(page: Page, name: str) -> None:
    page.get_by_role("button", name=name).click()
    wait_for_app(page)


def test_one_whole_interview_in_the_browser(app_server, page):
    page.goto(f"{app_server}/?case=camera_night_mode&seed=3&devices=10000")
    wait_for_app(page)
    go_to(page, "Interview")

    # The prompt: the case's brief and the length, here not the one the case suggests.
    expect(page.get_by_role("heading", name="Night mode on every phone?")).to_be_visible()
    expect(page.get_by_text("This case suggests 30 minutes.")).to_be_visible()
    page.get_by_test_id("stRadio").filter(has_text="Length").get_by_text(
        "20 minutes", exact=True).click()
    wait_for_app(page)
    no_exception(page)
    screenshot(page, "interview-prompt")
    _click(page, "Start the interview")

    # Clarifying questions: one asked and answered from the case, one hint taken.
    _step(page, 1, "clarifying questions")
    # The prompt stays at hand, folded away.
    page.get_by_text("The prompt: Night mode on every phone?").click()
    expect(page.get_by_text("12M-parameter night-mode model").first).to_be_visible()
    # The clock counts down in the page itself, with no rerun of the server's script.
    clock = page.get_by_role("timer")
    expect(clock).to_contain_text("Time left")
    expect(clock).to_contain_text(re.compile(r"(19:\d\d|20:00)"))
    shown = clock.inner_text()
    expect(clock).not_to_have_text(shown, timeout=3_000)
    _click(page, "Which metric decides, and when do we read it?")
    expect(page.get_by_text("The success metric is Sessions per device (higher is better), "
                            "read at day 28.")).to_be_visible()
    _click(page, "Ask for a hint (costs 3 points)")
    expect(page.get_by_test_id("stAlert").filter(has_text="Ask before you analyse")).to_be_visible()
    no_exception(page)
    screenshot(page, "interview-clarify")
    _click(page, "Next")

    # The design: the case's design knobs and the reason for them.
    _step(page, 2, "the design")
    expect(page.get_by_test_id("stSelectbox").filter(has_text="Quantization")).to_be_visible()
    page.get_by_role("textbox", name="Why this design?").fill(
        "int8 on every tier: the 12M-parameter vision model fits the latency budget on mid "
        "chips and the memory on entry ones; int4 would cost quality.")
    page.get_by_role("textbox", name="Why this design?").blur()
    wait_for_app(page)
    screenshot(page, "interview-design")
    _click(page, "Run the fleet and read out")

    # The readout at the decision day.
    _step(page, 3, "the readout")
    expect(page.get_by_text("The readout through day 28.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Split as planned")).first).to_be_visible()
    expect(page.get_by_text("By chip tier")).to_be_visible()
    # The table's CUPED number is read out in words too, and each guardrail's verdict.
    expect(page.get_by_text(re.compile(r"^sessions adjusted for pre_sessions"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^battery_drain: non-inferior"))).to_be_visible()
    screenshot(page, "interview-readout")
    _click(page, "Make the call")

    # The call, with a memo.
    _step(page, 4, "the call")
    page.get_by_text("Ship to all", exact=True).click()
    wait_for_app(page)
    page.get_by_role("textbox", name="Memo").fill(
        "Ship to all: sessions up with the interval above zero; crashes and battery within "
        "their margins; next, watch the entry tier's latency.")
    screenshot(page, "interview-call")
    _click(page, "Submit the call")

    # The follow-ups, chosen from the readout: each answered.
    _step(page, 5, "follow-up questions")
    expect(page.get_by_text("The interviewer pushes back:")).to_be_visible()
    expect(page.get_by_text(re.compile(r"p = p"))).to_have_count(0)
    answers = page.get_by_role("textbox", name="Your answer")
    count = answers.count()
    assert 2 <= count <= 3, f"{count} follow-ups"
    for index in range(count):
        answers.nth(index).fill(f"Answer {index + 1}: read it by segment and against the margin.")
    answers.nth(count - 1).blur()
    wait_for_app(page)
    screenshot(page, "interview-followups")
    _click(page, "Finish and see the rubric")

    # The rubric: its seven lines, the hint taken and its cost, the follow-up answers.
    _step(page, 6, "the rubric")
    expect(page.get_by_role("heading", name=re.compile(r"Interview score: \d+(\.\d+)? \/ 100"))
           ).to_be_visible()
    # A static table: every line's reason reads in full, wrapped, none cut at the edge.
    rows = page.get_by_test_id("stTable").locator("tbody tr")
    expect(rows).to_have_count(len(RUBRIC_LINES))
    assert [rows.nth(i).locator("td").first.inner_text().strip()
            for i in range(len(RUBRIC_LINES))] == list(RUBRIC_LINES)
    expect(rows.first).to_contain_text(re.compile(r"Asked 1 clarifying question"))
    expect(page.get_by_text("Hints taken: a nudge on clarifying questions (−3 points).")
           ).to_be_visible()
    # Finished: the time used, no clock still counting down.
    expect(page.get_by_text(re.compile(r"Time used: \d+\.\d of 20 minutes\."))).to_be_visible()
    expect(page.get_by_role("timer")).to_have_count(0)
    expect(page.get_by_text("Answer 1: read it by segment and against the margin.")
           ).to_be_visible()
    expect(page.get_by_text(re.compile(r"p = p"))).to_have_count(0)
    no_exception(page)
    screenshot(page, "interview-rubric")
