"""The decision rule as a pure function of judged evidence."""

from __future__ import annotations

import math

from sim.decide.rule import Evidence, GuardrailReading, PrimaryReading, SegmentSplit, apply_rule


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


def test_a_guardrail_past_its_margin_rolls_back_even_when_the_primary_wins():
    primary = PrimaryReading("sessions", 1.0, 0.04, 0.03, 0.05, 0.001, better=True,
                             worse=False, promising=True, evidence="data")
    harm = GuardrailReading("distraction_events", 0.05, 0.30, "harm", "data")
    verdict = apply_rule(Evidence(lens="data", primary=primary, guardrails=(harm,),
                                  deteriorations=(), quality_failures=(), splits=()))
    assert verdict.call == "rollback" and verdict.failed_guardrails == ("distraction_events",)
    assert "distraction_events got worse by +30.0%" in verdict.reason


def test_a_failed_quality_check_comes_before_any_lift():
    primary = PrimaryReading("sessions", 1.0, 0.04, 0.03, 0.05, 0.001, better=True,
                             worse=False, promising=True, evidence="data")
    verdict = apply_rule(Evidence(lens="data", primary=primary, guardrails=(),
                                  deteriorations=(), quality_failures=(("srm", "split off"),),
                                  splits=()))
    assert (verdict.call, verdict.failed_checks) == ("iterate", ("srm",))
    assert math.isclose(verdict.lift, 0.04)


def _flat(exposure: float, room: bool) -> Evidence:
    # A flat lift with a tight interval of the whole arm: -0.1% to +0.1%.
    primary = PrimaryReading("sessions", 1.0, 0.0, -0.001, 0.001, 0.9, better=False,
                             worse=False, promising=False, evidence="data")
    return Evidence(lens="data", primary=primary, guardrails=(), deteriorations=(),
                    quality_failures=(), splits=(), room_to_extend=room, exposure=exposure)


def test_a_flat_lift_while_few_devices_have_the_build_extends_while_there_is_room():
    # 2% of the arm on the build: on those devices the bound is 0.1% / 0.05 = 2%, which could
    # still be a lift worth shipping (MIN_LIFT); with the whole arm on the build it could not.
    early = apply_rule(_flat(exposure=0.02, room=True))
    assert early.call == "extend" and "only 2% of the treatment arm" in early.reason
    assert "+2.0%" in early.reason
    assert apply_rule(_flat(exposure=1.0, room=True)).call == "iterate"
    assert apply_rule(_flat(exposure=0.02, room=False)).call == "iterate"  # no time left
