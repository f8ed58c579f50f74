"""The decision memo (Markdown, standalone HTML with Altair charts) and the impact ledger."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest

from sim import analyse
from sim.decision import Decision, right_call
from sim.errors import DecisionError
from sim.memo import (
    DEFAULT_DATA_OWNED,
    LEDGER_COLUMNS,
    LedgerRow,
    check_readings,
    daily_lift_chart,
    key_numbers,
    ledger_csv,
    ledger_frame,
    ledger_row,
    lift_forest_chart,
    memo_html,
    memo_markdown,
)
from sim.scorecard import rollout_days, score

HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)> **bold**'


@pytest.fixture(scope="module")
def night_report(night_result):
    return analyse(night_result)


@pytest.fixture(scope="module")
def night_decision():
    return Decision(call="ship_segments", segment_kind="chip_tier",
                    segments=["flagship", "upper_mid", "mid"], expected_lift=0.04,
                    checks=["srm", "guardrails", "segments", "interaction", "cuped"],
                    decision_day=21, memo=f"Entry chips miss the budget.\n\n{HOSTILE}")


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
    assert "vega-embed" in page and 'id="memo-charts"' in page
    assert "What changed: relative change" in page and "Daily lift" in page
    assert f"Scorecard: {card.total}/100" in page
    assert "streamlit" not in page.lower()


def test_html_memo_never_renders_user_text_as_html(night_decision, night_report, night_case):
    page = memo_html(night_decision, night_report, night_case)
    assert "alert(\"x\")</script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    # Every <script> on the page is Altair's (the Vega libraries and the chart embed).
    scripts = re.findall(r"<script[^>]*>", page)
    assert len(scripts) == 4
    assert all("cdn.jsdelivr.net" in tag for tag in scripts[:3])


def test_a_memo_without_text_or_checks_still_reads(night_report, night_case):
    bare = Decision(call="iterate", expected_lift=0.0, decision_day=28)
    text = memo_markdown(bare, night_report, night_case)
    assert "(no memo written)" in text and "(no checks named)" in text
    assert "<!DOCTYPE html>" in memo_html(bare, night_report, night_case)


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
    forest = lift_forest_chart(night_report).to_dict()
    assert forest["title"].startswith("What changed")
    daily = daily_lift_chart(night_report).to_dict()
    assert daily["layer"][1]["encoding"]["y"]["field"] == "estimate"


def test_ledger_rows_carry_the_measured_change_and_days_to_ship(night_result, night_report,
                                                                night_decision):
    row = ledger_row(night_decision, night_report, night_result, "OTA rollout telemetry")
    assert (row.feature, row.kpi, row.case) == ("Night mode", "sessions", "camera_night_mode")
    assert row.change_low_pct < row.change_pct < row.change_high_pct
    assert row.days_to_ship == 21 + rollout_days(night_result)
    assert row.shipped_to == "flagship, upper_mid and mid (chip_tier)"
    assert 70 < row.reach_pct < 90
    assert row.data_owned == "OTA rollout telemetry"
    held = ledger_row(Decision(call="iterate", expected_lift=0.0, decision_day=14), night_report,
                      night_result, "   ")
    assert held.days_to_ship is None and held.shipped_to == "not shipped" and held.reach_pct == 0
    assert held.data_owned == DEFAULT_DATA_OWNED
    cuped = night_report.cuped["sessions"]
    assert held.change_pct == pytest.approx(round(100 * cuped.rel_lift, 2))


def test_ledger_as_a_table_and_csv(night_result, night_report, night_decision):
    rows = [
        ledger_row(night_decision, night_report, night_result),
        ledger_row(right_call(night_result), night_report, night_result),
        ledger_row(Decision(call="rollback", expected_lift=0.0, decision_day=10), night_report,
                   night_result, "=cmd|' /C calc'!A0"),
    ]
    frame = ledger_frame(rows)
    assert tuple(frame.columns) == LEDGER_COLUMNS and len(frame) == 3
    assert str(frame["days_to_ship"].dtype) == "Int64" and pd.isna(frame["days_to_ship"].iloc[2])
    text = ledger_csv(rows)
    back = pd.read_csv(io.StringIO(text))
    assert back["change_pct"].tolist() == frame["change_pct"].tolist()
    assert back["data_owned"].iloc[2].startswith("'=")  # no formula for a spreadsheet to run
    assert ledger_csv([]).strip() == ",".join(LEDGER_COLUMNS)


def test_bad_ledger_input_fails_with_one_line(night_result, night_report, night_decision):
    with pytest.raises(DecisionError, match="data_owned: at most 200 characters"):
        ledger_row(night_decision, night_report, night_result, "x" * 201)
    with pytest.raises(DecisionError, match="ledger row 0: expected a LedgerRow"):
        ledger_frame([{"feature": "x"}])
    assert LedgerRow.__dataclass_params__.frozen
