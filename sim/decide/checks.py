"""The checks that mattered in a run: what a strong analyst would have relied on, and why.

The scorecard's evidence criterion compares a person's named checks with these: basic practice
(SRM, guardrails) always counts, and the checks this case called for (an SRM that fired, a
guardrail that truly failed, a segment that truly differed, a firmware step, a fading
novelty) count more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim import messages
from sim.case.metrics import DRIFT_METRIC
from sim.decide.evidence import truth_evidence
from sim.decide.rule import Evidence, completeness_fails
from sim.decide.words import pct
from sim.readout.lean import quality_checks

if TYPE_CHECKING:
    from sim.engine.result import SimResult
    from sim.readout.report import Report
NOVELTY_SHARE = 0.5
"""Novelty matters when its average lift over the run reaches this share of the lasting lift."""


@dataclass(frozen=True)
class KeyCheck:
    """A check that mattered in a run: its name, why (with true numbers), and whether the
    case specifically called for it (``critical``) or it is basic practice."""

    check: str
    why: str
    critical: bool


def key_checks(result: SimResult, report: Report | None = None) -> tuple[KeyCheck, ...]:
    """The checks that mattered in this run, each with a sentence saying why.

    ``srm`` and ``guardrails`` always matter (basic practice); they and the rest are
    *critical* when the case called for them: ``srm`` when the split alarm fired,
    ``completeness`` when telemetry failed its check, ``guardrails`` when a guardrail truly
    failed (over the fleet or in a segment that loses), ``segments`` when the effect truly
    differed by segment, ``drift`` when a firmware step moved a reading the decision uses,
    ``novelty`` when the fading novelty lifted the run by at least half the lasting lift. The
    report, when given, decides whether the quality checks fired (else they are recomputed
    from the run).

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/camera_night_mode.toml"), seed=1, devices=20_000)
    >>> [(k.check, k.critical) for k in key_checks(result)]
    [('srm', False), ('guardrails', False), ('segments', True)]
    """
    case = result.scenario
    if report is not None:
        split, reported = report.srm, report.completeness
    else:
        split, reported = quality_checks(result)
    checks: list[KeyCheck] = []
    if split.alarm:
        why = messages.RULE_CHECK_SRM.format(
            share=split.observed_treatment_share, expected=split.expected_treatment_share
        )
        checks.append(KeyCheck("srm", why, True))
    else:
        checks.append(KeyCheck("srm", split.reading, False))
    if completeness_fails(reported):
        checks.append(KeyCheck("completeness", reported.reading, True))
    evidence = truth_evidence(result)
    checks.append(_guardrail_check(evidence))
    best = max(
        (s for s in evidence.splits if s.winners and s.losers), key=lambda s: s.rank, default=None
    )
    if best is not None:
        detail = ", ".join(f"{name} {pct(rel)}" for name, rel in best.winners + best.losers)
        why = messages.RULE_CHECK_SEGMENTS.format(kind=best.kind, detail=detail)
        checks.append(KeyCheck("segments", why, True))
    experiment = case.experiment
    decision_metrics = {experiment.primary_metric, *(g.metric for g in experiment.guardrails)}
    if case.telemetry.firmware_shift and DRIFT_METRIC in decision_metrics:
        why = messages.RULE_CHECK_DRIFT.format(
            metric=DRIFT_METRIC, shift=case.telemetry.firmware_shift
        )
        checks.append(KeyCheck("drift", why, True))
    novelty, lasting = _novelty_share(result)
    if novelty > 0 and novelty >= NOVELTY_SHARE * abs(lasting):
        why = messages.RULE_CHECK_NOVELTY.format(
            novelty=novelty, lasting=lasting, peak=case.feature.effect.novelty_peak
        )
        checks.append(KeyCheck("novelty", why, True))
    return tuple(checks)


def _guardrail_check(evidence: Evidence) -> KeyCheck:
    """Guardrails matter critically when one truly failed, over the fleet or in a segment."""
    failed = [g for g in evidence.guardrails if g.status != "pass"]
    if failed:
        worst = max(failed, key=lambda g: g.worse_by / max(g.margin, 1e-12))
        why = messages.RULE_CHECK_GUARDRAIL.format(
            metric=worst.metric,
            worse=pct(worst.worse_by).lstrip("+"),
            margin=pct(worst.margin).lstrip("+"),
        )
        return KeyCheck("guardrails", why, True)
    for split in sorted(evidence.splits, key=lambda s: -s.rank):
        losers = dict(split.losers)
        failed_here = [(name, note) for name, note in split.notes if name in losers]
        if failed_here:
            why = messages.RULE_CHECK_GUARDRAIL_SEGMENTS.format(
                kind=split.kind,
                detail=", ".join(f"{note} in {name}" for name, note in failed_here),
            )
            return KeyCheck("guardrails", why, True)
    return KeyCheck("guardrails", messages.RULE_CHECK_GUARDRAILS_HELD, False)


def _novelty_share(result: SimResult) -> tuple[float, float]:
    """The novelty's average share of the per-day lift over the run, and the lasting lift.

    Novelty decays as ``peak * 2 ** (-t / half_life)`` from each device's install; averaged
    over the mean number of days treatment devices spent on the build.
    """
    effect = result.scenario.feature.effect
    if effect.novelty_peak <= 0:
        return 0.0, effect.sessions
    devices = result.devices
    installed = devices.loc[devices["arm"] == "treatment", "installed_day"].dropna()
    if installed.empty:
        return 0.0, effect.sessions
    on_build = float(max(result.days - installed.mean(), 1.0))
    half_life = effect.novelty_half_life_days
    mean_decay = (1 - 2 ** (-on_build / half_life)) * half_life / math.log(2) / on_build
    return effect.novelty_peak * mean_decay, effect.sessions
