"""The decision memo: Markdown and a standalone HTML page with its charts as inline SVG."""

from __future__ import annotations

import re

import pytest

from sim.decide.decision import Decision
from sim.decide.scorecard import score
from sim.export.memo import (
    check_readings,
    key_numbers,
    memo_charts,
    memo_charts_svg,
    memo_html,
    memo_markdown,
)


def test_markdown_memo_has_the_call_the_evidence_and_the_numbers(night_decision, night_report,
                                                                 night_case):
    text = memo_markdown(night_decision, night_report, night_case)
    assert text.startswith("# Launch decision: Night mode\n")
    assert "ship to flagship, upper_mid and mid (chip_tier)" in text
    assert "+4.0% in flagship, upper_mid and mid" in text
    assert night_report.srm.reading in text
    assert night_report.interactions["chip_tier"].reading in text
    assert "| sessions (CUPED) |" in text and "| crashes (margin 10.0%) |" in text
    assert "## What the decision rule says the data supports" in text
    assert "decided on day 21" in text


def test_markdown_memo_escapes_what_the_person_typed(night_decision, night_report, night_case):
    text = memo_markdown(night_decision, night_report, night_case)
    assert "<script>" not in text and "<img" not in text
    assert "> &lt;script&gt;alert" in text
    assert "> Entry chips miss the budget." in text


def test_html_memo_is_a_standalone_page_with_charts(night_decision, night_report, night_case,
                                                    night_result):
    card = score(night_decision, night_result, night_report)
    page = memo_html(night_decision, night_report, night_case, card)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert page.count("<html") == 1 and page.count("</body>") == 1
    assert 'id="memo-charts"' in page and page.count("<svg") == 1
    assert "What changed: relative change" in page and "Lift over time" in page
    assert f"Scorecard: {card.total}/100" in page
    assert "streamlit" not in page.lower()


def test_html_memo_never_renders_user_text_as_html(night_decision, night_report, night_case):
    page = memo_html(night_decision, night_report, night_case)
    assert "alert(\"x\")</script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    # The charts are inline SVG drawn on the server: no script at all, nothing to load.
    assert re.findall(r"<script", page, flags=re.IGNORECASE) == []


def test_html_memo_loads_nothing_from_the_network(night_decision, night_report, night_case):
    page = memo_html(night_decision, night_report, night_case)
    # Only the SVG namespaces look like addresses; no src, href or url() points anywhere.
    addresses = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert addresses <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert not re.search(r"<(link|iframe|img|object|embed)\b", page, flags=re.IGNORECASE)


def test_memo_charts_render_as_svg_with_their_marks(night_report):
    svg = memo_charts_svg(night_report)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    # The forest plot's intervals and points, and the daily lift's band and line.
    assert "mark-rule" in svg and "mark-symbol" in svg
    assert "mark-area" in svg and "mark-line" in svg
    assert "What changed: relative change" in svg and "Lift over time" in svg


def test_a_memo_without_text_or_checks_still_reads(night_report, night_case):
    bare = Decision(call="iterate", expected_lift=0.0, decision_day=28)
    text = memo_markdown(bare, night_report, night_case)
    assert "(no memo written)" in text and "questions were not answered" in text
    assert "<!DOCTYPE html>" in memo_html(bare, night_report, night_case)


def test_the_memo_quotes_the_answers_to_the_interviewers_questions(night_report, night_case):
    from sim.decide.questions import Answers, LiftAnswer, SplitAnswer

    answered = Decision(call="ship_all", expected_lift=0.02, decision_day=28, answers=Answers(
        split=SplitAnswer(healthy=False, test="srm"),
        primary_lift=LiftAnswer(estimate=0.02, low=0.01, high=0.03)))
    text = memo_markdown(answered, night_report, night_case)
    assert "broken, by the sample-ratio (chi-square) test" in text
    assert "+2.0% (95% CI +1.0% to +3.0%)" in text
    assert "Checks relied on" not in text


def test_checks_map_to_the_report_readings(night_report):
    assert check_readings("guardrails", night_report) == [
        g.reading for g in night_report.guardrails.values()
    ]
    assert check_readings("power", night_report) == [night_report.power.reading]
    for check in ("srm", "completeness", "segments", "interaction", "cuped", "retention",
                  "novelty", "bayes"):
        assert check_readings(check, night_report), check


def test_key_numbers_and_charts(night_report):
    numbers = key_numbers(night_report)
    assert set(numbers["group"]) == {"primary", "guardrail", "segment"}
    assert numbers.loc[numbers["what"] == "sessions", "change"].iloc[0] == pytest.approx(
        night_report.metrics["sessions"].rel_lift)
    forest, daily = memo_charts(night_report).to_dict()["vconcat"]
    assert forest["title"].startswith("What changed")
    assert daily["layer"][1]["encoding"]["y"]["field"] == "estimate"
