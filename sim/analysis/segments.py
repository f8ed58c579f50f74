"""Segments: does the effect differ between groups of devices?

* :func:`segment_lifts` - the lift within each segment (device model, region, OS version),
  with p-values adjusted for looking at many segments at once: Holm (controls the chance of
  any false alarm) and Benjamini-Hochberg (controls the share of false alarms among the
  segments flagged).
* :func:`interaction_test` - one joint test of whether the effect differs at all between
  segments, from OLS ``metric ~ treatment × C(segment)`` with robust errors. Prefer it to
  scanning segment p-values: a segment that "wins" by itself is often noise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests

from sim import messages
from sim.analysis.frame import (
    AnalysisResult,
    format_p,
    is_binary,
    require_columns,
    require_numeric,
    require_probability,
    resolve_arms,
    to_plain,
    treatment_indicator,
)
from sim.analysis.lift import (
    LIFT_KINDS,
    difference_in_means,
    difference_in_proportions,
    metric_lift,
)
from sim.errors import DataError


@dataclass(frozen=True)
class SegmentLift(AnalysisResult):
    """The lift inside one segment, with multiplicity-adjusted p-values."""

    segment: Any
    control_mean: float
    treatment_mean: float
    abs_diff: float
    abs_ci: tuple[float, float]
    rel_lift: float
    rel_ci: tuple[float, float]
    p_value: float
    p_holm: float
    p_bh: float
    n_control: int
    n_treatment: int


@dataclass(frozen=True)
class SegmentLiftsResult(AnalysisResult):
    """Per-segment lifts of one metric.

    ``skipped`` lists segments left out because an arm had too few rows there. Intervals are
    unadjusted (per segment); use ``p_holm`` or ``p_bh`` to decide which segments differ.
    """

    metric: str
    segment_col: str
    method: str
    alpha: float
    segments: tuple[SegmentLift, ...]
    skipped: tuple[Any, ...]
    reading: str

    def to_frame(self) -> pd.DataFrame:
        """One row per segment, for display.

        >>> frame = pd.DataFrame({"arm": ["control", "treatment"] * 4,
        ...                       "os": ["13"] * 4 + ["14"] * 4, "x": [1, 2, 2, 3, 1, 1, 2, 2]})
        >>> segment_lifts(frame, "x", "os").to_frame()["segment"].tolist()
        ['13', '14']
        """
        return pd.DataFrame([segment.to_dict() for segment in self.segments])


@dataclass(frozen=True)
class InteractionResult(AnalysisResult):
    """Joint F test that the treatment effect is the same in every segment."""

    metric: str
    segment_col: str
    statistic: float
    df_num: int
    df_denom: int
    p_value: float
    n_segments: int
    robust: bool
    skipped: tuple[Any, ...]
    reading: str


def _segment_rows(df: pd.DataFrame, segment_col: str) -> dict[Any, np.ndarray]:
    # Each segment's rows, from one pass over the column (not a comparison per segment);
    # numbers first, then text, each in order.
    codes, uniques = pd.factorize(df[segment_col])
    found: dict[Any, list[int]] = {}
    for code, value in enumerate(uniques):
        found.setdefault(to_plain(value), []).append(code)
    ordered = sorted(found, key=lambda value: (not isinstance(value, (int, float)), str(value)))
    return {value: codes == found[value][0] if len(found[value]) == 1
            else np.isin(codes, found[value]) for value in ordered}


def segment_lifts(
    df: pd.DataFrame,
    metric: str,
    segment_col: str,
    arm_col: str = "arm",
    control: Any = None,
    alpha: float = 0.05,
    kind: str = "auto",
    cluster: str | None = None,
) -> SegmentLiftsResult:
    """Lift of ``metric`` inside each value of ``segment_col``, with Holm and BH p-values.

    ``kind`` is chosen once for the whole metric (so every segment uses the same method);
    see :func:`sim.analysis.lift.metric_lift`; ``cluster`` makes each segment's lift
    cluster-robust. Adjusted p-values come from statsmodels (``"fdr_bh"``) and
    :func:`holm_adjust`. Rows with no segment are left out.

    >>> rng = np.random.default_rng(1)
    >>> frame = pd.DataFrame({
    ...     "arm": np.tile(["control", "treatment"], 600),
    ...     "region": np.repeat(["eu", "us", "apac"], 400),
    ...     "minutes": rng.normal(30, 5, 1200),
    ... })
    >>> result = segment_lifts(frame, "minutes", "region")
    >>> [s.segment for s in result.segments], all(s.p_holm >= s.p_value for s in result.segments)
    (['apac', 'eu', 'us'], True)
    """
    require_probability("alpha", alpha)
    if kind not in LIFT_KINDS:
        raise DataError(messages.OPTION_UNKNOWN.format(name="kind", options=LIFT_KINDS, value=kind))
    arms = resolve_arms(df, arm_col, control)
    require_columns(df, segment_col)
    require_numeric(df, metric)
    if kind == "auto":
        values = df[metric].to_numpy(dtype=float, na_value=np.nan)
        kind = "binary" if is_binary(values[~np.isnan(values)]) else "mean"
    indicator = treatment_indicator(df, arms)
    values = df[metric].to_numpy(dtype=float, na_value=np.nan)
    has_metric = ~np.isnan(values)
    in_control, in_treatment = has_metric & (indicator == 0), has_metric & (indicator == 1)
    # A clustered lift needs each segment's rows; the others read only the arms' values.
    narrow = df[list(dict.fromkeys([arm_col, metric, cluster]))] if cluster else None
    difference = difference_in_proportions if kind == "binary" else difference_in_means
    lifts, skipped = [], []
    for segment, in_segment in _segment_rows(df, segment_col).items():
        control_rows, treatment_rows = in_control & in_segment, in_treatment & in_segment
        minimum = 1 if kind == "binary" else 2
        if min(np.count_nonzero(control_rows), np.count_nonzero(treatment_rows)) < minimum:
            skipped.append(segment)
            continue
        if narrow is None:
            lift = difference(metric, values[control_rows], values[treatment_rows], alpha)
        else:
            lift = metric_lift(narrow.loc[in_segment], metric, kind, arm_col, arms.control,
                               alpha, cluster)
        lifts.append((segment, lift))
    p_values = np.array([result.p_value for _, result in lifts])
    p_holm = np.full(p_values.size, np.nan)
    p_bh = np.full(p_values.size, np.nan)
    finite = np.isfinite(p_values)
    if finite.any():
        p_holm[finite] = holm_adjust(p_values[finite])
        p_bh[finite] = multipletests(p_values[finite], alpha=alpha, method="fdr_bh")[1]
    segments = tuple(
        SegmentLift(
            segment=segment,
            control_mean=result.control_mean,
            treatment_mean=result.treatment_mean,
            abs_diff=result.abs_diff,
            abs_ci=result.abs_ci,
            rel_lift=result.rel_lift,
            rel_ci=result.rel_ci,
            p_value=result.p_value,
            p_holm=float(holm),
            p_bh=float(bh),
            n_control=result.n_control,
            n_treatment=result.n_treatment,
        )
        for (segment, result), holm, bh in zip(lifts, p_holm, p_bh, strict=True)
    )
    flagged = [str(s.segment) for s in segments if s.p_holm < alpha]
    method = lifts[0][1].method if lifts else ""
    return SegmentLiftsResult(
        metric=metric,
        segment_col=segment_col,
        method=method,
        alpha=alpha,
        segments=segments,
        skipped=tuple(skipped),
        reading=messages.READING_SEGMENTS.format(
            metric=metric,
            segment_col=segment_col,
            count=len(flagged),
            total=len(segments),
            names=(": " + ", ".join(flagged)) if flagged else "",
        ),
    )


def pooled_segment_lift(segments: Sequence[SegmentLift], alpha: float = 0.05
                        ) -> tuple[float, tuple[float, float]]:
    """The relative lift over several segments of one kind, with its CI: the device-weighted
    difference over the device-weighted control mean (segments are independent samples, so
    their variances add). ``nan`` when the pooled control mean is zero.

    >>> def seg(name, diff, base, half, n):
    ...     return SegmentLift(name, base, base + diff, diff, (diff - half, diff + half), diff / base,
    ...                        (0, 0), 0.01, 0.01, 0.01, n, n)
    >>> lift, (low, high) = pooled_segment_lift([seg("a", 1.0, 10.0, 0.5, 100),
    ...                                          seg("b", 3.0, 10.0, 0.5, 300)])
    >>> round(lift, 3), round(low, 4), round(high, 4)  # 2.5 / 10, +- sqrt(0.125**2 + 0.375**2) / 10
    (0.25, 0.2105, 0.2895)
    """
    z = float(stats.norm.isf(alpha / 2))
    weights = np.array([s.n_control + s.n_treatment for s in segments], dtype=float)
    weights = weights / weights.sum()
    diff = float(np.sum(weights * [s.abs_diff for s in segments]))
    base = float(np.sum(weights * [s.control_mean for s in segments]))
    half_widths = np.array([(s.abs_ci[1] - s.abs_ci[0]) / 2 for s in segments])
    se = math.sqrt(float(np.sum((weights * half_widths / z) ** 2)))
    if base == 0:
        return math.nan, (math.nan, math.nan)
    return diff / base, ((diff - z * se) / base, (diff + z * se) / base)


def holm_adjust(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (Holm 1979), identical to statsmodels' ``"holm"``.

    Written out because statsmodels' Holm branch calls ``gc.collect()`` on every call, which
    costs a quarter of a second in a process holding a large fleet; the test suite checks the
    two agree.

    >>> holm_adjust(np.array([0.01, 0.04, 0.03])).round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    p_values = np.asarray(p_values, dtype=float)
    order = np.argsort(p_values, kind="stable")
    steps = p_values[order] * np.arange(p_values.size, 0, -1)
    adjusted = np.empty_like(p_values)
    adjusted[order] = np.minimum(np.maximum.accumulate(steps), 1.0)
    return adjusted


def interaction_test(
    df: pd.DataFrame,
    metric: str,
    segment_col: str,
    arm_col: str = "arm",
    control: Any = None,
    alpha: float = 0.05,
    robust: bool = True,
    cluster: str | None = None,
) -> InteractionResult:
    """Joint test that the treatment effect does not depend on the segment.

    The model is OLS ``metric ~ treatment + C(segment) + treatment:C(segment)``; all
    interaction coefficients are tested at once as an F statistic. With ``robust=False`` it
    is statsmodels' Wald test on the classical fit (the nested-model F test). With
    ``robust=True`` (HC1 covariance, so arms and segments may differ in variance) the model is
    saturated, so its coefficients are cell means and the HC1 Wald test reduces exactly to
    per-cell sums: one pass over the rows instead of a sandwich over a million-row design
    (the test suite checks it against statsmodels' HC1 fit to 1e-8). With ``cluster`` the
    covariance is cluster-robust (CR1, households spanning segments included) and the F test
    has ``G - 1`` denominator degrees of freedom, as statsmodels' clustered Wald test (the
    test suite compares them). Segments where an arm has fewer than two rows are left out
    (their interaction is not estimable).

    >>> rng = np.random.default_rng(2)
    >>> arm = np.tile(["control", "treatment"], 900)
    >>> region = np.repeat(["eu", "us", "apac"], 600)
    >>> effect = np.where((arm == "treatment") & (region == "us"), 2.0, 0.0)
    >>> frame = pd.DataFrame({"arm": arm, "region": region,
    ...                       "minutes": rng.normal(30, 5, 1800) + effect})
    >>> interaction_test(frame, "minutes", "region").p_value < 0.01
    True
    """
    require_probability("alpha", alpha)
    arms = resolve_arms(df, arm_col, control)
    require_columns(df, segment_col)
    require_numeric(df, metric)
    indicator = treatment_indicator(df, arms)
    y = df[metric].to_numpy(dtype=float, na_value=np.nan)
    usable = ~np.isnan(y) & ~np.isnan(indicator) & df[segment_col].notna().to_numpy()
    in_control, in_treatment = usable & (indicator == 0), usable & (indicator == 1)
    kept, skipped = [], []
    segment_rows = {}
    for segment, in_segment in _segment_rows(df, segment_col).items():
        rows = usable & in_segment
        if min(np.count_nonzero(rows & in_control), np.count_nonzero(rows & in_treatment)) < 2:
            skipped.append(segment)
        else:
            kept.append(segment)
            segment_rows[segment] = rows
    if len(kept) < 2:
        raise DataError(messages.SEGMENTS_TOO_FEW.format(column=segment_col, count=len(kept)))
    rows = np.logical_or.reduce([segment_rows[s] for s in kept])
    require_columns(df, cluster)
    groups = None if cluster is None else df[cluster].to_numpy()
    if rows.all():  # (usually: then ten million rows are not copied)
        model = y, indicator, [segment_rows[s] for s in kept]
    else:
        model = y[rows], indicator[rows], [segment_rows[s][rows] for s in kept]
        groups = None if groups is None else groups[rows]
    if groups is not None:
        statistic, p_value, df_num, df_denom = _clustered_interaction(*model, groups)
    elif robust:
        statistic, p_value, df_num, df_denom = _robust_interaction(*model)
    else:
        statistic, p_value, df_num, df_denom = _classical_interaction(*model)
    template = (
        messages.READING_INTERACTION_YES if p_value < alpha else messages.READING_INTERACTION_NO
    )
    return InteractionResult(
        metric=metric,
        segment_col=segment_col,
        statistic=statistic,
        df_num=df_num,
        df_denom=df_denom,
        p_value=p_value,
        n_segments=len(kept),
        robust=robust,
        skipped=tuple(skipped),
        reading=template.format(
            metric=metric,
            segment_col=segment_col,
            statistic=statistic if math.isfinite(statistic) else math.nan,
            p=format_p(p_value),
        ),
    )


def _design(treated: np.ndarray, segments: list[np.ndarray]) -> np.ndarray:
    # Dummy coding by hand (first segment as reference) keeps any segment label - numbers,
    # text with spaces or symbols - out of a formula parser.
    dummies = np.column_stack([rows.astype(float) for rows in segments[1:]])
    return np.column_stack([np.ones(treated.size), treated, dummies, dummies * treated[:, None]])


def _classical_interaction(
    y: np.ndarray, treated: np.ndarray, segments: list[np.ndarray]
) -> tuple[float, float, int, int]:
    design = _design(treated, segments)
    model = sm.OLS(y, design).fit()
    n_interactions = len(segments) - 1
    restriction = np.zeros((n_interactions, design.shape[1]))
    restriction[:, design.shape[1] - n_interactions :] = np.eye(n_interactions)
    test = model.wald_test(restriction, use_f=True, scalar=True)
    return float(test.statistic), float(test.pvalue), int(test.df_num), int(test.df_denom)


def _clustered_interaction(
    y: np.ndarray, treated: np.ndarray, segments: list[np.ndarray], clusters: np.ndarray
) -> tuple[float, float, int, int]:
    """CR1 Wald F test of the saturated model's interaction terms, from cell sums.

    The saturated model's coefficients are cell means; a cell mean's cluster-robust
    covariance with another is ``c · Σ_g S_g,a S_g,b`` where ``S_g,a`` is cluster g's sum of
    residuals in cell a over that cell's size (a household may span segments, so cells of
    one arm covary), with statsmodels' factor ``c = G/(G-1) · (N-1)/(N-K)``.
    """
    codes = pd.factorize(clusters)[0]
    groups = int(codes.max()) + 1
    if groups < 2:
        raise DataError(messages.CLUSTERS_TOO_FEW.format(count=groups))
    n, k = y.size, 2 * len(segments)
    cells = [rows & (treated == arm) for rows in segments for arm in (1.0, 0.0)]
    means = np.array([y[cell].mean() for cell in cells])
    scores = np.zeros((groups, len(cells)))
    for index, cell in enumerate(cells):
        scores[:, index] = np.bincount(codes[cell], weights=y[cell] - means[index],
                                       minlength=groups) / cell.sum()
    covariance = groups / (groups - 1) * (n - 1) / (n - k) * scores.T @ scores
    # Effect of segment s: its treated cell minus its control cell; contrasts against the
    # reference segment.
    effects = np.zeros((len(segments), len(cells)))
    for s in range(len(segments)):
        effects[s, 2 * s], effects[s, 2 * s + 1] = 1.0, -1.0
    contrast = effects[1:] - effects[0]
    values = contrast @ means
    variance = contrast @ covariance @ contrast.T
    df_num = len(segments) - 1
    try:
        statistic = float(values @ np.linalg.solve(variance, values)) / df_num
    except np.linalg.LinAlgError:
        raise DataError(messages.INTERACTION_SINGULAR) from None
    return statistic, float(stats.f.sf(statistic, df_num, groups - 1)), df_num, groups - 1


def _robust_interaction(
    y: np.ndarray, treated: np.ndarray, segments: list[np.ndarray]
) -> tuple[float, float, int, int]:
    """HC1 Wald F test of the saturated model's interaction terms, from cell sums.

    Each cell's mean has HC0 variance sum(residual^2) / n_cell^2; HC1 scales it by
    n / (n - k). The interaction coefficients are each segment's effect minus the reference
    segment's, so their covariance is diag(V_s) + V_0 (one shared term).
    """
    n, k = y.size, 2 * len(segments)
    # Each row's cell (segment, arm): means and squared deviations in one pass each.
    segment = np.zeros(n, dtype=np.int64)
    for index, rows in enumerate(segments):
        segment[rows] = index
    cell = 2 * segment + treated.astype(np.int64)
    counts = np.bincount(cell, minlength=k)
    means = np.bincount(cell, weights=y, minlength=k) / counts
    residual = y - means[cell]
    cell_variance = np.bincount(cell, weights=residual * residual, minlength=k) / counts**2
    effects = means[1::2] - means[0::2]
    variances = (cell_variance[1::2] + cell_variance[0::2]) * n / (n - k)
    contrasts = effects[1:] - effects[0]
    covariance = np.diag(variances[1:]) + variances[0]
    df_num = len(segments) - 1
    try:
        statistic = float(contrasts @ np.linalg.solve(covariance, contrasts)) / df_num
    except np.linalg.LinAlgError:
        raise DataError(messages.INTERACTION_SINGULAR) from None
    return statistic, float(stats.f.sf(statistic, df_num, n - k)), df_num, n - k
