"""The scorecard: a person's decision against the hidden truth, one criterion at a time.

:func:`score` compares a :class:`~sim.decide.decision.Decision` with the right call
(:func:`sim.decide.decision.right_call`) and the run's truth on four criteria, each worth a share of
100 points (:data:`WEIGHTS`):

* **call** (45): the call against the right call, per segment: shipping to the right
  segments of the right kind earns the points, shipping to some of them a device-weighted
  share, a neighbouring call (extend instead of ship, iterate instead of roll back) a part;
* **evidence** (25): did the person rely on the checks that mattered
  (:func:`sim.decide.decision.key_checks`)? The checks this case called for (SRM when it fired, the
  guardrail that failed, the segment that differed, drift when the firmware moved a reading,
  novelty when it dominated) weigh :data:`CRITICAL_WEIGHT` times the basic ones (SRM and
  guardrails, always);
* **calibration** (15): the stated expected lift against the true effect where they ship,
  full marks within the data's CI half-width (at least :data:`~sim.decide.decision.MIN_LIFT`), none
  beyond three times it;
* **speed** (15): days to ship (decision day plus the staged rollout's time to reach the
  fleet; the decision day alone when nothing ships) against the 30-day budget, full marks
  within it and none at :data:`SPEED_ZERO_DAYS`.

>>> from sim import load_scenario, simulate, analyse
>>> from sim.decide import right_call
>>> result = simulate(load_scenario("scenarios/camera_night_mode.toml"), seed=1, devices=20_000)
>>> report = analyse(result)
>>> score(right_call(result), result, report).total >= 90
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim import messages
from sim.analysis.frame import AnalysisResult
from sim.analysis.segments import pooled_segment_lift
from sim.decide.checks import KeyCheck, key_checks
from sim.decide.decision import SHIP_CALLS, Decision, right_call
from sim.decide.evidence import assess_truth
from sim.decide.rule import MIN_LIFT
from sim.decide.words import join_names, pct
from sim.engine.truth import TruthTable
from sim.limits import BUDGET_DAYS
from sim.readout.lean import headline
from sim.readout.planning import planned_rollout_days

if TYPE_CHECKING:
    from sim.engine.result import SimResult
    from sim.readout.report import Report

WEIGHTS = {"call": 45, "evidence": 25, "calibration": 15, "speed": 15}
"""Points per criterion; they add up to 100."""
CRITICAL_WEIGHT = 3
"""How much more a check this case called for weighs than a basic one."""
SPEED_ZERO_DAYS = 60
"""Days to ship at which the speed item reaches zero (linear from the budget)."""
INSTALL_SHARE = 0.95
"""The rollout has reached the fleet when installs reach this share of their final count."""
# Credit for a neighbouring call: PARTIAL[right][yours].
PARTIAL = {
    "ship": {"extend": 0.3, "iterate": 0.15, "rollback": 0.0},
    "extend": {"ship": 0.2, "iterate": 0.5, "rollback": 0.2},
    "iterate": {"ship": 0.0, "extend": 0.5, "rollback": 0.5},
    "rollback": {"ship": 0.0, "extend": 0.2, "iterate": 0.6},
}
SHIP_ALL_FOR_SEGMENTS = 0.6
"""Shipping to all when only segments should get it (or the reverse) keeps this share of the
device-weighted agreement."""
OTHER_KIND = 0.4
"""Shipping to segments of another kind than the right one keeps this share of the points."""


@dataclass(frozen=True)
class ScoreItem(AnalysisResult):
    """One criterion: points earned out of ``max_points``, and a sentence saying why."""

    criterion: str
    points: float
    max_points: float
    explanation: str


@dataclass(frozen=True)
class Scorecard(AnalysisResult):
    """The score of one decision: ``total`` from 0 to 100 and one item per criterion.

    ``right_call``, ``right_label`` and the segments describe the right call
    (:func:`sim.decide.decision.right_call`); ``true_lift`` is the true relative change of the primary
    metric where the decision ships; ``days_to_ship`` is the decision day plus the rollout time
    when the decision ships, else ``None``.
    """

    total: int
    items: tuple[ScoreItem, ...]
    right_call: str
    right_label: str
    right_segment_kind: str | None
    right_segments: tuple[str, ...]
    true_lift: float
    days_to_ship: int | None
    summary: str

    def item(self, criterion: str) -> ScoreItem:
        """The item for one criterion (``call``, ``evidence``, ``calibration``, ``speed``)."""
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


def _detail(reason: str) -> str:
    """The rule's reason without its leading "Call:" label, starting lower case."""
    _, sep, detail = reason.partition(": ")
    detail = detail if sep else reason
    return detail[:1].lower() + detail[1:]


def _family(call: str) -> str:
    return "ship" if call in SHIP_CALLS else call


def _shares(truth: TruthTable, metric: str, kind: str) -> dict[str, float]:
    segments = truth.segments(kind)
    total = sum(devices for _, devices in segments) or 1
    return {name: devices / total for name, devices in segments}


def _ships(decision: Decision, kind: str, segment: str) -> bool | None:
    if decision.call == "ship_all":
        return True
    if decision.call != "ship_segments":
        return False
    if decision.segment_kind != kind:
        return None
    return segment in decision.segments


def _agreement(yours: Decision, right: Decision, truth: TruthTable, metric: str, kind: str) -> float:
    """Share of devices whose ship / no-ship status matches the right call's, by ``kind``."""
    agree = 0.0
    for segment, share in _shares(truth, metric, kind).items():
        if _ships(yours, kind, segment) == _ships(right, kind, segment):
            agree += share
    return agree


def _score_call(yours: Decision, right: Decision, truth: TruthTable, metric: str,
                right_reason: str) -> tuple[float, str, bool]:
    """Fraction of the call points, the sentence, and whether the call counts as right."""
    right_label, your_label = right.label(), yours.label()
    kind = right.segment_kind or yours.segment_kind or "chip_tier"
    if yours.call == right.call and yours.call != "ship_segments":
        fraction = 1.0
    elif yours.call == "ship_segments" and right.call == "ship_segments":
        fraction = (
            _agreement(yours, right, truth, metric, kind)
            if yours.segment_kind == right.segment_kind
            else OTHER_KIND
        )
    elif yours.call in SHIP_CALLS and right.call in SHIP_CALLS:
        fraction = SHIP_ALL_FOR_SEGMENTS * _agreement(yours, right, truth, metric, kind)
    else:
        fraction = PARTIAL[_family(right.call)].get(_family(yours.call), 0.0)
    if fraction >= 0.999:
        text = messages.SCORE_CALL_RIGHT.format(right=right_label, why=right_reason)
    else:
        template = messages.SCORE_CALL_PARTIAL if fraction > 0 else messages.SCORE_CALL_WRONG
        text = template.format(yours=your_label, right=right_label, why=right_reason)
    return fraction, text, fraction >= 0.999


_ALIASES = {"segments": {"segments", "interaction"}, "interaction": {"segments", "interaction"}}


def _score_evidence(yours: Decision, checks: Sequence[KeyCheck]) -> tuple[float, str]:
    cited = set(yours.checks)
    weight = {k.check: CRITICAL_WEIGHT if k.critical else 1 for k in checks}
    met = [k for k in checks if _ALIASES.get(k.check, {k.check}) & cited]
    missed = [k for k in checks if k not in met]
    fraction = sum(weight[k.check] for k in met) / sum(weight.values()) if weight else 1.0
    if not missed:
        return fraction, messages.SCORE_EVIDENCE_ALL.format(
            checks=", ".join(k.check for k in checks)
        )
    worst = max(missed, key=lambda k: weight[k.check])
    return fraction, messages.SCORE_EVIDENCE_MISSED.format(
        cited=", ".join(yours.checks) or messages.SCORE_EVIDENCE_NONE_CITED,
        missed=", ".join(k.check for k in missed),
        why=worst.why,
    )


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
    inside = low <= yours.expected_lift <= high
    text = messages.SCORE_CALIBRATION.format(
        metric=metric,
        where=where,
        truth=pct(true_lift),
        context=context,
        expected=pct(yours.expected_lift),
        inside=messages.SCORE_CALIBRATION_INSIDE if inside else messages.SCORE_CALIBRATION_OUTSIDE,
        level=1 - report.alpha,
        low=pct(low),
        high=pct(high),
    )
    return fraction, text, true_lift


def _score_speed(yours: Decision, result: SimResult) -> tuple[float, str, int | None]:
    shipped = days_to_ship(yours, result)
    days = yours.decision_day if shipped is None else shipped
    if days <= BUDGET_DAYS:
        fraction = 1.0
    else:
        fraction = max(0.0, 1.0 - (days - BUDGET_DAYS) / (SPEED_ZERO_DAYS - BUDGET_DAYS))
    if shipped is None:
        text = messages.SCORE_SPEED_HOLD.format(day=yours.decision_day, budget=BUDGET_DAYS)
    else:
        text = messages.SCORE_SPEED_SHIP.format(
            day=yours.decision_day,
            rollout=shipped - yours.decision_day,
            total=shipped,
            budget=BUDGET_DAYS,
        )
    return fraction, text, shipped


def score(decision: Decision, result: SimResult, report: Report,
          right: Decision | None = None) -> Scorecard:
    """Score a decision against the truth of ``result`` and the data in ``report``.

    ``right`` defaults to :func:`sim.decide.decision.right_call` of the result (pass it to reuse it
    across many decisions on the same run, as a study group's board does).

    >>> from sim import load_scenario, simulate, analyse
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=5_000)
    >>> card = score(Decision(call="ship_all", expected_lift=0.05, decision_day=28),
    ...              result, analyse(result))
    >>> card.total < 50, [item.criterion for item in card.items]
    (True, ['call', 'evidence', 'calibration', 'speed'])
    """
    decision.check_segments(result.scenario)
    right = right_call(result) if right is None else right
    truth = TruthTable(result.truth)
    metric = result.scenario.experiment.primary_metric
    reason = _detail(assess_truth(result).reason)
    call_fraction, call_text, _ = _score_call(decision, right, truth, metric, reason)
    evidence_fraction, evidence_text = _score_evidence(decision, key_checks(result, report))
    calibration_fraction, calibration_text, true_lift = _score_calibration(
        decision, truth, metric, report
    )
    speed_fraction, speed_text, shipped = _score_speed(decision, result)
    items = tuple(
        ScoreItem(name, round(WEIGHTS[name] * fraction, 1), float(WEIGHTS[name]), text)
        for name, fraction, text in (
            ("call", call_fraction, call_text),
            ("evidence", evidence_fraction, evidence_text),
            ("calibration", calibration_fraction, calibration_text),
            ("speed", speed_fraction, speed_text),
        )
    )
    total = int(round(100 * sum(i.points for i in items) / sum(i.max_points for i in items)))
    verdict = (
        messages.SCORE_VERDICT_GREAT
        if total >= 85
        else messages.SCORE_VERDICT_OK
        if total >= 60
        else messages.SCORE_VERDICT_POOR
    )
    return Scorecard(
        total=total,
        items=items,
        right_call=right.call,
        right_label=right.label(),
        right_segment_kind=right.segment_kind,
        right_segments=right.segments,
        true_lift=float(true_lift),
        days_to_ship=shipped,
        summary=messages.SCORE_TOTAL.format(total=total, verdict=verdict),
    )


def score_many(decisions: Sequence[Decision], result: SimResult, report: Report) -> list[Scorecard]:
    """Score several decisions on one run (the right call is computed once).

    >>> from sim import load_scenario, simulate, analyse
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=5_000)
    >>> cards = score_many([Decision(call="iterate", expected_lift=0.0, decision_day=28,
    ...                              checks=["srm", "guardrails"])], result, analyse(result))
    >>> cards[0].total
    100
    """
    right = right_call(result)
    return [score(decision, result, report, right) for decision in decisions]
