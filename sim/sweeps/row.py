"""One replication's row: what a sweep keeps of each simulated run.

:func:`readout` reads exactly what a sweep row needs - SRM, the primary metric's lift and CUPED
lift, guardrail non-inferiority, the true effect and coverage, the decision rule's call on the
lean evidence (:func:`sim.readout.lean_report`) - with the same :mod:`sim.analysis` functions
as ``sim.analyse``, in a fraction of its time.

>>> from sim import load_scenario, simulate
>>> row = readout(simulate(load_scenario("scenarios/aa_test.toml"), seed=1, devices=2_000))
>>> row["metric"], row["true_effect"], row["covers"], row["call"], row["right_call"]
('sessions', 0.0, True, 'iterate', 'iterate')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from sim import messages
from sim.case.metrics import METRIC_NAMES
from sim.decide.evidence import TruthTable, assess, assess_truth
from sim.engine.result import SimResult
from sim.errors import DataError
from sim.readout.lean import LeanReport, analysis_population, lean_report

SWEEP_METRICS = METRIC_NAMES
"""Metrics a sweep row can read out besides the primary metric (``metrics=[...]``)."""


def readout(result: SimResult, metrics: Sequence[str] = (), extras: Sequence[str] = (),
            call: str = "lean") -> dict[str, Any]:
    """One sweep row (without the grid and run columns) from a simulated run."""
    case = result.scenario
    primary = case.experiment.primary_metric
    lean = lean_report(result, metrics, segments=call == "lean")
    truth = TruthTable(result.truth)
    lift = _lift(lean, primary)
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
        extra = _lift(lean, name)
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
        from sim.decide.decision import decide
        from sim.readout.report import analyse

        decision = decide(analyse(result), result=result)
        row["call"], row["call_segments"] = decision.call, ",".join(decision.segments)
    if call != "none":
        right = assess_truth(result)
        row["right_call"], row["right_segments"] = right.call, ",".join(right.segments)
    for extra in extras:
        row.update(EXTRA_READINGS[extra](result, lean))
    return row


def _lift(lean: LeanReport, metric: str) -> Any:
    """A metric's lift, or one line saying why the run cannot give it."""
    if metric not in lean.metrics:
        raise DataError(messages.READING_UNAVAILABLE.format(
            what=metric, reason=lean.why_missing(f"metrics.{metric}")))
    return lean.metrics[metric]


def _true_abs(truth: TruthTable, metric: str) -> float:
    found = truth.row(metric)
    return math.nan if found is None else float(found["abs_effect"])


def _peeking(result: SimResult, lean: LeanReport) -> dict[str, Any]:
    from sim.readout.report import sequential_reading

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


EXTRA_READINGS: dict[str, Callable[[SimResult, LeanReport], dict[str, Any]]] = {
    "peeking": _peeking,
    "on_build": _on_build,
}
"""Optional readings: ``peeking`` (the first day a fixed-horizon test and the always-valid
confidence sequence exclude zero when looking every day; keeps the raw daily reports, so use
small fleets) and ``on_build`` (devices that installed the update against control, pooled and
by chip tier: the mix-adjusted difference and Simpson's paradox)."""
