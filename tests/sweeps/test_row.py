"""One replication's row: the lean readout, the rule's call and the truth."""

from __future__ import annotations

import pytest

import sim
from sim import analyse, simulate
from sim.decide.decision import decide
from sim.sweeps import readout, sweep


@pytest.mark.parametrize("case_id", ["camera_night_mode", "assistant_llm_ram", "firmware_drift",
                                     "battery_saver", "srm_install_failures"])
def test_the_lean_call_is_the_rule_on_the_full_report(case_id):
    case = sim.load_scenario(f"scenarios/{case_id}.toml")
    for seed in (0, 1):
        result = simulate(case, seed=seed, devices=6_000)
        row = readout(result)
        expected = decide(analyse(result), scenario=case)
        assert (row["call"], row["call_segments"]) == (expected.call, ",".join(expected.segments))
        assert row["right_call"] == sim.right_call(result).call


def test_the_full_call_is_decide_on_analyse_with_the_run(night_case):
    result = simulate(night_case, seed=2, devices=6_000)
    row = readout(result, call="full")
    expected = decide(analyse(result), result=result)
    assert (row["call"], row["call_segments"]) == (expected.call, ",".join(expected.segments))
    assert "call" not in readout(result, call="none")


def test_extra_metrics_and_readings_add_their_columns(aa_case):
    frame = sweep(aa_case, seeds=2, workers=1, metrics=["crashes"], extras=["peeking", "on_build"],
                  call="none", devices=800, days=10)
    assert {"crashes_estimate", "crashes_p_value", "crashes_true_effect",
            "peek_fixed_first_day", "peek_sequential_first_day",
            "on_build_diff", "on_build_adjusted_diff", "on_build_diff_entry"} <= set(frame.columns)
    assert "call" not in frame and "right_call" not in frame
