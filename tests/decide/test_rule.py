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
