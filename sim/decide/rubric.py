"""The interview's rubric: seven lines in the style interviewers score a case, each saying
what earned or lost its points, with the numbers, and the hints taken subtracted at the end.

* **structure** - clarifying questions asked before the readout;
* **hardware** - the design's reasoning names latency, memory and battery, and a chip tier;
* **data quality** - the split and the measurement questions, graded against the readout;
* **statistics** - the lift with its interval, the guardrails, the hurt segment (the same);
* **call** - the call against what the data supports and what it is worth (the scorecard);
* **speed** - the 30-day rule, from the scorecard's days to ship;
* **communication** - the memo checked against the readout: the lift's number, its interval,
  the segments, every guardrail and a next step. Content, never length.

>>> memo_numbers("Sessions +3.1% (95% CI +1.0% to +5.2%); crashes -0.4%")
(3.1, 95.0, 1.0, 5.2, -0.4)
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim import messages
from sim.analysis.frame import AnalysisResult
from sim.case.metrics import label
from sim.decide.questions import readout_answers
from sim.decide.words import pct

if TYPE_CHECKING:
    from sim.case.scenario import Scenario
    from sim.decide.decision import Decision
    from sim.decide.scorecard import Scorecard
    from sim.readout.report import Report

WEIGHTS = {"structure": 15, "hardware": 15, "data_quality": 15, "statistics": 15, "call": 20,
           "speed": 10, "communication": 10}
"""Points per rubric line; they add up to 100."""
HINT_COST = 3
"""Points one hint costs on the final score."""
CLARIFY_EXPECTED = 3
"""Clarifying questions a strong candidate asks before touching the data."""
NUMBER_TOLERANCE_PP = 0.3
"""A number in the memo matches the readout's within this many percentage points (or a
quarter of the interval's half-width, whichever is wider)."""
HARDWARE_TERMS = {
    "latency": ("latency", " ms", "millisecond", "budget", "tokens/s"),
    "memory": ("memory", "ram", " gb", "footprint", "oom", "out of memory"),
    "battery": ("battery", "energy", "drain", "power"),
}
NEXT_STEP_TERMS = ("next", "then ", "follow-up", "follow up", "monitor", "re-run", "rerun",
                   "measure again", "retest", "re-test", "after that")
METRIC_WORDS = {"retained": ("retention",), "crashes": ("crash",),
                "battery_drain": ("battery",), "distraction_events": ("distraction",)}
"""Words a memo may use for a guardrail besides its name and label."""
_NUMBER = re.compile(r"([+\-\u2212]?\d+(?:\.\d+)?)\s*%")


@dataclass(frozen=True)
class RubricLine(AnalysisResult):
    """One line of the rubric: points out of ``max_points`` and what earned or lost them."""

    line: str
    points: float
    max_points: float
    explanation: str


@dataclass(frozen=True)
class Rubric(AnalysisResult):
    """The rubric of one interview: its lines, the hints taken and their cost, the total."""

    lines: tuple[RubricLine, ...]
    hints: tuple[str, ...]
    hint_cost: int
    total: float

    def line(self, name: str) -> RubricLine:
        """The line called ``name`` (``structure``, ``hardware``, ...)."""
        return next(entry for entry in self.lines if entry.line == name)


@dataclass(frozen=True)
class InterviewAnswers:
    """What the person said in the interview, beyond the decision itself."""

    clarifying: tuple[str, ...]
    design_reason: str
    hints: tuple[str, ...] = ()


def memo_numbers(text: str) -> tuple[float, ...]:
    """Every percentage a text states, as numbers of percent (a minus sign of any kind).

    >>> memo_numbers("down \u22122.5% and up 4 %")
    (-2.5, 4.0)
    """
    return tuple(float(match.replace("\u2212", "-")) for match in _NUMBER.findall(text))


def _structure(answers: InterviewAnswers) -> RubricLine:
    asked = len(dict.fromkeys(answers.clarifying))
    share = min(asked, CLARIFY_EXPECTED) / CLARIFY_EXPECTED
    return RubricLine("structure", WEIGHTS["structure"] * share, WEIGHTS["structure"],
                      messages.RUBRIC_STRUCTURE.format(asked=asked, expected=CLARIFY_EXPECTED))


def _hardware(answers: InterviewAnswers, case: Scenario) -> RubricLine:
    weight = WEIGHTS["hardware"]
    if case.feature.params_m <= 0:
        return RubricLine("hardware", weight, weight, messages.RUBRIC_HARDWARE_NO_MODEL)
    text = f" {answers.design_reason.lower()} "
    named = [topic for topic, terms in HARDWARE_TERMS.items() if any(t in text for t in terms)]
    tiers = [tier for tier in case.fleet.tier_names() if tier.replace("_", " ") in text
             or tier in text]
    share = (len(named) + bool(tiers)) / (len(HARDWARE_TERMS) + 1)
    missing = [topic for topic in HARDWARE_TERMS if topic not in named]
    if not tiers:
        missing.append(messages.RUBRIC_A_TIER)
    return RubricLine("hardware", weight * share, weight, messages.RUBRIC_HARDWARE.format(
        named=", ".join(named + tiers) or messages.RUBRIC_NOTHING,
        missing=", ".join(missing) or messages.RUBRIC_NOTHING))


def _graded(name: str, questions: Sequence[str], card: Scorecard) -> RubricLine:
    grades = [g for g in card.questions if g.question in questions]
    weight = WEIGHTS[name]
    if not grades:
        return RubricLine(name, weight, weight, messages.RUBRIC_NOT_ASKED)
    share = sum(g.fraction for g in grades) / len(grades)
    detail = "; ".join(f"{messages.QUESTIONS[g.question]} {g.fraction:.0%} (the readout: "
                       f"{g.expected})" for g in grades)
    return RubricLine(name, weight * share, weight, detail)


def _call(card: Scorecard) -> RubricLine:
    call, outcome = card.item("call"), card.item("outcome")
    share = (call.points + outcome.points) / (call.max_points + outcome.max_points)
    return RubricLine("call", WEIGHTS["call"] * share, WEIGHTS["call"],
                      f"{call.explanation} {outcome.explanation}")


def _speed(card: Scorecard) -> RubricLine:
    speed = card.item("speed")
    return RubricLine("speed", WEIGHTS["speed"] * speed.points / speed.max_points,
                      WEIGHTS["speed"], speed.explanation)


def _communication(memo: str, decision: Decision, report: Report, case: Scenario) -> RubricLine:
    """Five checks of the memo against the readout, an equal share each."""
    text = memo.lower()
    numbers = memo_numbers(memo)
    lift = readout_answers(report).primary_lift
    checks: dict[str, bool] = {}
    if lift.unreadable:
        checks["number"] = any(t in text for t in ("not readable", "cannot be read", "too early",
                                                   "no reading", "unreadable"))
        checks["interval"] = checks["number"]
    else:
        tolerance = max(NUMBER_TOLERANCE_PP, 25 * (lift.high - lift.low) / 2)

        def stated(target: float) -> bool:
            return any(abs(number - 100 * target) <= tolerance for number in numbers)

        checks["number"] = stated(lift.estimate)
        checks["interval"] = stated(lift.low) and stated(lift.high)
    if decision.call == "ship_segments":
        wanted = list(decision.segments)
    else:
        hurt = readout_answers(report).hurt_segment
        wanted = [] if hurt.kind is None else [hurt.segment]
    checks["segments"] = all(name in text or name.replace("_", " ") in text for name in wanted)
    guardrails = [g.metric for g in case.experiment.guardrails]
    checks["guardrails"] = all(_named(metric, text) for metric in guardrails)
    checks["next_step"] = any(term in text for term in NEXT_STEP_TERMS)
    weight = WEIGHTS["communication"]
    earned = [name for name, ok in checks.items() if ok]
    lost = [name for name, ok in checks.items() if not ok]
    shown = (messages.RUBRIC_LIFT_UNREADABLE if lift.unreadable else
             messages.RUBRIC_LIFT_SHOWN.format(estimate=pct(lift.estimate), low=pct(lift.low),
                                               high=pct(lift.high)))
    return RubricLine("communication", weight * len(earned) / len(checks), weight,
                      messages.RUBRIC_COMMUNICATION.format(
                          earned=", ".join(messages.RUBRIC_MEMO_CHECKS[n] for n in earned)
                          or messages.RUBRIC_NOTHING,
                          lost=", ".join(messages.RUBRIC_MEMO_CHECKS[n] for n in lost)
                          or messages.RUBRIC_NOTHING, shown=shown,
                          segments=", ".join(wanted) or messages.RUBRIC_NO_SEGMENTS,
                          guardrails=", ".join(guardrails) or messages.RUBRIC_NOTHING))


def _named(metric: str, text: str) -> bool:
    """Whether the memo names a metric: its column name, its label or a common word for it."""
    words = {metric, metric.replace("_", " "), label(metric).lower(),
             *METRIC_WORDS.get(metric, ())}
    return any(word in text for word in words)


def rubric(decision: Decision, card: Scorecard, report: Report, case: Scenario,
           answers: InterviewAnswers) -> Rubric:
    """Score one interview (see the module): the lines, then the hints' cost off the total.

    >>> from sim import load_scenario, simulate, analyse
    >>> from sim.decide.decision import Decision
    >>> from sim.decide.scorecard import score
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=3, devices=5_000)
    >>> report = analyse(result)
    >>> call = Decision(call="iterate", expected_lift=0.0, decision_day=28,
    ...                 memo="No lift; crashes and retention held. Next: ship the real build.")
    >>> card = score(call, result, report)
    >>> sheet = rubric(call, card, report, result.scenario,
    ...                InterviewAnswers(clarifying=("devices", "metric"), design_reason="",
    ...                                 hints=("readout:nudge",)))
    >>> sheet.line("structure").points, sheet.hint_cost, sheet.total <= 100 - HINT_COST
    (10.0, 3, True)
    """
    lines = (
        _structure(answers),
        _hardware(answers, case),
        _graded("data_quality", ("split", "measurement"), card),
        _graded("statistics", ("primary_lift", "guardrails", "hurt_segment", "novelty"), card),
        _call(card),
        _speed(card),
        _communication(decision.memo, decision, report, case),
    )
    cost = HINT_COST * len(answers.hints)
    total = max(0.0, sum(line.points for line in lines) - cost)
    return Rubric(lines=tuple(RubricLine(line.line, round(line.points, 1), line.max_points,
                                         line.explanation) for line in lines),
                  hints=answers.hints, hint_cost=cost,
                  total=round(total, 1) if math.isfinite(total) else 0.0)
