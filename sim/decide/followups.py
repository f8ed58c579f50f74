"""The interviewer's follow-up questions, chosen from what the readout shows.

After the call an interviewer pushes on the weak spot of the answer: a guardrail near its
margin, a segment that differs, a sample-ratio mismatch, a measurement step from the firmware,
a novelty effect that fades, a ship date past the 30-day budget. :func:`signals` reads those
facts from a report (and the ship day); :func:`triggered` says which follow-ups they call for,
each with the number that triggered it; :func:`choose` picks two or three for the interview,
filling up with the questions every interviewer asks (the hardware team, the next step).

>>> quiet = Signals(guardrails=(), segment_p=(), srm_p=0.6, srm_alarm=False, drift_shift=None,
...                 novelty=None, ship_day=None, alpha=0.05)
>>> triggered(quiet)
()
>>> [f.id for f in choose(quiet)]
['hardware_team', 'next_step']
>>> import dataclasses
>>> [f.id for f in triggered(dataclasses.replace(quiet, srm_p=0.0001, srm_alarm=True))]
['srm']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sim import messages
from sim.analysis.frame import format_p
from sim.decide.evidence import data_guardrail
from sim.decide.words import pct
from sim.limits import BUDGET_DAYS

if TYPE_CHECKING:
    from sim.readout.report import Report

FollowupId = Literal["srm", "drift_step", "guardrail_near_margin", "segment_differs",
                     "novelty_fade", "past_budget", "hardware_team", "next_step"]
NEAR_MARGIN_SHARE = 0.25
"""A guardrail is near its margin when how much worse it got is within this share of the
margin from it (either side): a crash rate 2.6% worse against a 3% margin is near."""
MAX_FOLLOWUPS = 3
MIN_FOLLOWUPS = 2
FILLERS: tuple[FollowupId, ...] = ("hardware_team", "next_step")
"""The follow-ups any interview can ask when the readout gives nothing sharper."""


@dataclass(frozen=True)
class GuardrailSignal:
    """A guardrail as the data reads it: how much worse (relative, positive = worse) against
    its margin, and the rule's status (``pass``, ``inconclusive``, ``fail``, ``harm``)."""

    metric: str
    worse_by: float
    margin: float
    status: str


@dataclass(frozen=True)
class Signals:
    """The facts of a readout that follow-ups are chosen from (plain numbers, no tables)."""

    guardrails: tuple[GuardrailSignal, ...]
    segment_p: tuple[tuple[str, float], ...]  # (segment kind, interaction test p-value)
    srm_p: float
    srm_alarm: bool
    drift_shift: float | None  # the measurement step on updated devices, if one was found
    novelty: tuple[float, float, float] | None  # (early effect, late effect, p-value)
    ship_day: int | None  # the day the build reaches the fleet, if the call ships
    alpha: float


@dataclass(frozen=True)
class Followup:
    """One follow-up: its id, the question as the interviewer asks it, and the readout's fact
    behind it (empty for the fillers)."""

    id: FollowupId
    question: str
    evidence: str


def signals(report: Report, ship_day: int | None) -> Signals:
    """The follow-up facts of a report, with the day the call would ship (``None``: it does
    not ship).

    >>> from sim import load_scenario, simulate, analyse
    >>> report = analyse(simulate(load_scenario("scenarios/aa_test.toml"), seed=3, devices=5_000))
    >>> found = signals(report, ship_day=None)
    >>> found.srm_alarm, found.ship_day, [g.metric for g in found.guardrails]
    (False, None, ['crashes', 'retained'])
    """
    guardrails = []
    for name, result in report.guardrails.items():
        reading = data_guardrail(name, result, report.metrics.get(name), report.alpha)
        guardrails.append(GuardrailSignal(name, float(reading.worse_by), float(reading.margin),
                                          reading.status))
    segment_p = tuple((kind, float(test.p_value)) for kind, test in report.interactions.items())
    drift = report.drift
    novelty = report.novelty
    return Signals(
        guardrails=tuple(guardrails), segment_p=segment_p, srm_p=float(report.srm.p_value),
        srm_alarm=bool(report.srm.alarm),
        drift_shift=(float(drift.shift_on_build - drift.shift_control)
                     if drift is not None and drift.measurement_step else None),
        novelty=(None if novelty is None else (float(novelty.early_effect),
                                               float(novelty.late_effect),
                                               float(novelty.p_value))),
        ship_day=ship_day, alpha=float(report.alpha))


def triggered(found: Signals) -> tuple[Followup, ...]:
    """Every follow-up the readout calls for, sharpest first (data quality before lift).

    >>> near = GuardrailSignal("crashes", worse_by=0.085, margin=0.10, status="pass")
    >>> found = Signals(guardrails=(near,), segment_p=(("chip_tier", 0.001),), srm_p=0.5,
    ...                 srm_alarm=False, drift_shift=None, novelty=(0.06, 0.02, 0.01),
    ...                 ship_day=34, alpha=0.05)
    >>> [f.id for f in triggered(found)]
    ['guardrail_near_margin', 'segment_differs', 'novelty_fade', 'past_budget']
    """
    asked: list[Followup] = []
    if found.srm_alarm:
        asked.append(_ask("srm", p=format_p(found.srm_p)))
    if found.drift_shift is not None:
        asked.append(_ask("drift_step", shift=f"{found.drift_shift:+.2f}"))
    for guardrail in found.guardrails:
        if abs(guardrail.worse_by - guardrail.margin) <= NEAR_MARGIN_SHARE * guardrail.margin:
            asked.append(_ask("guardrail_near_margin", metric=guardrail.metric,
                              worse=pct(guardrail.worse_by), margin=pct(guardrail.margin)))
            break
    # One joint test per segment kind: Bonferroni over the kinds, as the decision rule does.
    kinds = max(len(found.segment_p), 1)
    differing = [(kind, p) for kind, p in found.segment_p if p < found.alpha / kinds]
    if differing:
        kind, p = min(differing, key=lambda item: item[1])
        asked.append(_ask("segment_differs", kind=kind.replace("_", " "), p=format_p(p)))
    if found.novelty is not None:
        early, late, p = found.novelty
        if p < found.alpha and late < early:
            asked.append(_ask("novelty_fade", early=pct(early), late=pct(late)))
    if found.ship_day is not None and found.ship_day > BUDGET_DAYS:
        asked.append(_ask("past_budget", day=found.ship_day, budget=BUDGET_DAYS))
    return tuple(asked)


def choose(found: Signals) -> tuple[Followup, ...]:
    """The interview's two or three follow-ups: the sharpest the readout calls for, filled up
    with the questions any interviewer asks.

    >>> found = Signals(guardrails=(), segment_p=(), srm_p=0.0001, srm_alarm=True,
    ...                 drift_shift=None, novelty=None, ship_day=None, alpha=0.05)
    >>> [f.id for f in choose(found)]
    ['srm', 'hardware_team']
    """
    picked = list(triggered(found)[:MAX_FOLLOWUPS])
    for filler in FILLERS:
        if len(picked) >= MIN_FOLLOWUPS:
            break
        picked.append(_ask(filler))
    return tuple(picked)


def _ask(followup: FollowupId, **facts: object) -> Followup:
    question, evidence = messages.FOLLOWUPS[followup]
    return Followup(followup, question.format(**facts), evidence.format(**facts))
