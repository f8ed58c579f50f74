"""Each rubric line reacts to the content it grades (and only to that), and hints cost points."""

from __future__ import annotations

import pytest

from sim import analyse, simulate
from sim.case.library import load_case
from sim.decide.decision import Decision, right_call
from sim.decide.design import design_comparison
from sim.decide.questions import Answers, readout_answers
from sim.decide.rubric import HINT_COST, WEIGHTS, InterviewAnswers, rubric
from sim.decide.scorecard import score
from sim.decide.words import pct


@pytest.fixture(scope="module")
def night():
    case = load_case("camera_night_mode")
    result = simulate(case, seed=2, devices=20_000)
    report = analyse(result)
    # Scored once each: the right call and every design on the same fleet.
    return case, result, report, right_call(result), design_comparison(result)


def _sheet(night, memo="", call="ship_all", segments=(), clarifying=(), reason="", hints=(),
           answers=None):
    case, result, report, right, design = night
    kind = "chip_tier" if segments else None
    decision = Decision(call=call, expected_lift=0.03, decision_day=28, memo=memo,
                        segment_kind=kind, segments=segments,
                        answers=answers if answers is not None else Answers())
    card = score(decision, result, report, right, result, design)
    return rubric(decision, card, report, case, InterviewAnswers(clarifying, reason, hints))


def _interval(report) -> str:
    lift = readout_answers(report).primary_lift
    return f"sessions {pct(lift.estimate)} (95% CI {pct(lift.low)} to {pct(lift.high)})"


def test_the_lines_add_up_to_100_and_each_says_why(night):
    sheet = _sheet(night)
    assert sum(line.max_points for line in sheet.lines) == sum(WEIGHTS.values()) == 100
    assert all(line.explanation for line in sheet.lines)


def test_structure_counts_the_clarifying_questions(night):
    assert _sheet(night).line("structure").points == 0
    assert _sheet(night, clarifying=("devices",)).line("structure").points == 5
    assert _sheet(night, clarifying=("devices", "metric", "budget", "success")).line(
        "structure").points == WEIGHTS["structure"]


def test_hardware_reads_latency_memory_battery_and_a_tier_from_the_reasoning(night):
    none = _sheet(night, reason="It is a good model and people will like it.").line("hardware")
    full = _sheet(night, reason="int8 fits the 25 ms latency budget down to mid; entry takes "
                                "43 ms. Memory is 14 MB against GBs of RAM, battery cost tiny."
                  ).line("hardware")
    assert none.points == 0 and "leaves out latency, memory, battery, a chip tier" in none.explanation
    assert full.points == WEIGHTS["hardware"]


def test_communication_needs_the_interval_not_length(night):
    report = night[2]
    base = ("Ship to all; entry loses. Crashes, battery drain and retention held inside their "
            "margins. Next: monitor the rollout.")
    without = _sheet(night, memo=f"{base} The lift is {pct(readout_answers(report).primary_lift.estimate)}.")
    with_ci = _sheet(night, memo=f"{base} {_interval(report)}.")
    long_without = _sheet(night, memo=(base + " ") * 30)
    share = WEIGHTS["communication"] / 5
    assert with_ci.line("communication").points - without.line("communication").points == share
    assert "its interval" in without.line("communication").explanation.split("misses")[1]
    assert long_without.line("communication").points < with_ci.line("communication").points


@pytest.mark.parametrize(("drop", "check"), [
    ("Crashes, battery drain and retention", "every guardrail"),
    ("Next: monitor the rollout.", "a next step"),
])
def test_communication_loses_exactly_the_check_the_memo_leaves_out(night, drop, check):
    report = night[2]
    memo = (f"Ship to all: {_interval(report)}, entry loses. Crashes, battery drain and "
            "retention held inside their margins. Next: monitor the rollout.")
    full = _sheet(night, memo=memo).line("communication")
    short = _sheet(night, memo=memo.replace(drop, "")).line("communication")
    assert full.points == WEIGHTS["communication"]
    assert full.points - short.points == WEIGHTS["communication"] / 5
    assert check in short.explanation.split("misses")[1]


def test_a_segment_call_must_name_its_segments(night):
    report = night[2]
    memo = (f"{_interval(report)}; crashes, battery drain, retention fine. Next: monitor.")
    named = _sheet(night, call="ship_segments", segments=("flagship", "upper_mid"),
                   memo=memo + " Ship to flagship and upper mid.").line("communication")
    unnamed = _sheet(night, call="ship_segments", segments=("flagship", "upper_mid"),
                     memo=memo).line("communication")
    assert named.points - unnamed.points == WEIGHTS["communication"] / 5


def test_statistics_and_data_quality_follow_the_answers_against_the_readout(night):
    report = night[2]
    right = readout_answers(report)
    blank = _sheet(night)
    answered = _sheet(night, answers=right)
    for line in ("statistics", "data_quality"):
        assert blank.line(line).points == 0
        assert answered.line(line).points == WEIGHTS[line]


def test_the_call_and_speed_lines_come_from_the_scorecard(night):
    # At 20,000 devices the readout at day 28 supports iterating (the lift is not shown).
    supported = _sheet(night, call="iterate")
    unsupported = _sheet(night, call="ship_all")
    assert supported.line("call").points > unsupported.line("call").points
    assert "supports iterate" in unsupported.line("call").explanation
    assert supported.line("speed").points == WEIGHTS["speed"]


def test_each_hint_costs_points_and_is_listed(night):
    free = _sheet(night, clarifying=("devices", "metric"))
    hinted = _sheet(night, clarifying=("devices", "metric"),
                    hints=("readout:nudge", "readout:pointer"))
    assert hinted.hints == ("readout:nudge", "readout:pointer")
    assert hinted.hint_cost == 2 * HINT_COST
    assert free.total - hinted.total == pytest.approx(2 * HINT_COST)
