"""The decision model, the risk-aware rule on hand-built reports, and right_call on every case."""

from __future__ import annotations

import math

import pytest

from sim import load_scenario, simulate
from sim.case.library import case_paths
from sim.decide.decision import CHECKS, Decision, decide, right_call
from sim.errors import DecisionError, LaunchRoomError
from tests.conftest import CASES
from tests.decide.reports import make_report

# --- the rule, branch by branch --------------------------------------------------------------


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


