"""The decision model, the risk-aware rule on hand-built reports, and right_call on every case."""

from __future__ import annotations

import dataclasses
import math
from types import SimpleNamespace

import pytest

from sim import load_scenario, simulate
from sim.analysis.lift import LiftResult
from sim.analysis.noninferiority import NonInferiorityResult
from sim.analysis.quality import completeness, srm
from sim.analysis.report import Report
from sim.analysis.segments import InteractionResult, SegmentLift, SegmentLiftsResult
from sim.decision import (
    CHECKS,
    Decision,
    assess,
    assess_truth,
    decide,
    higher_is_better,
    key_checks,
    right_call,
)
from sim.errors import DecisionError, LaunchRoomError
from sim.rule import Evidence, PrimaryReading, SegmentSplit, apply_rule
from sim.scenario import case_paths

from .conftest import CASES

# --- hand-built readings -----------------------------------------------------------------------


def lift(metric: str, rel: float, low: float, high: float, p: float,
         control: float = 100.0) -> LiftResult:
    return LiftResult(
        metric=metric, method="hand-built", control_mean=control,
        treatment_mean=control * (1 + rel), abs_diff=control * rel,
        abs_ci=(control * low, control * high), rel_lift=rel, rel_ci=(low, high),
        p_value=p, n_control=10_000, n_treatment=10_000, alpha=0.05, reading=f"{metric} lift",
    )


def guardrail(metric: str, margin: float, estimate: float, non_inferior: bool,
              higher: bool = False) -> NonInferiorityResult:
    return NonInferiorityResult(
        metric=metric, method="hand-built", margin=margin, relative=True,
        higher_is_better=higher, estimate=estimate, bound=estimate, p_value=0.01 if non_inferior
        else 0.4, non_inferior=non_inferior, alpha=0.05, reading=f"{metric} guardrail",
    )


def segment(name: str, rel: float, p_holm: float, control: float = 100.0) -> SegmentLift:
    half = 0.02
    return SegmentLift(
        segment=name, control_mean=control, treatment_mean=control * (1 + rel),
        abs_diff=control * rel, abs_ci=(control * (rel - half), control * (rel + half)),
        rel_lift=rel, rel_ci=(rel - half, rel + half), p_value=p_holm / 4, p_holm=p_holm,
        p_bh=p_holm, n_control=2_500, n_treatment=2_500,
    )


def split(kind: str, segments: list[SegmentLift], p_interaction: float):
    lifts = SegmentLiftsResult(
        metric="sessions", segment_col=kind, method="hand-built", alpha=0.05,
        segments=tuple(segments), skipped=(), reading=f"sessions by {kind}",
    )
    interaction = InteractionResult(
        metric="sessions", segment_col=kind, statistic=5.0, df_num=len(segments) - 1,
        df_denom=10_000, p_value=p_interaction, n_segments=len(segments), robust=True,
        skipped=(), reading=f"interaction by {kind}",
    )
    return lifts, interaction


HEALTHY_GUARDRAILS = {
    "crashes": ("crashes", 0.10, 0.01, True, False),
    "retained": ("retained", 0.01, 0.002, True, True),
}
NO_SPLIT = split("chip_tier", [segment("flagship", 0.03, 0.2), segment("entry", 0.02, 0.3)], 0.6)


def make_report(primary=(0.03, 0.01, 0.05, 0.001), *, primary_metric="sessions",
                guardrails=None, extra_metrics=None, splits=(NO_SPLIT,), split_ok=True,
                reporting=(0.95, 0.95), cuped=None) -> Report:
    """A report with only what the rule reads; everything else is None."""
    rel, low, high, p = primary
    metrics = {primary_metric: lift(primary_metric, rel, low, high, p)}
    specs = HEALTHY_GUARDRAILS if guardrails is None else guardrails
    results = {}
    for name, margin, estimate, ok, higher in specs.values():
        results[name] = guardrail(name, margin, estimate, ok, higher)
        width = margin / 2
        metrics[name] = lift(name, estimate, estimate - width, estimate + width,
                             0.01 if abs(estimate) > width else 0.5)
    metrics["active_days"] = lift("active_days", 0.002, -0.003, 0.007, 0.4)
    metrics.update(extra_metrics or {})
    fields = {field.name: None for field in dataclasses.fields(Report)}
    control, treatment = reporting
    fields.update(
        case_id="hand_built", alpha=0.05, primary_metric=primary_metric,
        srm=srm(5_000, 5_000) if split_ok else srm(5_300, 4_700),
        completeness=completeness(
            {"control": int(control * 100_000), "treatment": int(treatment * 100_000)},
            {"control": 100_000, "treatment": 100_000},
        ),
        metrics=metrics, cuped=cuped or {}, guardrails=results,
        segments={lifts.segment_col: lifts for lifts, _ in splits},
        interactions={i.segment_col: i for _, i in splits},
    )
    return Report(**fields)


# --- the rule, branch by branch --------------------------------------------------------------


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


def test_the_rule_is_a_pure_function_of_its_evidence():
    primary = PrimaryReading("sessions", 1.0, 0.02, 0.02, 0.02, math.nan, better=True,
                             worse=False, promising=False, evidence="true effect")
    tiers = SegmentSplit(kind="chip_tier", differs=True, winners=(("flagship", 0.05),),
                         losers=(("mid", 0.01),), total=2, rank=1.0, lift=0.05,
                         lift_ci=(0.05, 0.05), guarded=True,
                         notes=(("mid", "retained 3.0% worse"),))
    evidence = Evidence(lens="truth", primary=primary, guardrails=(), deteriorations=(),
                        quality_failures=(), splits=(tiers,))
    verdict = apply_rule(evidence)
    assert verdict.segments == ("flagship",)
    assert "mid +1.0% (retained 3.0% worse) lose" in verdict.reason


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
    assert not higher_is_better("battery_drain") and higher_is_better("sessions")


def test_decide_returns_a_valid_decision_with_the_reasons_as_memo():
    decision = decide(make_report(), decision_day=14)
    assert decision.call == "ship_all" and decision.decision_day == 14
    assert decision.expected_lift == pytest.approx(0.03)
    assert decision.memo.startswith("Ship to all")
    assert {"srm", "completeness", "guardrails"} <= set(decision.checks)


# --- the decision model ----------------------------------------------------------------------


def test_a_decision_is_frozen_and_keeps_checks_once_in_order():
    decision = Decision(call="extend", expected_lift=0.02, decision_day=10,
                        checks=["power", "srm", "power"])
    assert decision.checks == ("power", "srm")
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error
        decision.call = "ship_all"
    assert set(CHECKS) >= {"srm", "completeness", "guardrails", "segments", "drift", "novelty"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"call": "ship_segments"}, "names a segment kind and at least one segment"),
        ({"call": "ship_segments", "segment_kind": "chip_tier"}, "at least one segment"),
        ({"call": "ship_all", "segments": ["flagship"], "segment_kind": "chip_tier"},
         "only a ship_segments decision names segments"),
        ({"call": "launch"}, "call: Input should be"),
        ({"expected_lift": math.nan}, "expected_lift: Input should be a finite number"),
        ({"expected_lift": 50.0}, "expected_lift"),
        ({"decision_day": 0}, "decision_day: Input should be greater than or equal to 1"),
        ({"decision_day": 181}, "decision_day"),
        ({"checks": ["vibes"]}, "checks.0: Input should be"),
        ({"memo": "x" * 5_001}, "memo: String should have at most 5000 characters"),
        ({"owner": "me"}, "owner: unknown field"),
        ({"call": "ship_segments", "segment_kind": "chip_tier", "segments": ["<b>"]},
         "segments.0"),
    ],
)
def test_bad_decisions_fail_with_one_line(fields, message):
    data = {"call": "ship_all", "expected_lift": 0.02, "decision_day": 20, **fields}
    with pytest.raises(DecisionError) as caught:
        Decision.from_dict(data)
    text = str(caught.value)
    assert message in text and "\n" not in text and text.startswith("decision: ")
    assert isinstance(caught.value, LaunchRoomError)


def test_segments_are_checked_against_the_case(night_case):
    decision = Decision(call="ship_segments", segment_kind="chip_tier",
                        segments=["flagship", "mid"], expected_lift=0.03, decision_day=28)
    assert decision.check_segments(night_case) is decision
    bad = Decision(call="ship_segments", segment_kind="region", segments=["mars"],
                   expected_lift=0.03, decision_day=28)
    with pytest.raises(DecisionError, match="'mars' is not a region segment"):
        bad.check_segments(night_case)


# --- right_call on the truth, for every case in the library ----------------------------------

CASE_FILES = case_paths(CASES)


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_right_call_matches_the_answer_each_case_intends(path):
    case = load_scenario(path)
    if case.answer is None:
        pytest.skip(f"{case.id} has no [answer] table")
    result = simulate(case, seed=3, devices=30_000)
    decision = right_call(result)
    answer = case.answer
    explain = f"{case.id}: right_call says {decision.label()} ({decision.memo})"
    assert decision.call == answer.call, explain
    if answer.call == "ship_segments":
        assert decision.segment_kind == answer.segment_kind, explain
        assert set(decision.segments) == set(answer.segments), explain
    assert decision.decision_day == case.experiment.decision_day
    assert decision.memo


def test_right_call_is_stable_across_seeds(night_case, aa_case):
    for seed in (1, 2):
        night = right_call(simulate(night_case, seed=seed, devices=20_000))
        assert night.segments == ("flagship", "upper_mid", "mid")
        assert 0.02 < night.expected_lift < 0.06
        assert right_call(simulate(aa_case, seed=seed, devices=20_000)).call == "iterate"


def test_the_truth_lens_reads_no_noise(aa_result, night_result):
    verdict = assess_truth(aa_result)
    assert verdict.lift == 0.0 and verdict.lift_ci == (0.0, 0.0)
    night = assess_truth(night_result)
    assert night.call == "ship_segments" and "entry" in night.reason


def test_key_checks_name_what_mattered(night_result, aa_result):
    night = {k.check: k for k in key_checks(night_result)}
    assert night["segments"].critical and "entry" in night["segments"].why
    assert not night["srm"].critical
    assert [k.check for k in key_checks(aa_result) if k.critical] == []


def test_with_the_run_the_data_rule_reads_guardrails_inside_each_segment():
    path = CASES / "assistant_llm_ram.toml"
    if not path.exists():
        pytest.skip("assistant_llm_ram is not in the case library")
    case = load_scenario(path)
    result = simulate(case, seed=8, devices=30_000)
    from sim import analyse

    report = analyse(result)
    verdict = assess(report, result=result)
    assert verdict.call == "ship_segments" and verdict.segment_kind == "chip_tier"
    assert "mid" not in verdict.segments and "flagship" in verdict.segments
    assert decide(report, result=result).decision_day == case.experiment.decision_day
