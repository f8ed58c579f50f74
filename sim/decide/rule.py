"""The risk-aware decision rule, read through two lenses: the data and the truth.

:func:`apply_rule` reads an :class:`Evidence` record - the primary metric, the guardrails, other
metrics that got worse, failed quality checks and segment splits, each already judged - and
returns an :class:`Assessment`: the call, its segments, the lift where it ships and the
sentences that justify it. :mod:`sim.decide.evidence` builds the evidence through two lenses:
:func:`~sim.decide.evidence.assess` from an analysis report (what the data supports: significance
tests and confidence intervals) and :func:`~sim.decide.evidence.assess_truth` from the hidden truth
table (the right call: a practically meaningful true change of at least :data:`MIN_LIFT`,
since the truth has no sampling error). :mod:`sim.decide.decision` turns an assessment into a
:class:`~sim.decide.decision.Decision`.

The rule, in order (the first that applies decides):

1. **iterate** when a quality check fails (sample ratio mismatch, telemetry incomplete or
   different between arms): no lift can be trusted until the pipeline is fixed;
2. **ship_all** when the primary metric is better (significant after a Bonferroni correction
   for the number of success metrics), every guardrail is non-inferior at its margin, no other
   engagement metric got worse (Holm over the metrics scanned) and no segment loses;
3. **ship_segments** when segments of one kind differ (an interaction test significant after
   a Bonferroni correction for the segment kinds scanned) so that some win while others lose,
   or the pooled result falls short while some segments win. Winners must also keep their
   guardrails inside the segment (always on the truth; on the data when the run is given,
   else no split is made while a guardrail fails over the whole fleet);
4. **rollback** when the primary metric is significantly worse, or a guardrail is worse beyond
   its margin with confidence (data: the whole CI past the margin; truth: worse by more than
   :data:`HARM_FACTOR` times the margin);
5. **extend** when the primary metric is better but a guardrail is not yet shown within its
   margin (and not estimated past it): more devices or days will settle it;
6. **iterate** when a guardrail is estimated past its margin (but not with confidence: a mild
   failure) or another engagement metric got worse: the lift costs too much as built - on
   the data, **extend** instead while another week still leaves time to ship within the
   budget (the estimate may be noise);
7. **extend** when the lift is promising but not shown (a positive estimate of at least
   :data:`MIN_LIFT` with a two-sided p below :data:`TREND_P`), or cannot be read yet, or
   (on the data) when its interval still reaches a lift worth shipping and another
   :data:`EXTEND_DAYS` of data would leave time to ship within the 30-day budget;
8. **iterate** otherwise: no lift worth shipping.

>>> evidence = Evidence(
...     lens="truth",
...     primary=PrimaryReading("sessions", 1.0, 0.03, 0.03, 0.03, float("nan"), better=True,
...                            worse=False, promising=False, evidence="true effect"),
...     guardrails=(GuardrailReading("crashes", 0.10, 0.25, "harm", "true effect"),),
...     deteriorations=(), quality_failures=(), splits=())
>>> verdict = apply_rule(evidence)
>>> verdict.call, verdict.failed_guardrails
('rollback', ('crashes',))
>>> print(verdict.reason)
Roll back: guardrail crashes got worse by +25.0% (true effect), beyond its margin of 10.0%.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from sim import messages
from sim.analysis.frame import format_p
from sim.analysis.quality import CompletenessResult, SRMResult
from sim.decide.words import call_label, join_names, pct

MIN_LIFT = 0.005
"""The smallest relative change that matters (0.5%): a true primary-metric change must reach
it to count as a lift (or a loss), and an observed one to count as a promising trend."""
HARM_FACTOR = 2.0
"""On the truth, a guardrail worse than this many times its margin is harm (roll back);
between one and this many margins it is a mild failure (iterate)."""
EXTEND_DAYS = 7
MIN_EXPOSURE = 0.05
"""Below this share of the treatment arm on the build, its interval is read as if this share
had it (an arm with no device on the build yet says nothing about the build)."""
"""How much longer an extend runs when it names no later day (a week of data)."""
TREND_P = 0.2
"""Two-sided p-value below which a positive, not yet significant lift is worth extending."""
COMPLETENESS_MIN_SHARE = 0.80
"""Below this share of expected device-days reported, telemetry fails the quality check."""
COMPLETENESS_ARM_GAP = 0.15
"""A gap in reporting share between arms at least this large (and significant) fails it too.
Smaller gaps are often the treatment's own doing (devices silent after a crash): the rule
notes them (from :data:`COMPLETENESS_NOTE_GAP`) but does not stop on them."""
COMPLETENESS_NOTE_GAP = 0.02
COMPLETENESS_ALARM_P = 0.001
SEGMENT_MIN_SHARE = 0.01
"""Truth segments smaller than this share of the fleet are too small to decide on."""
SEGMENT_MIN_DEVICES = 30
# --- what the rule reads: one shape for both lenses ------------------------------------------
@dataclass(frozen=True)
class PrimaryReading:
    """The primary (success) metric as a lens judged it: its relative change and interval,
    whether it is better, worse or a promising trend, and the evidence in words."""

    metric: str
    sign: float  # +1 when higher is better, -1 when lower is better
    rel: float
    low: float
    high: float
    p_value: float
    better: bool
    worse: bool
    promising: bool
    evidence: str


@dataclass(frozen=True)
class GuardrailReading:
    """A guardrail as a lens judged it: how much worse it got (relative, positive = worse)
    against its margin, and a status: ``pass``, ``inconclusive``, ``fail`` (mild) or ``harm``."""

    metric: str
    margin: float
    worse_by: float  # relative change in the bad direction (positive = worse)
    status: Literal["pass", "inconclusive", "fail", "harm"]
    evidence: str


@dataclass(frozen=True)
class SegmentSplit:
    """One segment kind: does the effect differ, which segments win and lose (with their
    relative change), the pooled lift over the winners, and how strong the split is."""

    kind: str
    differs: bool
    winners: tuple[tuple[str, float], ...]
    losers: tuple[tuple[str, float], ...]
    total: int  # segments considered
    rank: float  # larger is a stronger split
    lift: float
    lift_ci: tuple[float, float]
    guarded: bool  # were the winners' guardrails checked inside each segment?
    notes: tuple[tuple[str, str], ...] = ()  # segment -> the guardrail that failed there


@dataclass(frozen=True)
class Evidence:
    """Everything the rule reads, already judged by a lens (see :mod:`sim.decide.evidence`)."""

    lens: Literal["data", "truth"]
    primary: PrimaryReading
    guardrails: tuple[GuardrailReading, ...]
    deteriorations: tuple[tuple[str, float], ...]
    quality_failures: tuple[tuple[str, str], ...]
    splits: tuple[SegmentSplit, ...]
    notes: tuple[str, ...] = ()
    room_to_extend: bool = False  # another week of data still leaves time to ship in budget
    exposure: float = 1.0  # share of the treatment arm's eligible devices on the build


@dataclass(frozen=True)
class Assessment:
    """What the decision rule concluded, and why.

    ``lens`` is ``"data"`` (from a report) or ``"truth"`` (from the truth table). ``lift`` is
    the relative change of the primary metric where the call ships (the whole fleet otherwise)
    with its interval (equal to the lift on the truth). ``reason`` is the sentence that
    decided; ``findings`` every sentence the rule wrote on the way; ``failed_checks`` the
    quality checks that failed and ``failed_guardrails`` the guardrails that did not pass.
    """

    lens: str
    call: str
    segment_kind: str | None
    segments: tuple[str, ...]
    metric: str
    lift: float
    lift_ci: tuple[float, float]
    reason: str
    findings: tuple[str, ...] = ()
    failed_checks: tuple[str, ...] = ()
    failed_guardrails: tuple[str, ...] = ()
    split_kinds: tuple[str, ...] = field(default=())

    def label(self) -> str:
        """The call in words."""
        return call_label(self.call, self.segment_kind, self.segments)


def apply_rule(evidence: Evidence) -> Assessment:
    """The decision rule itself (see the module docstring for the order of the branches)."""
    primary = evidence.primary
    lift = pct(primary.rel)
    findings: list[str] = list(evidence.notes)
    failed_guardrails = tuple(g.metric for g in evidence.guardrails if g.status != "pass")
    split_kinds = tuple(s.kind for s in evidence.splits if s.differs and s.winners and s.losers)
    base = {
        "lens": evidence.lens,
        "metric": primary.metric,
        "failed_checks": tuple(check for check, _ in evidence.quality_failures),
        "failed_guardrails": failed_guardrails,
        "split_kinds": split_kinds,
    }

    def verdict(call: str, reason: str, split: SegmentSplit | None = None) -> Assessment:
        return Assessment(
            call=call,
            segment_kind=split.kind if split else None,
            segments=tuple(name for name, _ in split.winners) if split else (),
            lift=split.lift if split else primary.rel,
            lift_ci=split.lift_ci if split else (primary.low, primary.high),
            reason=reason,
            findings=(*findings, reason),
            **base,
        )

    # 1. Quality before any lift.
    if evidence.quality_failures:
        checks = "; ".join(detail for _, detail in evidence.quality_failures)
        return verdict("iterate", messages.RULE_QUALITY.format(checks=checks))

    harms = [g for g in evidence.guardrails if g.status == "harm"]
    fails = [g for g in evidence.guardrails if g.status == "fail"]
    unsure = [g for g in evidence.guardrails if g.status == "inconclusive"]
    overall_ok = primary.better and not (harms or fails or unsure) and not evidence.deteriorations
    # Without guardrails read inside each segment, a guardrail failing over the whole fleet
    # could fail in the winning segments too: no split then.
    # A split needs segments that lose, or a pooled lift that falls short while some win.
    candidates = [
        s
        for s in evidence.splits
        if s.differs
        and s.winners
        and len(s.winners) < s.total
        and (s.losers or not primary.better)
        and (s.guarded or not (harms or fails))
    ]
    split = max(candidates, key=lambda s: s.rank) if candidates else None

    # 2. Ship to all.
    if overall_ok and split is None:
        return verdict(
            "ship_all",
            messages.RULE_SHIP_ALL.format(metric=primary.metric, lift=lift, evidence=primary.evidence),
        )
    # 3. Ship to the segments that win.
    if split is not None:
        shortfall = _pooled_shortfall(primary, harms + fails + unsure, evidence.deteriorations)
        notes = dict(split.notes)
        losses = (
            ", ".join(
                f"{name} {pct(rel)}" + (f" ({notes[name]})" if name in notes else "")
                for name, rel in split.losers
            )
            + " lose"
            if split.losers
            else shortfall
        )
        pooled = f"; {shortfall}" if split.losers and not overall_ok else ""
        return verdict(
            "ship_segments",
            messages.RULE_SHIP_SEGMENTS.format(
                segments=join_names([name for name, _ in split.winners]),
                kind=split.kind,
                metric=primary.metric,
                wins=", ".join(f"{name} {pct(rel)}" for name, rel in split.winners),
                losses=losses,
                pooled=pooled,
            ),
            split,
        )
    # 4. Roll back on harm.
    if primary.worse:
        return verdict(
            "rollback",
            messages.RULE_ROLLBACK_PRIMARY.format(
                metric=primary.metric, lift=lift, evidence=primary.evidence
            ),
        )
    if harms:
        worst = max(harms, key=lambda g: g.worse_by / max(g.margin, 1e-12))
        return verdict(
            "rollback",
            messages.RULE_ROLLBACK_GUARDRAIL.format(
                metric=worst.metric,
                worse=pct(worst.worse_by),
                evidence=worst.evidence,
                margin=pct(worst.margin).lstrip("+"),
            ),
        )
    # 5. A winning lift whose guardrails only need more data.
    if primary.better and unsure and not fails and not evidence.deteriorations:
        return verdict(
            "extend",
            messages.RULE_EXTEND_GUARDRAIL.format(
                metric=primary.metric, lift=lift, guardrails=join_names([g.metric for g in unsure])
            ),
        )
    # 6. A lift that costs a guardrail (mildly) or another metric. Estimated past a margin but
    # not with confidence, while another week still fits the budget: look again before
    # giving up on the build (day-one crash counts are a handful of events).
    if fails and not evidence.deteriorations and evidence.room_to_extend:
        worst = max(fails, key=lambda g: g.worse_by / max(g.margin, 1e-12))
        return verdict(
            "extend",
            messages.RULE_EXTEND_GUARDRAIL_UNSURE.format(
                metric=worst.metric, worse=pct(worst.worse_by),
                margin=pct(worst.margin).lstrip("+"), days=EXTEND_DAYS, evidence=worst.evidence),
        )
    if fails or evidence.deteriorations:
        if fails:
            worst = max(fails, key=lambda g: g.worse_by / max(g.margin, 1e-12))
            what, worse = f"guardrail {worst.metric}", pct(worst.worse_by)
            margin = f" against a margin of {pct(worst.margin).lstrip('+')}"
        else:
            name, rel = evidence.deteriorations[0]
            what, worse, margin = name, pct(abs(rel)), ""
        return verdict(
            "iterate",
            messages.RULE_ITERATE_GUARDRAIL.format(
                what=what, worse=worse, margin=margin, metric=primary.metric, lift=lift
            ),
        )
    # 7. Promising but not shown, or not yet readable at all.
    if not math.isfinite(primary.rel):
        return verdict(
            "extend",
            messages.RULE_EXTEND_NO_READING.format(metric=primary.metric,
                                                   evidence=primary.evidence),
        )
    if primary.promising:
        return verdict(
            "extend",
            messages.RULE_EXTEND_TREND.format(
                metric=primary.metric, lift=lift, evidence=primary.evidence
            ),
        )
    # 7b. Not shown either way, while another week still leaves time to ship within the budget:
    # the data cannot yet rule out a lift worth shipping, so waiting is the honest call.
    # The interval is of the whole treatment arm; on the devices that have the build it is
    # wider by the share that does (a flat lift while few devices have the build shows little).
    good_bound = primary.high if primary.sign > 0 else -primary.low
    on_build_bound = good_bound / max(evidence.exposure, MIN_EXPOSURE)
    if evidence.room_to_extend and on_build_bound >= MIN_LIFT:
        if good_bound >= MIN_LIFT:
            reason = messages.RULE_EXTEND_UNDERPOWERED.format(
                metric=primary.metric, lift=lift, evidence=primary.evidence,
                bound=pct(good_bound), days=EXTEND_DAYS)
        else:
            reason = messages.RULE_EXTEND_EXPOSURE.format(
                metric=primary.metric, lift=lift, evidence=primary.evidence,
                share=f"{evidence.exposure:.0%}", bound=pct(on_build_bound), days=EXTEND_DAYS)
        return verdict("extend", reason)
    # 8. Nothing worth shipping.
    return verdict(
        "iterate",
        messages.RULE_ITERATE_FLAT.format(metric=primary.metric, lift=lift, evidence=primary.evidence),
    )


def _pooled_shortfall(primary: PrimaryReading, guardrails: Sequence[GuardrailReading],
                      deteriorations: Sequence[tuple[str, float]]) -> str:
    """Why the pooled result does not ship, in a few words."""
    if not primary.better:
        return messages.RULE_POOLED_NO_LIFT.format(metric=primary.metric, lift=pct(primary.rel))
    if guardrails:
        return messages.RULE_POOLED_GUARDRAIL.format(
            metrics=join_names([g.metric for g in guardrails])
        )
    return messages.RULE_POOLED_WORSE.format(metrics=join_names([m for m, _ in deteriorations]))


def quality_failures(split: SRMResult, reported: CompletenessResult) -> tuple[tuple[str, str], ...]:
    """The quality checks that failed, as ``(check, sentence)`` pairs.

    >>> from sim.analysis.quality import completeness, srm
    >>> [check for check, _ in quality_failures(srm(5_300, 4_700), completeness(950, 1000))]
    ['srm']
    """
    failures = []
    if split.alarm:
        failures.append(
            (
                "srm",
                messages.RULE_SRM.format(
                    share=split.observed_treatment_share,
                    expected=split.expected_treatment_share,
                    p=format_p(split.p_value),
                ),
            )
        )
    if completeness_fails(reported):
        by_arm = reported.share_by_arm
        failures.append(
            (
                "completeness",
                messages.RULE_COMPLETENESS.format(
                    share=reported.share,
                    control=by_arm.get("control", math.nan),
                    treatment=by_arm.get("treatment", math.nan),
                ),
            )
        )
    return tuple(failures)


def quality_notes(reported: CompletenessResult) -> tuple[str, ...]:
    """Sentences about quality worth reading but not stopping on (arms reporting differently)."""
    gap = reporting_gap(reported)
    if COMPLETENESS_NOTE_GAP <= gap < COMPLETENESS_ARM_GAP and not completeness_fails(reported):
        by_arm = reported.share_by_arm
        return (
            messages.RULE_REPORTING_GAP.format(
                control=by_arm.get("control", math.nan), treatment=by_arm.get("treatment", math.nan)
            ),
        )
    return ()


def completeness_fails(reported: CompletenessResult) -> bool:
    """Telemetry fails the quality check: too few device-days, or arms that report differently.

    >>> from sim.analysis.quality import completeness
    >>> completeness_fails(completeness({"control": 990, "treatment": 800},
    ...                                 {"control": 1000, "treatment": 1000}))
    True
    >>> completeness_fails(completeness(950, 1000))
    False
    """
    if reported.share < COMPLETENESS_MIN_SHARE:
        return True
    return reporting_gap(reported) >= COMPLETENESS_ARM_GAP


def reporting_gap(reported: CompletenessResult) -> float:
    """The gap in reporting share between arms when it is significant (else 0).

    >>> from sim.analysis.quality import completeness
    >>> reporting_gap(completeness({"control": 990, "treatment": 900},
    ...                            {"control": 1000, "treatment": 1000}))
    0.09
    """
    shares = [v for v in reported.share_by_arm.values() if math.isfinite(v)]
    gap = max(shares) - min(shares) if len(shares) >= 2 else 0.0
    p_value = reported.p_value_arms_differ
    significant = math.isfinite(p_value) and p_value < COMPLETENESS_ALARM_P
    return round(float(gap), 6) if significant else 0.0
