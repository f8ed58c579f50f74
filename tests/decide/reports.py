"""Hand-built readings for the decision rule's tests: a report with only what the rule reads."""

from __future__ import annotations

import dataclasses

from sim.analysis.lift import LiftResult
from sim.analysis.noninferiority import NonInferiorityResult
from sim.analysis.quality import completeness, srm
from sim.analysis.segments import InteractionResult, SegmentLift, SegmentLiftsResult
from sim.readout.report import Report


def lift(metric: str, rel: float, low: float, high: float, p: float,
         control: float = 100.0) -> LiftResult:
    return LiftResult(
        metric=metric, method="hand-built", control_mean=control,
        treatment_mean=control * (1 + rel), abs_diff=control * rel,
        abs_ci=(control * low, control * high), rel_lift=rel, rel_ci=(low, high),
        p_value=p, n_control=10_000, n_treatment=10_000, alpha=0.05, reading=f"{metric} lift",
    )


def guardrail(metric: str, margin: float, estimate: float, non_inferior: bool,
              higher: bool = False) -> NonInferiorityResult:
    return NonInferiorityResult(
        metric=metric, method="hand-built", margin=margin, relative=True,
        higher_is_better=higher, estimate=estimate, bound=estimate, p_value=0.01 if non_inferior
        else 0.4, non_inferior=non_inferior, alpha=0.05, reading=f"{metric} guardrail",
    )


def segment(name: str, rel: float, p_holm: float, control: float = 100.0) -> SegmentLift:
    half = 0.02
    return SegmentLift(
        segment=name, control_mean=control, treatment_mean=control * (1 + rel),
        abs_diff=control * rel, abs_ci=(control * (rel - half), control * (rel + half)),
        rel_lift=rel, rel_ci=(rel - half, rel + half), p_value=p_holm / 4, p_holm=p_holm,
        p_bh=p_holm, n_control=2_500, n_treatment=2_500,
    )


def split(kind: str, segments: list[SegmentLift], p_interaction: float):
    lifts = SegmentLiftsResult(
        metric="sessions", segment_col=kind, method="hand-built", alpha=0.05,
        segments=tuple(segments), skipped=(), reading=f"sessions by {kind}",
    )
    interaction = InteractionResult(
        metric="sessions", segment_col=kind, statistic=5.0, df_num=len(segments) - 1,
        df_denom=10_000, p_value=p_interaction, n_segments=len(segments), robust=True,
        skipped=(), reading=f"interaction by {kind}",
    )
    return lifts, interaction


HEALTHY_GUARDRAILS = {
    "crashes": ("crashes", 0.10, 0.01, True, False),
    "retained": ("retained", 0.01, 0.002, True, True),
}
NO_SPLIT = split("chip_tier", [segment("flagship", 0.03, 0.2), segment("entry", 0.02, 0.3)], 0.6)


def make_report(primary=(0.03, 0.01, 0.05, 0.001), *, primary_metric="sessions",
                guardrails=None, extra_metrics=None, splits=(NO_SPLIT,), split_ok=True,
                reporting=(0.95, 0.95), cuped=None) -> Report:
    """A report with only what the rule reads; everything else is None."""
    rel, low, high, p = primary
    metrics = {primary_metric: lift(primary_metric, rel, low, high, p)}
    specs = HEALTHY_GUARDRAILS if guardrails is None else guardrails
    results = {}
    for name, margin, estimate, ok, higher in specs.values():
        results[name] = guardrail(name, margin, estimate, ok, higher)
        width = margin / 2
        metrics[name] = lift(name, estimate, estimate - width, estimate + width,
                             0.01 if abs(estimate) > width else 0.5)
    metrics["active_days"] = lift("active_days", 0.002, -0.003, 0.007, 0.4)
    metrics.update(extra_metrics or {})
    fields = {field.name: None for field in dataclasses.fields(Report)}
    control, treatment = reporting
    fields.update(
        case_id="hand_built", alpha=0.05, primary_metric=primary_metric,
        srm=srm(5_000, 5_000) if split_ok else srm(5_300, 4_700),
        completeness=completeness(
            {"control": int(control * 100_000), "treatment": int(treatment * 100_000)},
            {"control": 100_000, "treatment": 100_000},
        ),
        metrics=metrics, cuped=cuped or {}, guardrails=results,
        segments={lifts.segment_col: lifts for lifts, _ in splits},
        interactions={i.segment_col: i for _, i in splits}, unavailable={},
    )
    return Report(**fields)


