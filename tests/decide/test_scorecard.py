"""The scorecard: judgment against the data the person had, and value against the truth."""

from __future__ import annotations

import pytest

from sim import analyse, load_scenario, simulate
from sim.analysis.segments import pooled_segment_lift
from sim.decide.decision import Decision, decide, right_call
from sim.decide.design import design_comparison
from sim.decide.questions import readout_answers
from sim.decide.scorecard import (
    WEIGHTS,
    days_to_ship,
    rollout_days,
    score,
    score_many,
    support,
)
from sim.limits import BUDGET_DAYS
from sim.readout.report import run_through
from tests.conftest import CASES


@pytest.fixture(scope="module")
def night():
    """camera_night_mode at 20,000 devices: the run, its design comparison, readouts by day."""
    result = simulate(load_scenario(CASES / "camera_night_mode.toml"), seed=1, devices=20_000)
    return result, design_comparison(result)


def _readout(result, day):
    run = run_through(result, day)
    return run, analyse(run)


def _decision(**fields) -> Decision:
    return Decision(**{"call": "ship_all", "expected_lift": 0.0, "decision_day": 28, **fields})


def test_weights_add_up_to_100():
    assert sum(WEIGHTS.values()) == 100


def test_the_readout_through_day_7_is_not_the_readout_through_day_28(night):
    result, _ = night
    (_, early), (_, late) = _readout(result, 7), _readout(result, 28)
    assert early.metrics["sessions"].abs_ci != late.metrics["sessions"].abs_ci
    assert (early.devices_analysed, early.sequential.looks[-1].look) != (
        late.devices_analysed, late.sequential.looks[-1].look)
    assert len(early.daily) < len(late.daily)


def test_equivalent_calls_score_within_two_points():
    # int8 to mid and above: entry phones never get the model, so shipping to the three tiers
    # that can run it and shipping to all put the build on the same phones.
    case = load_scenario(CASES / "camera_night_mode.toml").with_knobs(
        {"feature.lowest_tier": "mid"})
    result = simulate(case, seed=2, devices=20_000)
    design = design_comparison(result)
    run, report = _readout(result, 21)
    # Each states the lift the data shows where it ships: the three tiers pooled, or the fleet.
    tiers = ["flagship", "upper_mid", "mid"]
    chosen = [s for s in report.segments["chip_tier"].segments if s.segment in tiers]
    pooled = pooled_segment_lift(chosen, report.alpha)[0]
    to_tiers = _decision(call="ship_segments", segment_kind="chip_tier", segments=tiers,
                         decision_day=21, expected_lift=pooled)
    to_all = _decision(decision_day=21, expected_lift=report.cuped["sessions"].rel_lift)
    cards = [score(d, result, report, day_result=run, design=design) for d in (to_tiers, to_all)]
    assert abs(cards[0].total - cards[1].total) <= 2
    assert support(to_tiers, to_all, result.devices) == 1.0


def test_a_lucky_right_call_scores_below_the_supported_call(night):
    # At day 7 the data cannot carry the tier split that the truth says is right.
    result, design = night
    run, report = _readout(result, 7)
    supported = decide(report, decision_day=7, result=run)
    right = right_call(result)
    assert supported.call != right.call
    lucky = score(right.model_copy(update={"decision_day": 7}), result, report, day_result=run,
                  design=design)
    careful = score(supported, result, report, day_result=run, design=design)
    assert lucky.lucky and not careful.lucky
    assert lucky.total < careful.total - 3
    assert lucky.item("outcome").points <= 0.5 * WEIGHTS["outcome"]
    assert "lucky guess" in lucky.item("outcome").explanation


def test_a_wrong_answer_loses_its_points(night):
    result, design = night
    run, report = _readout(result, 28)
    right_answers = readout_answers(report)
    base = decide(report, decision_day=28, result=run).model_copy(
        update={"answers": right_answers})
    good = score(base, result, report, day_result=run, design=design)
    wrong_split = base.model_copy(update={"answers": right_answers.model_copy(
        update={"split": right_answers.split.model_copy(update={
            "healthy": not right_answers.split.healthy})})})
    bad = score(wrong_split, result, report, day_result=run, design=design)
    per_question = WEIGHTS["questions"] / len(result.scenario.interview.questions)
    assert good.item("questions").points == WEIGHTS["questions"]
    assert bad.item("questions").points == pytest.approx(
        WEIGHTS["questions"] - 0.7 * per_question, abs=0.1)
    unanswered = score(base.model_copy(update={"answers": type(right_answers)()}), result, report,
                       day_result=run, design=design)
    assert unanswered.item("questions").points == 0


def test_reading_nothing_scores_low_and_reading_the_data_scores_high(night):
    result, design = night
    run, report = _readout(result, 21)
    careful = decide(report, decision_day=21, result=run).model_copy(
        update={"answers": readout_answers(report)})
    guesses = [_decision(call=call, decision_day=1, expected_lift=0.02)
               for call in ("ship_all", "iterate", "rollback")]
    cards = score_many([careful, *guesses], result)
    totals = [card.total for card in cards]
    assert totals[0] >= 70 and max(totals[1:]) <= 40 and totals[0] > max(totals[1:]) + 30, totals


def test_an_extend_earns_no_speed_and_names_its_day(night):
    result, design = night
    run, report = _readout(result, 7)
    extend = _decision(call="extend", decision_day=7, extend_to=14)
    card = score(extend, result, report, day_result=run, design=design)
    assert card.item("speed").points == 0 and "day 14" in card.item("speed").explanation


def test_speed_counts_decision_day_plus_rollout_and_only_as_far_as_supported(night):
    result, design = night
    run, report = _readout(result, 14)
    supported = decide(report, decision_day=14, result=run)
    card = score(supported, result, report, day_result=run, design=design)
    shipped = days_to_ship(supported, result)
    if shipped is not None:
        assert shipped == 14 + rollout_days(result)
        assert card.item("speed").points == (WEIGHTS["speed"] if shipped <= BUDGET_DAYS
                                             else pytest.approx(card.item("speed").points))
    unsupported = score(_decision(call="rollback", decision_day=14), result, report,
                        day_result=run, design=design)
    assert unsupported.item("speed").points < WEIGHTS["speed"]


def test_the_scorecard_carries_the_supported_call_the_design_and_a_debrief(night):
    result, design = night
    card = score(_decision(decision_day=28), result, design=design)
    assert card.supported_label and card.right_label
    assert card.design is design
    assert card.debrief.model_answer.startswith("At int8")
    assert card.debrief.next_time
    assert {row.kind for row in card.debrief.segments} >= {"all", "chip_tier"}
    tiers = [row.segment for row in card.debrief.segments if row.kind == "chip_tier"]
    assert tiers == list(result.scenario.segment_names("chip_tier"))  # the case's order


def test_points_discounted_by_support_say_so(night):
    result, design = night
    # The data supports shipping to every tier; shipping to flagship alone is partly
    # supported, so what it earns on the truth counts only that far, and the card says so.
    card = score(_decision(call="ship_segments", segment_kind="chip_tier",
                           segments=["flagship"], decision_day=28), result, design=design)
    assert 0 < card.item("call").points < 25
    design_item = card.item("design")
    assert 0 < design_item.points < design_item.max_points
    assert "as far as the data supported your call" in design_item.explanation
    whole = score(_decision(decision_day=28), result, design=design)
    assert whole.item("call").points == 25
    assert "as far as" not in whole.item("design").explanation
