"""The scorecard: judgment, not luck - a decision against the data the person had and the truth.

:func:`score` reads the run *through the decision day* (:func:`sim.readout.report.run_through`: what
had reached the analyst by then), and scores six items, each a share of 100 points
(:data:`WEIGHTS`):

* **call** (25): is the call what that readout supports? The supported call is the data rule
  on it (:func:`sim.decide.decision.decide`). Calls that put the build on the same devices are
  the same call; a neighbouring call earns a part (:data:`PARTIAL`). Where the data cannot
  tell yet and the plan can still make the 30-day budget, "extend" is the supported call;
* **outcome** (25): the call's value against the hidden truth, between the best and the worst
  calls available (:mod:`sim.decide.value`);
* **questions** (20): the interviewer's questions, graded against the readout
  (:mod:`sim.decide.questions`);
* **design** (10): the design's best value on this fleet against the best design's,
  re-simulated (:mod:`sim.decide.design`);
* **calibration** (10): the stated expected lift against the true effect where it ships, full
  marks within the data's CI half-width (at least :data:`~sim.decide.rule.MIN_LIFT`), none
  beyond three times it;
* **speed** (10): days to ship against the 30-day budget; an extend earns none (its clock is
  still running).

Outcome, design, calibration and speed count only as far as the call was supported: a right
call the data did not carry is a lucky guess (the feedback says so), and deciding early on
data that cannot carry the call is not speed.

The scorecard carries the right call, the supported call, the design comparison and a
debrief (:mod:`sim.decide.debrief`).

>>> from sim import load_scenario, simulate
>>> from sim.decide.decision import Decision
>>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=5_000)
>>> card = score(Decision(call="ship_all", expected_lift=0.05, decision_day=28), result)
>>> card.total < 40, [item.criterion for item in card.items]
(True, ['call', 'outcome', 'questions', 'design', 'calibration', 'speed'])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim import messages
from sim.analysis.frame import AnalysisResult
from sim.analysis.segments import pooled_segment_lift
from sim.decide.debrief import Debrief, debrief
from sim.decide.decision import SHIP_CALLS, Decision, decide, right_call
from sim.decide.design import DesignComparison, design_comparison, values_for
from sim.decide.questions import QuestionGrade, grade_answers
from sim.decide.rule import MIN_LIFT
from sim.decide.value import CallValues
from sim.decide.words import join_names, pct
from sim.engine.truth import TruthTable
from sim.limits import BUDGET_DAYS
from sim.readout.lean import headline
from sim.readout.planning import planned_rollout_days
from sim.readout.report import analyse, run_through

if TYPE_CHECKING:
    from sim.engine.result import SimResult
    from sim.readout.report import Report

WEIGHTS = {"call": 25, "outcome": 25, "questions": 20, "design": 10, "calibration": 10,
           "speed": 10}
"""Points per item; they add up to 100."""
SUPPORTED_FROM = 0.5
"""Below this share of the call item a right call is a lucky guess (the feedback says so)."""
SPEED_ZERO_DAYS = 60
"""Days to ship at which the speed item reaches zero (linear from the budget)."""
INSTALL_SHARE = 0.95
"""The rollout has reached the fleet when installs reach this share of their final count."""
# Credit for a neighbouring call: PARTIAL[supported][yours]. Low on purpose: holding back
# when the data says wait is still a different call, and the other items scale with it.
PARTIAL = {
    "ship": {"extend": 0.2, "iterate": 0.1, "rollback": 0.0},
    "extend": {"ship": 0.1, "iterate": 0.2, "rollback": 0.1},
    "iterate": {"ship": 0.0, "extend": 0.3, "rollback": 0.4},
    "rollback": {"ship": 0.0, "extend": 0.2, "iterate": 0.5},
}


@dataclass(frozen=True)
class ScoreItem(AnalysisResult):
    """One item: points earned out of ``max_points``, and a sentence saying why."""

    criterion: str
    points: float
    max_points: float
    explanation: str


@dataclass(frozen=True)
class Scorecard(AnalysisResult):
    """The score of one decision: ``total`` from 0 to 100 and one item per criterion.

    ``right_*`` describe the right call (the truth's, :func:`sim.decide.decision.right_call`),
    ``supported_*`` the call the readout at the decision day supports; ``lucky`` is a right call
    the data did not support. ``true_lift`` is the true relative change of the primary metric
    where the decision ships; ``days_to_ship`` the decision day plus the rollout time when it
    ships, else ``None``.
    """

    total: int
    items: tuple[ScoreItem, ...]
    right_call: str
    right_label: str
    right_segment_kind: str | None
    right_segments: tuple[str, ...]
    supported_call: str
    supported_label: str
    lucky: bool
    true_lift: float
    days_to_ship: int | None
    decision_day: int
    questions: tuple[QuestionGrade, ...]
    design: DesignComparison
    debrief: Debrief
    summary: str

    def item(self, criterion: str) -> ScoreItem:
        """The item for one criterion (``call``, ``outcome``, ``questions``, ...)."""
        for entry in self.items:
            if entry.criterion == criterion:
                return entry
        raise KeyError(criterion)


def rollout_days(result: SimResult) -> int:
    """Days the staged rollout takes to reach the fleet, as this run delivered it.

    The later of the day the last stage started and the day installs reached 95% of their
    final count (plus one: days count from day 0). A rollout that halted, rolled back or
    never reached its last stage counts its plan: every bake time plus an install lag.

    >>> from sim import load_scenario, simulate
    >>> rollout_days(simulate(load_scenario("scenarios/camera_night_mode.toml"), seed=1,
    ...                       devices=20_000))
    11
    """
    stages = result.scenario.rollout.stages
    planned = planned_rollout_days(result.scenario)
    timeline = result.timeline
    if timeline["event"].isin(["halt", "rollback"]).any():
        return planned
    last = timeline[(timeline["event"] == "stage_start") & (timeline["stage"] == len(stages) - 1)]
    if last.empty:
        return planned
    installed = result.rollout["installed"]
    if installed.max() <= 0:
        return planned
    reached = result.rollout.loc[installed >= INSTALL_SHARE * installed.max(), "day"]
    day = float(reached.iloc[0]) + 1 if not reached.empty else float(planned)
    return int(math.ceil(max(float(last["day"].iloc[0]), day)))


def days_to_ship(decision: Decision, result: SimResult) -> int | None:
    """Decision day plus rollout time when the decision ships anything, else ``None``.

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/camera_night_mode.toml"), seed=1, devices=20_000)
    >>> days_to_ship(Decision(call="ship_all", expected_lift=0.02, decision_day=14), result)
    25
    """
    if decision.call not in SHIP_CALLS:
        return None
    return decision.decision_day + rollout_days(result)


def _family(call: str) -> str:
    return "ship" if call in SHIP_CALLS else call


def shipped_devices(decision: Decision, devices) -> np.ndarray:
    """Which devices a call puts the build on (eligible devices in the segments it ships)."""
    eligible = devices["eligible"].to_numpy()
    if decision.call == "ship_all":
        return eligible
    if decision.call != "ship_segments":
        return np.zeros(len(devices), dtype=bool)
    return eligible & devices[decision.segment_kind].astype(str).isin(decision.segments).to_numpy()


def support(yours: Decision, supported: Decision, devices) -> float:
    """How close a call is to the supported one, from 0 to 1: the share of eligible devices
    whose ship-or-not agrees when both ship (so equivalent calls score the same), else
    :data:`PARTIAL`.

    >>> import pandas as pd
    >>> devices = pd.DataFrame({"eligible": [True, True, False], "chip_tier": ["a", "b", "c"]})
    >>> to_ab = Decision(call="ship_segments", segment_kind="chip_tier", segments=["a", "b"],
    ...                  expected_lift=0.02, decision_day=14)
    >>> support(to_ab, Decision(call="ship_all", expected_lift=0.02, decision_day=14), devices)
    1.0
    """
    if _family(yours.call) == "ship" and _family(supported.call) == "ship":
        eligible = devices["eligible"].to_numpy()
        if not eligible.any():
            return 1.0
        agree = shipped_devices(yours, devices) == shipped_devices(supported, devices)
        return float(agree[eligible].mean())
    if yours.call == supported.call:
        return 1.0
    return PARTIAL[_family(supported.call)].get(_family(yours.call), 0.0)


def _data_interval(yours: Decision, report: Report) -> tuple[float, float]:
    """The data's relative CI for the primary metric where the decision ships."""
    if yours.call == "ship_segments" and yours.segment_kind in report.segments:
        chosen = [
            s for s in report.segments[yours.segment_kind].segments
            if str(s.segment) in yours.segments
        ]
        if chosen:
            return pooled_segment_lift(chosen, report.alpha)[1]
    reading = headline(report)
    if reading is None:
        return math.nan, math.nan
    return float(reading.rel_ci[0]), float(reading.rel_ci[1])


def _score_calibration(yours: Decision, truth: TruthTable, metric: str,
                       report: Report) -> tuple[float, str, float]:
    overall = truth.rel(metric)
    if yours.call == "ship_segments":
        true_lift = truth.pooled_rel(metric, yours.segment_kind, yours.segments)
        where = f"in {join_names(yours.segments)}"
        context = f" (whole fleet {pct(overall)})"
    else:
        true_lift, where, context = overall, "across the fleet", ""
    low, high = _data_interval(yours, report)
    half_width = (high - low) / 2 if math.isfinite(high - low) else 0.0
    tolerance = max(half_width, MIN_LIFT)
    error = abs(yours.expected_lift - true_lift) if math.isfinite(true_lift) else math.inf
    if error <= tolerance:
        fraction = 1.0
    elif error >= 3 * tolerance:
        fraction = 0.0
    else:
        fraction = 1.0 - (error - tolerance) / (2 * tolerance)
    if math.isfinite(low) and math.isfinite(high):
        interval = messages.SCORE_CALIBRATION_INTERVAL.format(
            inside=messages.SCORE_CALIBRATION_INSIDE if low <= yours.expected_lift <= high
            else messages.SCORE_CALIBRATION_OUTSIDE,
            level=1 - report.alpha, low=pct(low), high=pct(high))
    else:
        interval = messages.SCORE_CALIBRATION_NO_INTERVAL
    text = messages.SCORE_CALIBRATION.format(metric=metric, where=where, truth=pct(true_lift),
                                             context=context, expected=pct(yours.expected_lift),
                                             interval=interval)
    return fraction, text, true_lift


def _score_speed(yours: Decision, result: SimResult, supported: float) -> tuple[float, str,
                                                                                  int | None]:
    if yours.call == "extend":
        later = yours.extend_to or yours.decision_day
        return 0.0, messages.SCORE_SPEED_EXTEND.format(day=yours.decision_day, later=later,
                                                       budget=BUDGET_DAYS), None
    shipped = days_to_ship(yours, result)
    days = yours.decision_day if shipped is None else shipped
    if days <= BUDGET_DAYS:
        timely = 1.0
    else:
        timely = max(0.0, 1.0 - (days - BUDGET_DAYS) / (SPEED_ZERO_DAYS - BUDGET_DAYS))
    if shipped is None:
        text = messages.SCORE_SPEED_HOLD.format(day=yours.decision_day, budget=BUDGET_DAYS)
    else:
        text = messages.SCORE_SPEED_SHIP.format(day=yours.decision_day,
                                                rollout=shipped - yours.decision_day,
                                                total=shipped, budget=BUDGET_DAYS)
    if supported < 1:
        text += " " + messages.SCORE_SPEED_UNSUPPORTED.format(share=supported)
    return timely * supported, text, shipped


def _design_of(decision: Decision, result: SimResult) -> dict[str, object]:
    scenario = result.scenario
    design = {"feature.quantization": decision.quantization or scenario.feature.quantization,
              "feature.lowest_tier": decision.lowest_tier or scenario.feature.lowest_tier}
    return {path: value for path, value in design.items()
            if any(knob.path == path for knob in scenario.knobs)}


def score(decision: Decision, result: SimResult, report: Report | None = None,
          right: Decision | None = None, day_result: SimResult | None = None,
          design: DesignComparison | None = None) -> Scorecard:
    """Score a decision on ``result`` (see the module).

    The readout is the one through the decision day: ``report`` passes it when it is already
    at hand (with ``day_result``, the run through that day, :func:`sim.readout.report.run_through`),
    else both are computed. ``right`` (the right call) and ``design`` (the design comparison,
    :func:`~sim.decide.design.design_comparison`, the costly part: one simulation per design)
    may be passed to reuse them across many decisions on one run, as a study group's board
    does.
    """
    decision.check_segments(result.scenario)
    day = min(decision.decision_day, result.days)
    if day_result is None:
        day_result = run_through(result, day)
    if report is None:
        report = analyse(day_result)
    right = right_call(result) if right is None else right
    design = design_comparison(result) if design is None else design
    truth = TruthTable(result.truth)
    metric = result.scenario.experiment.primary_metric
    supported = decide(report, decision_day=day, result=day_result)
    call_share = support(decision, supported, result.devices)
    values = values_for(design, _design_of(decision, result)) or CallValues(result)
    value_share = values.fraction(decision)
    lucky = call_share < SUPPORTED_FROM and value_share >= SUPPORTED_FROM
    your_value = values.value(decision)
    best = values.best()
    grades = grade_answers(result.scenario.interview.questions, decision.answers, report)
    question_share = sum(g.fraction for g in grades) / len(grades)
    calibration_share, calibration_text, true_lift = _score_calibration(decision, truth, metric,
                                                                        report)
    speed_share, speed_text, shipped = _score_speed(decision, result, call_share)
    call_text = (messages.SCORE_SUPPORTED if call_share >= 0.999 else
                 messages.SCORE_PARTLY_SUPPORTED if call_share > 0 else
                 messages.SCORE_NOT_SUPPORTED).format(
        yours=decision.label(), supported=supported.label(), day=day,
        why=_detail(supported.memo))
    outcome_text = messages.SCORE_OUTCOME.format(
        yours=decision.label(), value=pct(your_value.value), best=best.label,
        best_value=pct(best.value), right=right.label())
    if lucky:
        outcome_text += " " + messages.SCORE_LUCKY.format(day=day, supported=supported.label())
    # What the call earns on the truth counts as far as the data carried it: a right call
    # made blind is a guess, and a guess's design, lift and speed are guesses too.
    shares = {"call": call_share, "outcome": value_share * call_share,
              "questions": question_share, "design": design.fraction * call_share,
              "calibration": calibration_share * call_share, "speed": speed_share}
    texts = {"call": call_text, "outcome": outcome_text,
             "questions": messages.SCORE_QUESTIONS.format(
                 right=sum(g.fraction >= 0.999 for g in grades), total=len(grades)),
             "design": design.reading, "calibration": calibration_text, "speed": speed_text}
    if call_share < 0.999:
        discounted = {"outcome": value_share, "design": design.fraction,
                      "calibration": calibration_share}
        for name, earned in discounted.items():
            if earned > 0 and not (lucky and name == "outcome"):
                texts[name] += " " + messages.SCORE_AS_SUPPORTED.format(share=call_share)
    items = tuple(ScoreItem(name, round(WEIGHTS[name] * shares[name], 1), float(WEIGHTS[name]),
                            texts[name]) for name in WEIGHTS)
    total = int(round(sum(i.points for i in items)))
    verdict = (messages.SCORE_VERDICT_GREAT if total >= 85 else
               messages.SCORE_VERDICT_OK if total >= 60 else messages.SCORE_VERDICT_POOR)
    return Scorecard(
        total=total, items=items, right_call=right.call, right_label=right.label(),
        right_segment_kind=right.segment_kind, right_segments=right.segments,
        supported_call=supported.call, supported_label=supported.label(), lucky=lucky,
        true_lift=float(true_lift), days_to_ship=shipped, decision_day=day, questions=grades,
        design=design,
        debrief=debrief(result, report, decision, items, right, supported, design, grades),
        summary=messages.SCORE_TOTAL.format(total=total, verdict=verdict),
    )


def _detail(reason: str) -> str:
    """The rule's reason without its leading "Call:" label, starting lower case."""
    _, sep, detail = reason.partition(": ")
    detail = detail if sep else reason
    return detail[:1].lower() + detail[1:]


def score_many(decisions: Sequence[Decision], result: SimResult) -> list[Scorecard]:
    """Score several decisions on one run: the right call and the design comparison once, the
    readout once per decision day.

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=5_000)
    >>> cards = score_many([Decision(call="iterate", expected_lift=0.0, decision_day=28)], result)
    >>> cards[0].item("call").points
    25.0
    """
    right, design = right_call(result), design_comparison(result)
    readouts: dict[int, tuple[SimResult, Report]] = {}
    cards = []
    for decision in decisions:
        day = min(decision.decision_day, result.days)
        if day not in readouts:
            run = run_through(result, day)
            readouts[day] = (run, analyse(run))
        run, report = readouts[day]
        cards.append(score(decision, result, report, right, run, design))
    return cards
