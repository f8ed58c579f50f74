"""The scorecard: a decision against the hidden truth, criterion by criterion."""

from __future__ import annotations

import dataclasses

import pytest

from sim import analyse, load_scenario, simulate
from sim.analysis.quality import srm
from sim.decide.decision import Decision, right_call
from sim.decide.scorecard import (
    WEIGHTS,
    days_to_ship,
    rollout_days,
    score,
    score_many,
)
from sim.decide.words import pct
from sim.limits import BUDGET_DAYS
from tests.conftest import CASES


@pytest.fixture(scope="module")
def night_report(night_result):
    return analyse(night_result)


@pytest.fixture(scope="module")
def aa_report(aa_result):
    return analyse(aa_result)


def decision(**fields) -> Decision:
    data = {"call": "ship_all", "expected_lift": 0.0, "decision_day": 28, **fields}
    return Decision(**data)


def test_weights_add_up_to_100():
    assert sum(WEIGHTS.values()) == 100


def test_the_right_call_with_the_right_evidence_scores_at_least_90(night_result, night_report):
    right = right_call(night_result)
    card = score(right, night_result, night_report)
    assert card.total >= 90
    assert [item.criterion for item in card.items] == ["call", "evidence", "calibration", "speed"]
    assert card.item("call").points == card.item("call").max_points
    assert card.item("evidence").points == card.item("evidence").max_points
    assert card.right_call == "ship_segments" and card.right_segments == right.segments
    assert 0 <= card.total <= 100 and card.summary.startswith(f"{card.total}/100")


@pytest.mark.parametrize("name", ["aa_test", "camera_night_mode", "firmware_drift",
                                  "srm_install_failures", "ev_voice_assistant"])
def test_the_right_call_scores_at_least_90_on_every_kind_of_case(name):
    path = CASES / f"{name}.toml"
    if not path.exists():
        pytest.skip(f"{name} is not in the case library")
    result = simulate(load_scenario(path), seed=2, devices=20_000)
    assert score(right_call(result), result, analyse(result)).total >= 90


def test_the_opposite_call_scores_well_below(night_result, night_report):
    right = score(right_call(night_result), night_result, night_report)
    opposite = score(decision(call="rollback", checks=["srm", "guardrails", "segments"]),
                     night_result, night_report)
    assert opposite.item("call").points == 0
    assert opposite.total <= right.total - 40
    assert "the right call was ship to flagship, upper_mid and mid" in opposite.item("call").explanation


def test_a_neighbouring_call_earns_part_of_the_call_points(night_result, night_report):
    checks = ["srm", "guardrails", "segments"]
    full = score(right_call(night_result), night_result, night_report).item("call").points
    subset = score(decision(call="ship_segments", segment_kind="chip_tier",
                            segments=["flagship", "upper_mid"], expected_lift=0.04,
                            checks=checks), night_result, night_report).item("call")
    everyone = score(decision(expected_lift=0.012, checks=checks), night_result,
                     night_report).item("call")
    extend = score(decision(call="extend", expected_lift=0.012, checks=checks), night_result,
                   night_report).item("call")
    # Flagship and upper-mid are half the fleet; mid (30%) is missed: 70% of devices agree.
    assert subset.points == pytest.approx(full * 0.7, abs=1.5)
    assert 0 < everyone.points < subset.points
    assert 0 < extend.points < everyone.points
    assert subset.explanation.startswith("Partly right")


def test_the_call_explanation_quotes_the_true_numbers(night_result, night_report):
    card = score(decision(), night_result, night_report)
    entry = night_result.truth.query(
        "metric == 'sessions' and segment_kind == 'chip_tier' and segment == 'entry'"
    )["rel_effect"].iloc[0]
    assert pct(entry) in card.item("call").explanation


def test_missing_the_fired_srm_check_costs_points(night_result, night_report):
    # The same run, but the split failed its SRM check: citing it now matters critically.
    broken = dataclasses.replace(night_report, srm=srm(10_400, 9_600))
    cited = decision(call="iterate", checks=["srm", "guardrails", "segments"])
    missed = decision(call="iterate", checks=["guardrails", "segments"])
    with_srm = score(cited, night_result, broken)
    without = score(missed, night_result, broken)
    assert with_srm.item("evidence").points - without.item("evidence").points >= 8
    assert without.total < with_srm.total
    assert "srm" in without.item("evidence").explanation
    assert "SRM alarm" in without.item("evidence").explanation
    # Without the alarm the SRM check is basic practice and weighs less.
    quiet = score(missed, night_result, night_report)
    assert quiet.item("evidence").points > without.item("evidence").points


def test_missing_the_segment_check_costs_more_than_a_basic_one(night_result, night_report):
    no_segments = score(decision(checks=["srm", "guardrails"]), night_result, night_report)
    no_srm = score(decision(checks=["guardrails", "segments"]), night_result, night_report)
    assert no_segments.item("evidence").points < no_srm.item("evidence").points
    assert "effect differed by chip_tier" in no_segments.item("evidence").explanation
    # The interaction test counts as relying on the segments.
    interaction = score(decision(checks=["srm", "guardrails", "interaction"]), night_result,
                        night_report)
    assert interaction.item("evidence").points == WEIGHTS["evidence"]


def test_an_expected_lift_far_from_the_truth_costs_points(aa_result, aa_report):
    honest = score(decision(call="iterate", expected_lift=0.0), aa_result, aa_report)
    wishful = score(decision(call="iterate", expected_lift=0.08), aa_result, aa_report)
    assert honest.item("calibration").points == WEIGHTS["calibration"]
    assert wishful.item("calibration").points == 0
    text = wishful.item("calibration").explanation
    assert "+0.0%" in text and "you expected +8.0%" in text and "outside" in text


def test_calibration_reads_the_true_effect_where_the_decision_ships(night_result, night_report):
    right = right_call(night_result)
    card = score(right, night_result, night_report)
    assert card.true_lift == pytest.approx(right.expected_lift)
    assert "in flagship, upper_mid and mid" in card.item("calibration").explanation
    pooled = score(decision(expected_lift=right.expected_lift), night_result, night_report)
    assert pooled.item("calibration").points < WEIGHTS["calibration"]


def test_speed_counts_decision_day_plus_rollout_against_the_budget(night_result, night_report):
    days = rollout_days(night_result)
    assert 5 <= days <= 15
    fast = score(decision(decision_day=BUDGET_DAYS - days), night_result, night_report)
    slow = score(decision(decision_day=28), night_result, night_report)
    assert fast.item("speed").points == WEIGHTS["speed"]
    assert slow.item("speed").points < WEIGHTS["speed"]
    assert fast.days_to_ship == BUDGET_DAYS
    assert f"{28 + days} days to ship" in slow.item("speed").explanation
    held = decision(call="iterate", decision_day=20)
    assert days_to_ship(held, night_result) is None
    assert score(held, night_result, night_report).item("speed").points == WEIGHTS["speed"]


def test_a_halted_rollout_counts_its_plan(night_case):
    halting = night_case.with_knobs({"rollout.gates.0.max_value": 0.0001,
                                     "rollout.gates.0.max_rel_increase": 0.0001})
    result = simulate(halting, seed=1, devices=5_000)
    events = set(result.timeline["event"])
    assert events & {"halt", "rollback"}
    planned = sum(stage.bake_days for stage in halting.rollout.stages[:-1]) + 3
    assert rollout_days(result) == planned


def test_score_many_reuses_one_right_call(aa_result, aa_report):
    cards = score_many([decision(call="iterate", checks=["srm", "guardrails"]),
                        decision(expected_lift=0.05)], aa_result, aa_report)
    assert cards[0].total == 100 and cards[1].total < 50
    assert cards[0].to_dict()["items"][0]["criterion"] == "call"
