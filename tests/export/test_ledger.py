"""The impact ledger: rows from a decided run, as a table and as CSV."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from sim.decide.decision import Decision, right_call
from sim.decide.scorecard import rollout_days
from sim.errors import DecisionError
from sim.export.ledger import (
    DEFAULT_DATA_OWNED,
    LEDGER_COLUMNS,
    LedgerRow,
    ledger_csv,
    ledger_frame,
    ledger_row,
)


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
