"""One replication's lean readout: the row a sweep keeps for each simulated run.

:func:`readout` computes exactly what a sweep row needs - SRM, the primary metric's lift and
CUPED lift, guardrail non-inferiority, the true effect and coverage, the decision rule's call
on the lean evidence - with the same :mod:`sim.analysis` functions as ``sim.analyse``, in a
fraction of its time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sim.result import SimResult

SWEEP_METRICS = ("sessions", "active_days", "retained", "crashes", "battery_drain", "latency_ms",
            "sensor_score", "feature_uses", "distraction_events")


@dataclass(frozen=True)
class LeanReport:
    """The parts of :class:`~sim.analysis.report.Report` the decision rule reads
    (:func:`sim.evidence.assess` takes it in place of a full report)."""

    case_id: str
    alpha: float
    primary_metric: str
    srm: Any
    completeness: Any
    metrics: Mapping[str, Any]
    cuped: Mapping[str, Any]
    guardrails: Mapping[str, Any]
    segments: Mapping[str, Any]
    interactions: Mapping[str, Any]
    drift: Any = None


def lean_report(result: SimResult, metrics: Sequence[str] = (), alpha: float | None = None,
                segments: bool = True) -> LeanReport:
    """What the rule reads, computed exactly as :func:`sim.analyse` computes it.

    >>> from sim import load_scenario, simulate
    >>> lean = lean_report(simulate(load_scenario("scenarios/aa_test.toml"), seed=1, devices=2_000))
    >>> sorted(lean.metrics), sorted(lean.guardrails)
    (['active_days', 'crashes', 'retained', 'sessions'], ['crashes', 'retained'])
    """
    from sim.analysis import (
        completeness,
        cuped_lift,
        interaction_test,
        metric_lift,
        non_inferiority,
        segment_lifts,
        srm,
    )
    from sim.analysis.report import (
        COVARIATES,
        SEGMENT_KINDS,
        _drift,
        analysis_population,
        units_per_arm,
    )
    from sim.rule import ENGAGEMENT_METRICS

    case = result.scenario
    experiment = case.experiment
    alpha = experiment.alpha if alpha is None else alpha
    primary = experiment.primary_metric
    seen = analysis_population(result)
    everyone = result.devices
    split = srm(*units_per_arm(seen, experiment.unit), experiment.treatment_share)
    by_arm = everyone.groupby("arm", observed=True)["days_reported"]
    reported = completeness(
        {arm: int(total) for arm, total in by_arm.sum().items()},
        {arm: int(count) * result.days for arm, count in by_arm.size().items()},
    )
    guardrail_names = [g.metric for g in experiment.guardrails]
    decision = {primary, *guardrail_names}
    names = list(dict.fromkeys([primary, *guardrail_names, *metrics,
                                *(m for m in ENGAGEMENT_METRICS if seen[m].notna().any())]))
    if "sensor_score" in decision and "sessions" not in names:
        names.append("sessions")  # the drift check compares the reading with behaviour
    lifts = {name: metric_lift(seen, name, alpha=alpha) for name in names}
    cuped = {primary: cuped_lift(seen, primary, COVARIATES[primary], alpha=alpha)} \
        if primary in COVARIATES else {}
    guardrails = {g.metric: non_inferiority(seen, g.metric, g.margin, g.higher_is_better,
                                            alpha=alpha)
                  for g in experiment.guardrails}
    kinds = [kind for kind in SEGMENT_KINDS if segments and seen[kind].nunique() > 1]
    return LeanReport(
        case_id=case.meta.id,
        alpha=alpha,
        primary_metric=primary,
        srm=split,
        completeness=reported,
        metrics=lifts,
        cuped=cuped,
        guardrails=guardrails,
        segments={kind: segment_lifts(seen, primary, kind, alpha=alpha) for kind in kinds},
        interactions={kind: interaction_test(seen, primary, kind, alpha=alpha) for kind in kinds},
        drift=_drift(seen, lifts, primary, alpha) if "sensor_score" in decision else None,
    )


def readout(result: SimResult, metrics: Sequence[str] = (), extras: Sequence[str] = (),
            call: str = "lean") -> dict[str, Any]:
    """One sweep row (without the grid and run columns) from a simulated run.

    >>> from sim import load_scenario, simulate
    >>> row = readout(simulate(load_scenario("scenarios/aa_test.toml"), seed=1, devices=2_000))
    >>> row["metric"], row["true_effect"], row["covers"], row["call"], row["right_call"]
    ('sessions', 0.0, True, 'iterate', 'iterate')
    """
    from sim.evidence import TruthTable, assess, assess_truth

    case = result.scenario
    experiment = case.experiment
    primary = experiment.primary_metric
    lean = lean_report(result, metrics, segments=call == "lean")
    truth = TruthTable(result.truth)
    lift = lean.metrics[primary]
    true_abs = _true_abs(truth, primary)
    row: dict[str, Any] = {
        "n_control": lift.n_control,
        "n_treatment": lift.n_treatment,
        "srm_p": lean.srm.p_value,
        "srm_alarm": bool(lean.srm.alarm),
        "metric": primary,
        "estimate": lift.abs_diff,
        "ci_low": lift.abs_ci[0],
        "ci_high": lift.abs_ci[1],
        "rel_lift": lift.rel_lift,
        "p_value": lift.p_value,
        "significant": bool(lift.p_value < lean.alpha),
    }
    cuped = lean.cuped.get(primary)
    row.update({
        "cuped_estimate": cuped.abs_diff if cuped else math.nan,
        "cuped_ci_low": cuped.abs_ci[0] if cuped else math.nan,
        "cuped_ci_high": cuped.abs_ci[1] if cuped else math.nan,
        "cuped_p_value": cuped.p_value if cuped else math.nan,
        "variance_reduction": cuped.variance_reduction if cuped else math.nan,
        "true_effect": true_abs,
        "true_rel_effect": truth.rel(primary),
        "covers": bool(lift.abs_ci[0] <= true_abs <= lift.abs_ci[1]),
        "cuped_covers": (bool(cuped.abs_ci[0] <= true_abs <= cuped.abs_ci[1]) if cuped
                         else None),
    })
    for name, test in lean.guardrails.items():
        row[f"ni_{name}"] = bool(test.non_inferior)
        row[f"ni_{name}_p"] = test.p_value
    for name in metrics:
        extra = lean.metrics[name]
        row.update({
            f"{name}_estimate": extra.abs_diff,
            f"{name}_ci_low": extra.abs_ci[0],
            f"{name}_ci_high": extra.abs_ci[1],
            f"{name}_p_value": extra.p_value,
            f"{name}_true_effect": _true_abs(truth, name),
        })
    if call == "lean":
        verdict = assess(lean, case)
        row["call"], row["call_segments"] = verdict.call, ",".join(verdict.segments)
    elif call == "full":
        from sim.analysis.report import analyse
        from sim.decision import decide

        decision = decide(analyse(result), result=result)
        row["call"], row["call_segments"] = decision.call, ",".join(decision.segments)
    if call != "none":
        right = assess_truth(result)
        row["right_call"], row["right_segments"] = right.call, ",".join(right.segments)
    for extra in extras:
        row.update(_EXTRA_READINGS[extra](result, lean))
    return row


def _true_abs(truth: Any, metric: str) -> float:
    found = truth.row(metric)
    return math.nan if found is None else float(found["abs_effect"])


def _peeking(result: SimResult, lean: LeanReport) -> dict[str, Any]:
    from sim.analysis.report import sequential_reading

    if result.daily is None:
        return {"peek_fixed_first_day": math.nan, "peek_sequential_first_day": math.nan}
    reading = sequential_reading(result, lean.primary_metric, lean.alpha)
    fixed = [look.look for look in reading.looks if look.fixed_low > 0 or look.fixed_high < 0]
    first = reading.first_exclusion_look
    return {
        "peek_fixed_first_day": float(fixed[0]) if fixed else math.nan,
        "peek_sequential_first_day": math.nan if first is None else float(first),
    }


def _on_build(result: SimResult, lean: LeanReport) -> dict[str, Any]:
    from sim.analysis.mix import stratified_difference
    from sim.analysis.report import analysis_population

    seen = analysis_population(result)
    on_build = (seen["arm"] == "control") | seen["installed_day"].notna()
    mix = stratified_difference(seen[on_build], lean.primary_metric, "chip_tier",
                                alpha=lean.alpha)
    row: dict[str, Any] = {
        "on_build_diff": mix.pooled,
        "on_build_adjusted_diff": mix.adjusted,
        "on_build_reversal": mix.reversal,
    }
    for stratum in mix.strata:
        row[f"on_build_diff_{stratum.stratum}"] = stratum.difference
        row[f"on_build_share_{stratum.stratum}"] = stratum.treatment_share
        row[f"control_share_{stratum.stratum}"] = stratum.control_share
    return row


_EXTRA_READINGS: dict[str, Callable[[SimResult, LeanReport], dict[str, Any]]] = {
    "peeking": _peeking,
    "on_build": _on_build,
}


