"""The figures the memo and the app share, and the verdicts their colours come from."""

from __future__ import annotations

import pandas as pd
import pytest

from sim import analyse, simulate
from sim.export.charts import VERDICTS, daily_lift, forest, lift_rows, segment_rows, verdict


@pytest.mark.parametrize("metric, low, high, expected", [
    ("sessions", 0.01, 0.03, "better"), ("sessions", -0.03, -0.01, "worse"),
    ("crashes", 0.01, 0.03, "worse"), ("crashes", -0.03, -0.01, "better"),
    ("distraction_events", 0.02, 0.09, "worse"), ("distraction_events", -0.09, -0.02, "better"),
    ("battery_drain", -0.09, -0.02, "better"), ("latency_ms", 0.1, 0.2, "worse"),
    ("sessions", -0.01, 0.02, "unclear"), ("sessions", float("nan"), 0.02, "unclear"),
    ("revenue", 0.1, 0.2, "higher"), ("revenue", -0.2, -0.1, "lower"),
])
def test_a_verdict_reads_the_direction_from_the_catalogue(metric, low, high, expected):
    assert verdict(metric, low, high) == expected
    assert expected in VERDICTS


def test_a_rise_in_driver_distraction_is_drawn_as_worse():
    # The EV case's deciding guardrail: a rise in eyes-off-road events is never "better".
    from sim.case import load_case

    case = load_case("ev_voice_assistant")
    report = analyse(simulate(case, seed=0, devices=20_000))
    rows = lift_rows(report.metrics).set_index("label")
    assert report.metrics["distraction_events"].rel_ci[0] > 0
    assert rows.loc["distraction_events", "verdict"] == "worse"


def test_forest_and_daily_lift_are_layered_charts_with_titles(night_result):
    report = analyse(night_result)
    chart = forest(lift_rows(report.metrics, report.cuped), "Lift", "Relative lift").to_dict()
    assert chart["title"] == "Lift" and [layer["mark"]["type"] for layer in chart["layer"]] == [
        "rule", "point", "rule"]
    rows = segment_rows(report.segments["chip_tier"])
    assert set(rows["segment"]) == {"flagship", "upper_mid", "mid", "entry"}
    daily = daily_lift(report.daily).to_dict()
    assert daily["title"].startswith("Lift over time")


def test_rows_with_an_undefined_change_are_left_out_of_the_forest():
    rows = pd.DataFrame({"label": ["a", "b"], "estimate": [0.1, float("inf")],
                         "low": [0.0, 0.0], "high": [0.2, 0.2], "p": [0.01, 0.01],
                         "verdict": ["better", "unclear"]})
    [values] = [v for v in forest(rows, "t", "x").to_dict()["datasets"].values()
                if v and "label" in v[0]]
    assert [row["label"] for row in values] == ["a"]
