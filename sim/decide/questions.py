"""The interviewer's questions: answered with the call, graded against the readout.

Ticking "I checked the SRM" costs nothing and says nothing; an interviewer asks instead, and
the answer is right or wrong. Each question here has a typed answer (:class:`Answers`) and a
grade from the readout at the decision day - never from the truth: a person is graded on
reading the data they had. A case names its questions (``[interview] questions``); every
case asks the same ones by default, so which appear gives nothing away.

* ``split`` - is the split healthy, and which test says so?
* ``primary_lift`` - the primary metric's relative lift and its 95% interval, or that it
  cannot be read yet;
* ``guardrails`` - each guardrail inside its margin, outside it, or not yet shown;
* ``hurt_segment`` - which segment, if any, the build hurts;
* ``measurement`` - did the measurement move, or the behaviour (or neither)?
* ``novelty`` - is the effect fading, lasting or growing since install?

>>> from sim import load_scenario, simulate, analyse
>>> report = analyse(simulate(load_scenario("scenarios/aa_test.toml"), seed=3, devices=5_000))
>>> grade = grade_question("split", Answers(split=SplitAnswer(healthy=True, test="srm")), report)
>>> grade.fraction, grade.question
(1.0, 'split')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from sim import messages
from sim.analysis.frame import AnalysisResult
from sim.case.metrics import METRICS, SegmentKind
from sim.decide.evidence import data_guardrail
from sim.decide.rule import completeness_fails
from sim.decide.words import pct
from sim.readout.lean import headline

if TYPE_CHECKING:
    from sim.readout.report import Report

SplitTest = Literal["srm", "completeness", "t_test", "ks", "none"]
GuardrailAnswer = Literal["inside", "outside", "not_shown"]
Measurement = Literal["measurement", "behaviour", "neither"]
Novelty = Literal["fading", "lasting", "growing", "too_early"]
NO_SEGMENT = "none"
LIFT_TOLERANCE_SHARE = 0.25
"""A stated lift or bound counts as right within this share of the readout's half-width."""
MIN_LIFT_TOLERANCE = 0.001


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SplitAnswer(_Answer):
    """Is the split healthy, and which test says so."""

    healthy: bool
    test: SplitTest


class LiftAnswer(_Answer):
    """The primary lift and its interval (relative: 0.03 is +3%), or that it cannot be read."""

    estimate: Annotated[float, Field(ge=-1.0, le=10.0, allow_inf_nan=False)] = 0.0
    low: Annotated[float, Field(ge=-1.0, le=10.0, allow_inf_nan=False)] = 0.0
    high: Annotated[float, Field(ge=-1.0, le=10.0, allow_inf_nan=False)] = 0.0
    unreadable: bool = False


class SegmentAnswer(_Answer):
    """The segment the build hurts (``segment = "none"`` when no segment is hurt)."""

    kind: SegmentKind | None = None
    segment: Annotated[str, Field(pattern=r"^[a-z0-9_]+$", max_length=60)] = NO_SEGMENT


class Answers(_Answer):
    """A decision's answers to the interviewer's questions; one left out earns nothing."""

    split: SplitAnswer | None = None
    primary_lift: LiftAnswer | None = None
    guardrails: Mapping[Annotated[str, Field(max_length=40)], GuardrailAnswer] | None = None
    hurt_segment: SegmentAnswer | None = None
    measurement: Measurement | None = None
    novelty: Novelty | None = None


@dataclass(frozen=True)
class QuestionGrade(AnalysisResult):
    """One question: the share of its points earned, the readout's answer, and why."""

    question: str
    fraction: float
    expected: str
    explanation: str


def readout_answers(report: Report) -> Answers:
    """What the readout says to every question: the answers a careful reader gives.

    >>> from sim import load_scenario, simulate, analyse
    >>> report = analyse(simulate(load_scenario("scenarios/aa_test.toml"), seed=3, devices=5_000))
    >>> readout_answers(report).split
    SplitAnswer(healthy=True, test='srm')
    """
    return Answers(split=_split(report), primary_lift=_lift(report),
                   guardrails=_guardrails(report), hurt_segment=_hurt(report)[0],
                   measurement=_measurement(report), novelty=_novelty(report))


def _split(report: Report) -> SplitAnswer:
    if report.srm.alarm:
        return SplitAnswer(healthy=False, test="srm")
    if completeness_fails(report.completeness):
        return SplitAnswer(healthy=False, test="completeness")
    return SplitAnswer(healthy=True, test="srm")


def _lift(report: Report) -> LiftAnswer:
    reading = headline(report)
    if reading is None or not all(math.isfinite(v) for v in (reading.rel_lift, *reading.rel_ci)):
        return LiftAnswer(unreadable=True)
    return LiftAnswer(estimate=_in_range(reading.rel_lift), low=_in_range(reading.rel_ci[0]),
                      high=_in_range(reading.rel_ci[1]))


def _in_range(value: float) -> float:
    # A relative change an answer can state (the same bounds as a decision's expected lift).
    return float(min(max(value, -1.0), 10.0))


def _guardrails(report: Report) -> dict[str, str]:
    answers = {}
    for name, result in report.guardrails.items():
        status = data_guardrail(name, result, report.metrics.get(name), report.alpha).status
        answers[name] = {"pass": "inside", "harm": "outside", "fail": "outside"}.get(
            status, "not_shown")
    return answers


def _hurt(report: Report) -> tuple[SegmentAnswer, list[tuple[str, str]]]:
    sign = METRICS[report.primary_metric].sign
    hurt = [(kind, str(s.segment)) for kind, lifts in report.segments.items()
            for s in lifts.segments if s.p_holm < report.alpha and sign * s.abs_diff < 0]
    if not hurt:
        return SegmentAnswer(), hurt
    kind, segment = hurt[0]
    return SegmentAnswer(kind=kind, segment=segment), hurt


def _measurement(report: Report) -> str:
    if report.drift is not None and report.drift.measurement_step:
        return "measurement"
    reading = headline(report)
    if reading is not None and reading.p_value < report.alpha:
        return "behaviour"
    return "neither"


def _novelty(report: Report) -> str:
    novelty = report.novelty
    if novelty is None:
        return "too_early"
    if novelty.p_value >= report.alpha:
        return "lasting"
    return "fading" if novelty.late_effect < novelty.early_effect else "growing"


def answer_lines(answers: Answers) -> tuple[tuple[str, str], ...]:
    """The answers given, in words: (the question, the answer) for each one answered.

    >>> answer_lines(Answers(split=SplitAnswer(healthy=True, test="srm"), novelty="fading"))[0]
    ('Is the split between the arms healthy, and which test says so?', 'healthy, by the sample-ratio (chi-square) test')
    """
    lines = []
    for question in messages.QUESTIONS:
        given = getattr(answers, question)
        if given is None:
            continue
        if question == "split":
            text = messages.ANSWER_SPLIT.format(
                state=messages.SPLIT_HEALTHY if given.healthy else messages.SPLIT_BROKEN,
                test=messages.SPLIT_TESTS[given.test])
        elif question == "primary_lift":
            text = messages.QUESTION_LIFT_UNREADABLE if given.unreadable else \
                messages.QUESTION_LIFT_SHOWN.format(estimate=pct(given.estimate),
                                                    low=pct(given.low), high=pct(given.high),
                                                    level=0.95)
        elif question == "guardrails":
            text = "; ".join(f"{name} {messages.GUARDRAIL_ANSWERS[status]}"
                             for name, status in given.items()) or messages.ANSWER_NONE
        elif question == "hurt_segment":
            text = messages.QUESTION_NO_SEGMENT_HURT if given.segment == NO_SEGMENT else \
                f"{given.segment} ({given.kind})"
        elif question == "measurement":
            text = messages.MEASUREMENT_ANSWERS[given]
        else:
            text = messages.NOVELTY_ANSWERS[given]
        lines.append((messages.QUESTIONS[question], text))
    return tuple(lines)


def grade_question(question: str, answers: Answers, report: Report) -> QuestionGrade:
    """Grade one answer against the readout (see the module). An unanswered question earns
    nothing; the explanation says what the readout showed."""
    given = getattr(answers, question)
    expected = readout_answers(report)
    if question == "split":
        right = expected.split
        fraction = 0.0 if given is None else (0.7 * (given.healthy == right.healthy)
                                              + 0.3 * (given.test == right.test))
        shown = messages.QUESTION_SPLIT_SHOWN.format(
            state=messages.SPLIT_HEALTHY if right.healthy else messages.SPLIT_BROKEN,
            test=messages.SPLIT_TESTS[right.test], reading=report.srm.reading)
    elif question == "primary_lift":
        fraction, shown = _grade_lift(given, expected.primary_lift, report)
    elif question == "guardrails":
        right = expected.guardrails
        if not right:
            fraction, shown = 1.0, messages.QUESTION_NO_GUARDRAILS
        else:
            hits = sum((given or {}).get(name) == status for name, status in right.items())
            fraction = hits / len(right)
            shown = "; ".join(f"{name} {messages.GUARDRAIL_ANSWERS[status]}"
                              for name, status in right.items())
    elif question == "hurt_segment":
        _, hurt = _hurt(report)
        if given is None:
            fraction = 0.0
        elif not hurt:
            fraction = float(given.segment == NO_SEGMENT)
        else:
            fraction = float((given.kind, given.segment) in hurt)
        shown = (messages.QUESTION_NO_SEGMENT_HURT if not hurt
                 else ", ".join(f"{segment} ({kind})" for kind, segment in hurt))
    elif question == "measurement":
        fraction = float(given == expected.measurement)
        shown = messages.MEASUREMENT_ANSWERS[expected.measurement]
    else:  # novelty
        fraction = float(given == expected.novelty)
        shown = messages.NOVELTY_ANSWERS[expected.novelty]
    template = (messages.QUESTION_UNANSWERED if given is None else messages.QUESTION_RIGHT
                if fraction >= 0.999 else messages.QUESTION_PARTLY if fraction > 0
                else messages.QUESTION_WRONG)
    return QuestionGrade(question, round(float(fraction), 3), shown, template.format(
        question=messages.QUESTIONS[question], shown=shown))


def _grade_lift(given: LiftAnswer | None, right: LiftAnswer,
                report: Report) -> tuple[float, str]:
    if right.unreadable:
        shown = messages.QUESTION_LIFT_UNREADABLE
        return (0.0 if given is None else float(given.unreadable)), shown
    shown = messages.QUESTION_LIFT_SHOWN.format(estimate=pct(right.estimate), low=pct(right.low),
                                                high=pct(right.high),
                                                level=1 - report.alpha)
    if given is None or given.unreadable:
        return 0.0, shown
    tolerance = max(LIFT_TOLERANCE_SHARE * (right.high - right.low) / 2, MIN_LIFT_TOLERANCE)
    fraction = (0.5 * (abs(given.estimate - right.estimate) <= tolerance)
                + 0.25 * (abs(given.low - right.low) <= tolerance)
                + 0.25 * (abs(given.high - right.high) <= tolerance))
    return fraction, shown


def grade_answers(questions: Sequence[str], answers: Answers,
                  report: Report) -> tuple[QuestionGrade, ...]:
    """Grade each of the case's questions.

    >>> from sim import load_scenario, simulate, analyse
    >>> report = analyse(simulate(load_scenario("scenarios/aa_test.toml"), seed=3, devices=5_000))
    >>> [g.fraction for g in grade_answers(("split", "measurement"), Answers(), report)]
    [0.0, 0.0]
    """
    return tuple(grade_question(question, answers, report) for question in questions)
