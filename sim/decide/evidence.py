"""Evidence for the decision rule, read through two lenses: the data and the truth.

* :func:`assess` reads an analysis :class:`~sim.readout.report.Report`: the primary metric
  (CUPED-adjusted when available) is better when significant after a Bonferroni correction
  for the success metrics; a guardrail passes when its non-inferiority test does, is *harm*
  when its whole CI lies past the margin, a mild *fail* when only its estimate does, and
  *inconclusive* otherwise; other engagement metrics that got worse are found with Holm;
  quality fails on an SRM alarm, incomplete telemetry, or a measurement step (drift) on a
  decision metric; segments split when the interaction test is significant after a
  Bonferroni correction for the kinds scanned.
* :func:`assess_truth` reads the run's truth table: better and worse mean a true change of at
  least :data:`~sim.decide.rule.MIN_LIFT`; a guardrail fails past its margin and is harm past
  :data:`~sim.decide.rule.HARM_FACTOR` margins; segments are judged on every metric (guardrails
  included) inside each segment; quality checks come from the run as the analysis sees it.

>>> from sim import load_scenario, simulate, analyse
>>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=5_000)
>>> assess_truth(result).call, assess(analyse(result)).call in {"iterate", "extend"}
('iterate', True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim import messages
from sim.analysis.frame import format_p
from sim.analysis.lift import metric_lift
from sim.analysis.noninferiority import non_inferiority
from sim.analysis.segments import holm_adjust, pooled_segment_lift
from sim.case.metrics import ENGAGEMENT_METRICS, METRICS, SEGMENT_KINDS
from sim.decide.rule import (
    EXTEND_DAYS,
    HARM_FACTOR,
    MIN_LIFT,
    SEGMENT_MIN_DEVICES,
    SEGMENT_MIN_SHARE,
    TREND_P,
    Assessment,
    Evidence,
    GuardrailReading,
    PrimaryReading,
    SegmentSplit,
    apply_rule,
    quality_failures,
    quality_notes,
)
from sim.decide.words import pct
from sim.engine.truth import TruthTable
from sim.errors import DataError
from sim.limits import BUDGET_DAYS
from sim.readout.lean import (
    LeanReport,
    analysis_population,
    headline,
    quality_checks,
    randomisation_cluster,
)
from sim.readout.planning import planned_rollout_days

if TYPE_CHECKING:
    from sim.case.experiment import Guardrail
    from sim.case.scenario import Scenario
    from sim.engine.result import SimResult
    from sim.readout.report import Report



# --- the data lens: a report -------------------------------------------------------------------
def data_guardrail(name: str, result: Any, lift: Any, alpha: float) -> GuardrailReading:
    """A guardrail's status from its non-inferiority result and its two-sided lift: ``pass``
    (shown within its margin), ``harm`` (the whole interval past it), ``fail`` (estimated past
    it) or ``inconclusive``."""
    # Orient every number so that positive means worse.
    bad = -1.0 if result.higher_is_better else 1.0
    worse_by = bad * float(result.estimate)
    if lift is not None and all(math.isfinite(v) for v in lift.rel_ci):
        worse_low, worse_high = sorted(bad * float(v) for v in lift.rel_ci)
        text = messages.RULE_EVIDENCE_DATA.format(
            level=1 - alpha, low=pct(worse_low), high=pct(worse_high), p=format_p(lift.p_value)
        )
    else:
        worse_low, text = -math.inf, result.reading
    if result.non_inferior:
        status = "pass"
    elif worse_low > result.margin:
        status = "harm"
    elif worse_by > result.margin:
        status = "fail"
    else:
        status = "inconclusive"
    return GuardrailReading(name, result.margin, worse_by, status, text)


def _segment_guardrail_status(rows: pd.DataFrame, guardrails: Sequence[Guardrail],
                              alpha: float, cluster: str | None) -> GuardrailReading | None:
    """The worst guardrail inside one segment's rows (``None`` when each passes or is unclear)."""
    worst: GuardrailReading | None = None
    for g in guardrails:
        try:
            test = non_inferiority(rows, g.metric, g.margin, g.higher_is_better, alpha=alpha,
                                   cluster=cluster)
            lift = metric_lift(rows, g.metric, alpha=alpha, cluster=cluster)
        except DataError:
            continue  # too few devices (or no events) to read it here
        reading = data_guardrail(g.metric, test, lift, alpha)
        if reading.status == "harm" or (reading.status == "fail" and worst is None):
            worst = reading
    return worst


def _data_evidence(report: Report | LeanReport, scenario: Scenario | None = None,
                   result: SimResult | None = None) -> Evidence:
    alpha = report.alpha
    if result is not None and scenario is None:
        scenario = result.scenario
    guardrail_specs = scenario.experiment.guardrails if scenario is not None else ()
    metric = report.primary_metric
    sign = METRICS[metric].sign
    success_metrics = (metric,)
    corrected = alpha / len(success_metrics)
    reading = headline(report)
    if reading is None:
        rel = low = high = p_value = math.nan
        evidence_text = messages.RULE_EVIDENCE_MISSING.format(
            reason=report.unavailable.get(f"metrics.{metric}", messages.NOT_AVAILABLE))
    else:
        rel = float(reading.rel_lift)
        low, high = (float(v) for v in reading.rel_ci)
        p_value = float(reading.p_value)
        evidence_text = messages.RULE_EVIDENCE_DATA.format(
            level=1 - alpha, low=pct(low), high=pct(high), p=format_p(p_value)
        )
    improvement = sign * rel
    primary = PrimaryReading(
        metric=metric,
        sign=sign,
        rel=rel,
        low=low,
        high=high,
        p_value=p_value,
        better=p_value < corrected and improvement > 0,
        worse=p_value < alpha and improvement < 0,
        promising=p_value < TREND_P and improvement >= MIN_LIFT,
        evidence=evidence_text,
    )
    guardrails = [data_guardrail(name, test, report.metrics.get(name), alpha)
                  for name, test in report.guardrails.items()]
    # A guardrail the data could not test is not shown to hold: more data may settle it.
    guardrails += [
        GuardrailReading(name.removeprefix("guardrails."), math.nan, math.nan, "inconclusive",
                         messages.RULE_EVIDENCE_MISSING.format(reason=reason))
        for name, reason in report.unavailable.items() if name.startswith("guardrails.")
    ]
    scanned = [
        m
        for m in ENGAGEMENT_METRICS
        if m in report.metrics and m != metric and m not in report.guardrails
    ]
    deteriorations: list[tuple[str, float]] = []
    if scanned:
        p_values = np.array([report.metrics[m].p_value for m in scanned], dtype=float)
        finite = np.isfinite(p_values)
        adjusted = np.ones_like(p_values)
        if finite.any():
            adjusted[finite] = holm_adjust(p_values[finite])  # statsmodels' Holm runs gc
        for m, p_adj in zip(scanned, adjusted, strict=True):
            rel_m = float(report.metrics[m].rel_lift)
            if p_adj < alpha and METRICS[m].sign * rel_m < 0:
                deteriorations.append((m, rel_m))
    splits = []
    # One interaction test per segment kind scanned: Bonferroni over the kinds.
    interaction_alpha = alpha / max(len(report.segments), 1)
    order = _segment_order(scenario)
    population = analysis_population(result, report.basis) if result is not None else None
    for kind, lifts in report.segments.items():
        interaction = report.interactions.get(kind)
        ranked = sorted(lifts.segments, key=lambda s: order.get((kind, str(s.segment)), 0))
        winners = [
            (str(s.segment), float(s.rel_lift))
            for s in ranked
            if s.p_holm < alpha and sign * s.abs_diff > 0
        ]
        losers = [
            (str(s.segment), float(s.rel_lift))
            for s in ranked
            if s.p_holm < alpha and sign * s.abs_diff < 0
        ]
        notes: dict[str, str] = {}
        guardrail_harm = False
        if population is not None and guardrail_specs:
            labels = population[kind].astype(str)
            for s in ranked:
                name = str(s.segment)
                worst = _segment_guardrail_status(
                    population[labels == name], guardrail_specs, alpha,
                    randomisation_cluster(scenario) if scenario is not None else None)
                if worst is None:
                    continue
                notes[name] = f"{worst.metric} {pct(worst.worse_by).lstrip('+')} worse"
                if (name, float(s.rel_lift)) in winners:
                    winners.remove((name, float(s.rel_lift)))
                if worst.status == "harm" and (name, float(s.rel_lift)) not in losers:
                    # Significantly past the margin here: a loser in its own right.
                    losers.append((name, float(s.rel_lift)))
                    guardrail_harm = True
        p_interaction = interaction.p_value if interaction is not None else math.nan
        chosen = [s for s in lifts.segments if str(s.segment) in dict(winners)]
        lift, lift_ci = pooled_segment_lift(chosen, alpha) if chosen else (math.nan, (math.nan,) * 2)
        splits.append(
            SegmentSplit(
                kind=kind,
                differs=bool(p_interaction < interaction_alpha) or guardrail_harm,
                winners=tuple(winners),
                losers=tuple(losers),
                total=len(lifts.segments),
                rank=-p_interaction if math.isfinite(p_interaction) else -math.inf,
                lift=lift,
                lift_ci=lift_ci,
                guarded=population is not None,
                notes=tuple(notes.items()),
            )
        )
    return Evidence(
        lens="data",
        primary=primary,
        guardrails=tuple(guardrails),
        deteriorations=tuple(deteriorations),
        quality_failures=quality_failures(report.srm, report.completeness)
        + _drift_failures(report, (metric, *report.guardrails)),
        splits=tuple(splits),
        notes=quality_notes(report.completeness),
        room_to_extend=result is not None and room_to_extend(result),
        exposure=1.0 if result is None else treatment_exposure(result),
    )


def treatment_exposure(result: SimResult) -> float:
    """The share of the treatment arm's eligible devices that run the build by the run's
    last day (``result`` is the run through the readout's day): early in a staged rollout a
    flat intention-to-treat lift says little about the build, since few devices have it.

    >>> from sim import load_scenario, simulate
    >>> case = load_scenario("scenarios/camera_night_mode.toml")
    >>> early, late = (treatment_exposure(simulate(case, seed=0, devices=4_000, days=days))
    ...                for days in (2, 28))
    >>> early < 0.2 < 0.9 < late
    True
    """
    devices = result.devices
    eligible = devices["eligible"].to_numpy() & (devices["arm"] == "treatment").to_numpy()
    if not eligible.any():
        return 1.0
    return float(devices.loc[eligible, "installed_day"].notna().mean())


def room_to_extend(result: SimResult) -> bool:
    """Would another :data:`~sim.decide.rule.EXTEND_DAYS` of data, then the staged rollout,
    still ship within the budget? (``result`` is the run through the readout's day.)

    >>> from sim import load_scenario, simulate
    >>> case = load_scenario("scenarios/aa_test.toml")
    >>> room_to_extend(simulate(case, seed=0, devices=1_000, days=7)), room_to_extend(
    ...     simulate(case, seed=0, devices=1_000, days=28))
    (True, False)
    """
    return result.days + EXTEND_DAYS + planned_rollout_days(result.scenario) <= BUDGET_DAYS


def _segment_order(scenario: Scenario | None) -> dict[tuple[str, str], int]:
    if scenario is None:
        return {}
    return {
        (kind, name): index
        for kind in SEGMENT_KINDS
        for index, name in enumerate(scenario.segment_names(kind))
    }


def _drift_failures(report: Report | LeanReport,
                    metrics: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """A decision metric whose reading moved on updated devices while behaviour did not."""
    drift = report.drift
    if drift is None or drift.metric not in metrics or not drift.measurement_step:
        return ()
    shift = drift.shift_on_build - drift.shift_control
    return (("drift", messages.RULE_DRIFT.format(metric=drift.metric, shift=shift)),)


def assess(report: Report | LeanReport, scenario: Scenario | None = None,
           result: SimResult | None = None) -> Assessment:
    """Apply the decision rule to an analysis: what the data supports, and why.

    The primary metric reads CUPED-adjusted when the report has it. ``scenario`` (optional)
    supplies the primary metric's direction. ``result`` (optional, the run the report came
    from) lets the rule test the guardrails inside each segment it would ship to: a winning
    segment whose guardrail is estimated past its margin there is dropped. Without it, no
    segment split is made while a guardrail fails over the whole fleet.

    >>> from sim import load_scenario, simulate, analyse
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=4, devices=5_000)
    >>> assess(analyse(result)).call in {"iterate", "extend"}
    True
    """
    return apply_rule(_data_evidence(report, scenario, result))


# --- the truth lens: the hidden truth table ----------------------------------------------------
def _truth_guardrails(truth: TruthTable, guardrails: Sequence[Guardrail], kind: str = "all",
                      segment: str = "all") -> list[GuardrailReading]:
    readings = []
    for g in guardrails:
        rel = truth.rel(g.metric, kind, segment)
        if math.isnan(rel):
            continue
        worse_by = -rel if g.higher_is_better else rel
        if worse_by <= g.margin:
            status = "pass"
        elif worse_by > HARM_FACTOR * g.margin:
            status = "harm"
        else:
            status = "fail"
        readings.append(
            GuardrailReading(g.metric, g.margin, worse_by, status, messages.RULE_EVIDENCE_TRUTH)
        )
    return readings


def _truth_deteriorations(truth: TruthTable, primary: str, guardrails: Sequence[Guardrail],
                          kind: str = "all", segment: str = "all") -> list[tuple[str, float]]:
    guarded = {g.metric for g in guardrails}
    found = []
    for m in ENGAGEMENT_METRICS:
        if m == primary or m in guarded or m not in truth.metrics:
            continue
        rel = truth.rel(m, kind, segment)
        if METRICS[m].sign * rel <= -MIN_LIFT:
            found.append((m, rel))
    return found


def truth_evidence(result: SimResult) -> Evidence:
    """The evidence the truth table gives the rule (see :func:`assess_truth`)."""
    case = result.scenario
    experiment = case.experiment
    guardrails = experiment.guardrails
    truth = TruthTable(result.truth)
    metric = experiment.primary_metric
    sign = METRICS[metric].sign
    rel = truth.rel(metric)
    primary = PrimaryReading(
        metric=metric,
        sign=sign,
        rel=rel,
        low=rel,
        high=rel,
        p_value=math.nan,
        better=sign * rel >= MIN_LIFT,
        worse=sign * rel <= -MIN_LIFT,
        promising=False,
        evidence=messages.RULE_EVIDENCE_TRUTH,
    )
    total_devices = int(truth.row(metric)["devices"]) if truth.row(metric) is not None else 0
    splits = []
    for kind in SEGMENT_KINDS:
        order = {name: index for index, name in enumerate(case.segment_names(kind))}
        segments = sorted(
            (
                (name, devices)
                for name, devices in truth.segments(kind)
                if devices >= max(SEGMENT_MIN_DEVICES, SEGMENT_MIN_SHARE * total_devices)
            ),
            key=lambda item: (order.get(item[0], len(order)), item[0]),
        )
        if len(segments) < 2:
            continue
        winners, losers, notes, gain = [], [], {}, 0.0
        for name, devices in segments:
            seg_rel = truth.rel(metric, kind, name)
            failed = [g for g in _truth_guardrails(truth, guardrails, kind, name)
                      if g.status != "pass"]
            worse = _truth_deteriorations(truth, metric, guardrails, kind, name)
            if failed:
                worst = max(failed, key=lambda g: g.worse_by / max(g.margin, 1e-12))
                notes[name] = f"{worst.metric} {pct(worst.worse_by).lstrip('+')} worse"
            elif worse:
                notes[name] = f"{worse[0][0]} {pct(worse[0][1])}"
            if sign * seg_rel >= MIN_LIFT and not failed and not worse:
                winners.append((name, seg_rel))
                row = truth.row(metric, kind, name)
                gain += devices * sign * float(row["abs_effect"])
            elif sign * seg_rel <= -MIN_LIFT or failed or worse:
                losers.append((name, seg_rel))
        lift = truth.pooled_rel(metric, kind, [name for name, _ in winners])
        splits.append(
            SegmentSplit(
                kind=kind,
                differs=bool(winners) and len(winners) < len(segments),
                winners=tuple(winners),
                losers=tuple(losers),
                total=len(segments),
                rank=gain,
                lift=lift,
                lift_ci=(lift, lift),
                guarded=True,
                notes=tuple(notes.items()),
            )
        )
    split_result, reported = quality_checks(result)
    return Evidence(
        lens="truth",
        primary=primary,
        guardrails=tuple(_truth_guardrails(truth, guardrails)),
        deteriorations=tuple(_truth_deteriorations(truth, metric, guardrails)),
        quality_failures=quality_failures(split_result, reported),
        splits=tuple(splits),
        notes=quality_notes(reported),
    )


def assess_truth(result: SimResult) -> Assessment:
    """Apply the decision rule to the truth table (practical thresholds, no sampling error).

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=5_000)
    >>> verdict = assess_truth(result)
    >>> verdict.call, verdict.lift
    ('iterate', 0.0)
    """
    return apply_rule(truth_evidence(result))
