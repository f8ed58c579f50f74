"""The debrief after a call is scored: the model answer, the truth beside the readout, the
design comparison, what mattered, the traps the case hid, and one thing to do next time.

Until the call is scored the case keeps its trap to itself (trap tags, trap objectives,
knob names that would give it away); the debrief shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim import messages
from sim.analysis.frame import AnalysisResult
from sim.case.metrics import SEGMENT_KINDS
from sim.decide.checks import key_checks
from sim.decide.words import call_label
from sim.engine.truth import TruthTable

if TYPE_CHECKING:
    from sim.decide.decision import Decision
    from sim.decide.design import DesignComparison
    from sim.decide.questions import QuestionGrade
    from sim.decide.scorecard import ScoreItem
    from sim.engine.result import SimResult
    from sim.readout.report import Report


@dataclass(frozen=True)
class SegmentTruth(AnalysisResult):
    """The primary metric in one segment: the truth beside what the readout showed."""

    kind: str
    segment: str
    devices: int
    true_rel: float
    readout_rel: float
    readout_low: float
    readout_high: float
    significant: bool


@dataclass(frozen=True)
class Debrief(AnalysisResult):
    """What to learn from one scored call (see the module)."""

    model_call: str
    model_answer: str
    variant: int
    right_call: str
    supported_call: str
    decision_day: int
    segments: tuple[SegmentTruth, ...]
    design: str
    what_mattered: tuple[str, ...]
    trap_tags: tuple[str, ...]
    trap_objectives: tuple[str, ...]
    trap_knobs: tuple[tuple[str, str], ...]
    next_time: str


def _segments(result: SimResult, report: Report) -> tuple[SegmentTruth, ...]:
    truth = TruthTable(result.truth)
    metric = report.primary_metric
    rows = []
    overall = report.cuped.get(metric) or report.metrics.get(metric)
    if overall is not None:
        rows.append(SegmentTruth("all", "all", int(report.devices_analysed), truth.rel(metric),
                                 float(overall.rel_lift), float(overall.rel_ci[0]),
                                 float(overall.rel_ci[1]), bool(overall.p_value < report.alpha)))
    for kind in SEGMENT_KINDS:
        lifts = report.segments.get(kind)
        if lifts is None:
            continue
        order = {name: index for index, name in enumerate(result.scenario.segment_names(kind))}
        for s in sorted(lifts.segments, key=lambda s: order.get(str(s.segment), len(order))):
            rows.append(SegmentTruth(kind, str(s.segment), int(s.n_control + s.n_treatment),
                                     truth.rel(metric, kind, str(s.segment)),
                                     float(s.rel_lift), float(s.rel_ci[0]), float(s.rel_ci[1]),
                                     bool(s.p_holm < report.alpha)))
    return tuple(rows)


def _next_time(items: Sequence[ScoreItem], decision: Decision, supported: Decision,
               design: DesignComparison, report: Report, questions_wrong: Sequence[str]) -> str:
    weakest = min(items, key=lambda item: item.points / item.max_points)
    if weakest.points >= weakest.max_points - 1e-9:
        return messages.NEXT_TIME_NOTHING
    if weakest.criterion == "call":
        return messages.NEXT_TIME_CALL.format(day=decision.decision_day,
                                              supported=supported.label())
    if weakest.criterion == "outcome":
        return messages.NEXT_TIME_OUTCOME
    if weakest.criterion == "questions" and questions_wrong:
        return messages.NEXT_TIME_QUESTIONS.format(question=questions_wrong[0])
    if weakest.criterion == "design" and design.best is not None:
        return messages.NEXT_TIME_DESIGN.format(best=design.best.label)
    if weakest.criterion == "calibration":
        return messages.NEXT_TIME_CALIBRATION.format(level=1 - report.alpha)
    return messages.NEXT_TIME_SPEED


def debrief(result: SimResult, report: Report, decision: Decision, items: Sequence[ScoreItem],
            right: Decision, supported: Decision, design: DesignComparison,
            grades: Sequence[QuestionGrade]) -> Debrief:
    """The debrief of one scored call.

    >>> from sim import load_scenario, simulate
    >>> from sim.decide.decision import Decision
    >>> from sim.decide.scorecard import score
    >>> result = simulate(load_scenario("scenarios/srm_install_failures.toml"), seed=0,
    ...                   devices=10_000)
    >>> card = score(Decision(call="ship_all", expected_lift=0.03, decision_day=28), result)
    >>> card.debrief.model_call, "SRM" in card.debrief.trap_tags, card.debrief.variant
    ('iterate', True, 0)
    """
    case = result.scenario
    answer = case.answer
    model_call = (call_label(answer.call, answer.segment_kind, answer.segments)
                  if answer is not None else right.label())
    wrong = [messages.QUESTIONS[grade.question] for grade in grades if grade.fraction < 0.999]
    return Debrief(
        model_call=model_call,
        model_answer=" ".join((answer.rationale if answer is not None else right.memo).split()),
        variant=case.variant_number,
        right_call=right.label(),
        supported_call=supported.label(),
        decision_day=decision.decision_day,
        segments=_segments(result, report),
        design=design.reading,
        what_mattered=tuple(k.why for k in key_checks(result, report) if k.critical),
        trap_tags=case.meta.trap_tags,
        trap_objectives=case.meta.trap_objectives,
        trap_knobs=tuple((knob.label, knob.trap_label) for knob in case.knobs
                         if knob.trap_label is not None),
        next_time=_next_time(items, decision, supported, design, report, wrong),
    )
