"""The data lens on hand-built reports (each branch of the rule), and the truth lens on runs."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest

from sim import analyse, load_scenario, simulate
from sim.case.metrics import direction
from sim.decide.decision import decide
from sim.decide.evidence import assess, assess_truth
from tests.conftest import CASES
from tests.decide.reports import (
    HEALTHY_GUARDRAILS,
    lift,
    make_report,
    segment,
    split,
)


def test_ship_all_when_the_lift_is_significant_and_everything_holds():
    verdict = assess(make_report())
    assert verdict.call == "ship_all"
    assert verdict.lift == pytest.approx(0.03)
    assert "every guardrail holds" in verdict.reason


def test_ship_to_the_winning_segments_when_another_segment_loses():
    tiers = split("chip_tier", [segment("flagship", 0.06, 0.001), segment("mid", 0.01, 0.4),
                                segment("entry", -0.08, 0.001)], 1e-6)
    verdict = assess(make_report((0.01, 0.002, 0.018, 0.01), splits=(tiers,)))
    assert (verdict.call, verdict.segment_kind, verdict.segments) == (
        "ship_segments", "chip_tier", ("flagship",))
    assert verdict.lift == pytest.approx(0.06)
    assert "entry -8.0% lose" in verdict.reason
    decision = decide(make_report((0.01, 0.002, 0.018, 0.01), splits=(tiers,)))
    assert {"segments", "interaction"} <= set(decision.checks)


def test_ship_to_segments_when_the_pooled_lift_falls_short_but_one_segment_wins():
    tiers = split("chip_tier", [segment("flagship", 0.06, 0.001), segment("entry", 0.0, 0.9)],
                  1e-4)
    verdict = assess(make_report((0.01, -0.005, 0.025, 0.3), splits=(tiers,)))
    assert verdict.call == "ship_segments" and verdict.segments == ("flagship",)
    assert "changed only +1.0%" in verdict.reason


def test_segments_need_a_significant_interaction_corrected_for_the_kinds_scanned():
    # p = 0.03 would pass alone, not against 0.05 / 3 kinds.
    tiers = split("chip_tier", [segment("flagship", 0.06, 0.001), segment("entry", -0.05, 0.01)],
                  0.03)
    regions = split("region", [segment("eu", 0.0, 0.9), segment("us", 0.0, 0.9)], 0.9)
    types = split("device_type", [segment("phone", 0.0, 0.9), segment("tv", 0.0, 0.9)], 0.9)
    verdict = assess(make_report((0.01, 0.002, 0.018, 0.01), splits=(tiers, regions, types)))
    assert verdict.call == "ship_all"


def test_extend_when_the_lift_is_promising_but_not_shown():
    verdict = assess(make_report((0.015, -0.003, 0.033, 0.1)))
    assert verdict.call == "extend"
    assert "promising" in verdict.reason
    assert "power" in decide(make_report((0.015, -0.003, 0.033, 0.1))).checks


def test_extend_when_a_winning_lift_cannot_yet_show_a_guardrail_within_its_margin():
    # Crashes estimated +4% against a 10% margin, but the bound reaches past it: more data.
    guardrails = {**HEALTHY_GUARDRAILS, "crashes": ("crashes", 0.10, 0.04, False, False)}
    verdict = assess(make_report(guardrails=guardrails))
    assert verdict.call == "extend"
    assert "crashes" in verdict.reason and verdict.failed_guardrails == ("crashes",)


def test_iterate_when_there_is_no_lift():
    verdict = assess(make_report((0.001, -0.01, 0.012, 0.85)))
    assert verdict.call == "iterate"
    assert "no lift worth shipping" in verdict.reason


def test_iterate_when_the_lift_costs_a_guardrail_mildly():
    # Battery drain estimated +4% against a 3% margin; the CI still reaches below the margin.
    guardrails = {**HEALTHY_GUARDRAILS,
                  "battery_drain": ("battery_drain", 0.03, 0.04, False, False)}
    verdict = assess(make_report(guardrails=guardrails))
    assert verdict.call == "iterate"
    assert "battery_drain got worse by +4.0% against a margin of 3.0%" in verdict.reason


def test_iterate_when_another_engagement_metric_gets_significantly_worse():
    worse = {"active_days": lift("active_days", -0.02, -0.03, -0.01, 1e-5)}
    verdict = assess(make_report(extra_metrics=worse))
    assert verdict.call == "iterate" and "active_days" in verdict.reason


def test_roll_back_when_the_success_metric_drops_significantly():
    verdict = assess(make_report((-0.02, -0.03, -0.01, 1e-4)))
    assert verdict.call == "rollback"
    assert "significantly worse" in verdict.reason


def test_roll_back_when_a_guardrail_is_worse_beyond_its_margin_with_confidence():
    # Crashes +30% with a CI of +25% to +35%, all past the 10% margin.
    guardrails = {**HEALTHY_GUARDRAILS, "crashes": ("crashes", 0.10, 0.30, False, False)}
    verdict = assess(make_report(guardrails=guardrails))
    assert verdict.call == "rollback"
    assert "guardrail crashes got worse by +30.0%" in verdict.reason
    # Retention (higher is better) falling 5% against a 1% margin is harm too.
    guardrails = {**HEALTHY_GUARDRAILS, "retained": ("retained", 0.01, -0.05, False, True)}
    assert assess(make_report(guardrails=guardrails)).call == "rollback"


@pytest.mark.parametrize(
    ("split_ok", "reporting", "check"),
    [(False, (0.95, 0.95), "srm"), (True, (0.95, 0.78), "completeness"),
     (True, (0.70, 0.70), "completeness")],
)
def test_a_failed_quality_check_means_iterate_whatever_the_lift(split_ok, reporting, check):
    verdict = assess(make_report(split_ok=split_ok, reporting=reporting))
    assert verdict.call == "iterate"
    assert verdict.failed_checks == (check,)
    assert "quality check failed" in verdict.reason


def test_a_reporting_gap_between_arms_is_noted_not_blocking():
    verdict = assess(make_report(reporting=(0.95, 0.90)))
    assert verdict.call == "ship_all" and verdict.failed_checks == ()
    assert verdict.findings[0].startswith("Arms report differently (control 95.0%")


def test_a_measurement_step_on_the_primary_metric_fails_quality():
    drift = SimpleNamespace(metric="sensor_score", measurement_step=True, shift_on_build=2.4,
                            shift_control=0.1, on_build_ks=None, behaviour_lift_p=0.6)
    report = make_report((0.05, 0.04, 0.06, 1e-9), primary_metric="sensor_score")
    assert assess(report).call == "ship_all"
    verdict = assess(dataclasses.replace(report, drift=drift))
    assert verdict.call == "iterate" and verdict.failed_checks == ("drift",)
    assert "sensor_score moved by +2.30 on updated devices" in verdict.reason
    # A step in a reading the decision does not use changes nothing.
    sessions = make_report()
    assert assess(dataclasses.replace(sessions, drift=drift)).call == "ship_all"


def test_no_segment_split_while_a_guardrail_fails_somewhere_unknown():
    # Crashes are worse beyond the margin over the fleet; without reading guardrails inside
    # each segment, shipping to the "winning" tier could ship the harm too.
    tiers = split("chip_tier", [segment("flagship", 0.06, 0.001), segment("entry", -0.08, 0.001)],
                  1e-6)
    guardrails = {**HEALTHY_GUARDRAILS, "crashes": ("crashes", 0.10, 0.30, False, False)}
    verdict = assess(make_report((0.01, 0.002, 0.018, 0.01), guardrails=guardrails,
                                 splits=(tiers,)))
    assert verdict.call == "rollback"


def test_cuped_reading_is_preferred_for_the_primary_metric():
    plain = (0.01, -0.004, 0.024, 0.16)
    adjusted = lift("sessions", 0.012, 0.005, 0.019, 0.001)
    assert assess(make_report(plain)).call == "extend"
    assert assess(make_report(plain, cuped={"sessions": adjusted})).call == "ship_all"


def test_a_primary_metric_where_lower_is_better(night_case):
    # A battery saver: drain down 6% is the success.
    case = night_case.model_copy(update={"experiment": night_case.experiment.model_copy(
        update={"primary_metric": "battery_drain", "guardrails": ()})})
    report = make_report((-0.06, -0.08, -0.04, 1e-6), primary_metric="battery_drain",
                         guardrails={})
    assert assess(report, case).call == "ship_all"
    report = make_report((0.06, 0.04, 0.08, 1e-6), primary_metric="battery_drain",
                         guardrails={})
    assert assess(report, case).call == "rollback"
    assert direction("battery_drain") is False and direction("sessions") is True


def test_the_truth_lens_reads_no_noise(aa_result, night_result):
    verdict = assess_truth(aa_result)
    assert verdict.lift == 0.0 and verdict.lift_ci == (0.0, 0.0)
    night = assess_truth(night_result)
    assert night.call == "ship_segments" and "entry" in night.reason


def test_with_the_run_the_data_rule_reads_guardrails_inside_each_segment():
    path = CASES / "assistant_llm_ram.toml"
    if not path.exists():
        pytest.skip("assistant_llm_ram is not in the case library")
    case = load_scenario(path)
    result = simulate(case, seed=8, devices=30_000)

    report = analyse(result)
    verdict = assess(report, result=result)
    assert verdict.call == "ship_segments" and verdict.segment_kind == "chip_tier"
    assert "mid" not in verdict.segments and "flagship" in verdict.segments
    assert decide(report, result=result).decision_day == case.experiment.decision_day
