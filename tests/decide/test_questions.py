"""The interviewer's questions, graded against the readout the person had."""

from __future__ import annotations

import pytest

from sim import analyse, load_scenario, simulate
from sim.case.interview import DEFAULT_QUESTIONS
from sim.decide.questions import (
    LIFT_TOLERANCE_SHARE,
    Answers,
    LiftAnswer,
    SegmentAnswer,
    SplitAnswer,
    grade_answers,
    readout_answers,
)
from sim.readout.lean import headline
from tests.conftest import CASES


@pytest.fixture(scope="module", params=["camera_night_mode", "srm_install_failures",
                                        "firmware_drift"])
def report(request):
    result = simulate(load_scenario(CASES / f"{request.param}.toml"), seed=5, devices=10_000)
    return analyse(result)


def test_the_readouts_own_answers_earn_every_point(report):
    grades = grade_answers(DEFAULT_QUESTIONS, readout_answers(report), report)
    assert [g.fraction for g in grades] == [1.0] * len(DEFAULT_QUESTIONS)


def test_no_answers_earn_nothing(report):
    assert all(g.fraction == 0.0 for g in grade_answers(DEFAULT_QUESTIONS, Answers(), report))


def test_the_opposite_answers_earn_nothing(report):
    right = readout_answers(report)
    wrong = Answers(
        split=SplitAnswer(healthy=not right.split.healthy,
                          test="ks" if right.split.test != "ks" else "srm"),
        measurement="behaviour" if right.measurement != "behaviour" else "neither",
        novelty="growing" if right.novelty != "growing" else "lasting",
        guardrails={name: "outside" if status == "inside" else "inside"
                    for name, status in (right.guardrails or {}).items()},
    )
    grades = {g.question: g.fraction for g in grade_answers(
        ("split", "measurement", "novelty", "guardrails"), wrong, report)}
    assert grades["split"] == 0.0 and grades["measurement"] == 0.0
    assert grades["novelty"] == 0.0
    if right.guardrails:
        assert grades["guardrails"] == 0.0


def test_a_stated_lift_counts_within_a_quarter_of_the_intervals_half_width(report):
    reading = headline(report)
    if reading is None:
        pytest.skip("no primary reading")
    low, high = reading.rel_ci
    tolerance = max(LIFT_TOLERANCE_SHARE * (high - low) / 2, 0.001)
    near = LiftAnswer(estimate=reading.rel_lift + 0.9 * tolerance, low=low, high=high)
    far = LiftAnswer(estimate=reading.rel_lift + 1.5 * tolerance, low=low - 1.5 * tolerance,
                     high=high)
    grade = lambda answer: grade_answers(("primary_lift",), Answers(primary_lift=answer),  # noqa: E731
                                         report)[0].fraction
    assert grade(near) == 1.0
    assert grade(far) == 0.25  # only the upper bound is right: 0.5 estimate + 0.25 low lost


def test_naming_a_segment_when_none_is_hurt_is_wrong(report):
    right = readout_answers(report).hurt_segment
    named = SegmentAnswer(kind="chip_tier", segment="flagship") if right.segment == "none" \
        else SegmentAnswer()
    assert grade_answers(("hurt_segment",), Answers(hurt_segment=named), report)[0].fraction \
        == 0.0
