"""Lift: how much did treatment change a metric, with honest uncertainty?

Each function compares the treatment arm with the control arm of a user-level table (one
row per device or user, an arm column and metric columns) and returns a frozen result with
the absolute difference, the relative lift and their confidence intervals.

* :func:`proportion_lift` - binary metrics (difference in proportions, Wald).
* :func:`mean_lift` - any numeric metric (Welch's unequal-variance t interval).
* :func:`ratio_metric_lift` - ratio metrics such as crashes per active day, where the
  unit of analysis (device) differs from the unit of the ratio (day): delta method.
* :func:`metric_lift` - picks proportions or means from the values.

With ``cluster=`` (a column such as ``household_id``, when whole households were randomised
together) every interval and p-value is cluster-robust (CR1, t on ``G - 1`` degrees of freedom;
see :mod:`sim.analysis.compare`). Relative lifts are ``treatment / control - 1`` with
delta-method intervals and their own p-value (``rel_p_value``); each reading names the test its
p-value comes from. Regression adjustment (CUPED) is in :mod:`sim.analysis.cuped` and
one-sided non-inferiority tests in :mod:`sim.analysis.noninferiority`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    test_proportions_2indep,
)

from sim import messages
from sim.analysis.compare import (
    ArmComparison,
    clustered_means,
    clustered_ratios,
    independent_means,
    independent_proportions,
)
from sim.analysis.frame import (
    AnalysisResult,
    arm_samples,
    format_p,
    format_relative,
    is_binary,
    require_arm_counts,
    require_columns,
    require_numeric,
    require_probability,
    resolve_arms,
    treatment_indicator,
)
from sim.errors import DataError

LIFT_KINDS = ("auto", "binary", "mean")


@dataclass(frozen=True)
class LiftResult(AnalysisResult):
    """Treatment versus control on one metric.

    ``abs_diff`` is treatment minus control; ``rel_lift`` is treatment / control - 1 (NaN
    when the control mean is zero). Intervals are two-sided at level ``1 - alpha``.
    """

    metric: str
    method: str
    control_mean: float
    treatment_mean: float
    abs_diff: float
    abs_ci: tuple[float, float]
    rel_lift: float
    rel_ci: tuple[float, float]
    p_value: float
    n_control: int
    n_treatment: int
    alpha: float
    reading: str
    rel_p_value: float = math.nan
    test: str = ""

    @property
    def significant(self) -> bool:
        """True when the two-sided p-value is below ``alpha``.

        >>> frame = pd.DataFrame({"arm": ["control", "treatment"] * 3, "x": [1, 5, 2, 6, 1, 6]})
        >>> mean_lift(frame, "x").significant
        True
        """
        return bool(self.p_value < self.alpha)


def _lift_reading(metric: str, compare: ArmComparison, abs_ci: tuple[float, float],
                  p_value: float, alpha: float) -> str:
    verdict = messages.VERDICT_CLEAR if p_value < alpha else messages.VERDICT_UNCLEAR
    rel = compare.relative
    if math.isfinite(rel):
        low, high = compare.relative_interval(alpha)
        rel_ci = messages.READING_RELATIVE.format(
            level=1 - alpha, low=format_relative(low), high=format_relative(high),
            p=format_p(compare.relative_p_value()))
    else:
        rel_ci = messages.READING_RELATIVE_UNDEFINED
    return messages.READING_LIFT.format(
        metric=metric,
        treatment_mean=compare.treatment_mean,
        control_mean=compare.control_mean,
        abs_diff=compare.difference,
        rel=format_relative(rel),
        rel_ci=rel_ci,
        level=1 - alpha,
        low=abs_ci[0],
        high=abs_ci[1],
        p=format_p(p_value),
        test=compare.test,
        verdict=verdict,
    )


def lift_from(metric: str, method: str, compare: ArmComparison, alpha: float,
              abs_ci: tuple[float, float] | None = None,
              p_value: float | None = None) -> LiftResult:
    """A :class:`LiftResult` from an :class:`~sim.analysis.compare.ArmComparison` (its
    interval and p-value unless a caller's own test gives them)."""
    abs_ci = compare.interval(alpha) if abs_ci is None else abs_ci
    p_value = compare.p_value() if p_value is None else p_value
    rel = compare.relative
    rel_ci = compare.relative_interval(alpha) if math.isfinite(rel) else (math.nan, math.nan)
    return LiftResult(
        metric=metric,
        method=method,
        control_mean=float(compare.control_mean),
        treatment_mean=float(compare.treatment_mean),
        abs_diff=float(compare.difference),
        abs_ci=(float(abs_ci[0]), float(abs_ci[1])),
        rel_lift=float(rel),
        rel_ci=(float(rel_ci[0]), float(rel_ci[1])),
        p_value=float(p_value),
        n_control=int(compare.n_control),
        n_treatment=int(compare.n_treatment),
        alpha=alpha,
        reading=_lift_reading(metric, compare, abs_ci, float(p_value), alpha),
        rel_p_value=float(compare.relative_p_value()) if math.isfinite(rel) else math.nan,
        test=compare.test,
    )


def clustered_lift(df: pd.DataFrame, metric: str, cluster: str, arm_col: str = "arm",
                   control: Any = None, alpha: float = 0.05, kind: str = "mean") -> LiftResult:
    """Difference in means (or proportions) with cluster-robust errors on ``cluster``: what a
    randomisation of whole clusters (households) supports. t on ``G - 1`` degrees of freedom.

    >>> frame = pd.DataFrame({"arm": ["control"] * 6 + ["treatment"] * 6,
    ...                       "home": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6],
    ...                       "minutes": [9., 10, 11, 12, 10, 11, 13, 14, 12, 12, 15, 14]})
    >>> result = clustered_lift(frame, "minutes", "home")
    >>> round(result.abs_diff, 3), result.test
    (2.833, 'cluster-robust t-test (5 df)')
    """
    require_probability("alpha", alpha)
    require_columns(df, cluster)
    arms = resolve_arms(df, arm_col, control)
    require_numeric(df, metric)
    indicator = treatment_indicator(df, arms)
    values = df[metric].to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(values) & ~np.isnan(indicator) & df[cluster].notna().to_numpy()
    require_arm_counts(metric, int((keep & (indicator == 0)).sum()),
                       int((keep & (indicator == 1)).sum()), arms, 2)
    compare = clustered_means(values[keep], indicator[keep], df[cluster].to_numpy()[keep])
    what = "proportions" if kind == "binary" else "means"
    return lift_from(metric, f"difference in {what} (cluster-robust)", compare, alpha)


def relative_ci_delta(
    control_mean: float,
    treatment_mean: float,
    var_control_mean: float,
    var_treatment_mean: float,
    alpha: float = 0.05,
    covariance: float = 0.0,
) -> tuple[float, float, float]:
    """Relative lift ``t / c - 1`` and its delta-method interval.

    The gradient of ``t / c`` is ``(1 / c, -t / c**2)``, so
    ``var ≈ var_t / c**2 + t**2 var_c / c**4 - 2 t cov / c**3``. Returns
    ``(rel_lift, low, high)``; all NaN when the control mean is zero.

    >>> rel, low, high = relative_ci_delta(10.0, 11.0, 0.04, 0.04)
    >>> round(rel, 3), round(low, 3), round(high, 3)
    (0.1, 0.042, 0.158)
    """
    if control_mean == 0 or not math.isfinite(control_mean):
        return math.nan, math.nan, math.nan
    ratio = treatment_mean / control_mean
    rel = ratio - 1
    # The same formula with each term divided by c twice in turn, so large values cannot
    # overflow (c**4 of a 1e100 mean is past the largest double).
    variance = (var_treatment_mean / control_mean / control_mean
                + ratio**2 * (var_control_mean / control_mean / control_mean)
                - 2 * ratio * (covariance / control_mean / control_mean))
    half_width = float(stats.norm.isf(alpha / 2)) * math.sqrt(max(variance, 0.0))
    return rel, rel - half_width, rel + half_width


def proportion_lift(
    df: pd.DataFrame,
    metric: str,
    arm_col: str = "arm",
    control: Any = None,
    alpha: float = 0.05,
    cluster: str | None = None,
) -> LiftResult:
    """Difference in proportions for a 0/1 metric.

    Uses statsmodels ``confint_proportions_2indep`` / ``test_proportions_2indep`` with the
    Wald method (unpooled variance), so the interval and the p-value agree; the relative
    lift's interval and p-value are the delta method's. ``cluster`` as in
    :func:`clustered_lift`.

    >>> frame = pd.DataFrame({
    ...     "arm": ["control"] * 1000 + ["treatment"] * 1000,
    ...     "installed": [1] * 300 + [0] * 700 + [1] * 360 + [0] * 640,
    ... })
    >>> result = proportion_lift(frame, "installed")
    >>> round(result.abs_diff, 3), [round(x, 3) for x in result.abs_ci], round(result.p_value, 4)
    (0.06, [0.019, 0.101], 0.0042)
    """
    require_probability("alpha", alpha)
    if cluster is not None:
        return clustered_lift(df, metric, cluster, arm_col, control, alpha, kind="binary")
    arms = resolve_arms(df, arm_col, control)
    return difference_in_proportions(metric, *arm_samples(df, metric, arms), alpha)


def difference_in_proportions(metric: str, control_values: np.ndarray,
                              treatment_values: np.ndarray, alpha: float = 0.05) -> LiftResult:
    """:func:`proportion_lift` from each arm's 0/1 values (arrays, no missing values).

    >>> result = difference_in_proportions("installed", np.repeat([1.0, 0.0], [300, 700]),
    ...                                    np.repeat([1.0, 0.0], [360, 640]))
    >>> round(result.abs_diff, 3), round(result.p_value, 4)
    (0.06, 0.0042)
    """
    if not (is_binary(control_values) and is_binary(treatment_values)):
        raise DataError(messages.COLUMN_NOT_BINARY.format(column=metric))
    n_c, n_t = control_values.size, treatment_values.size
    x_c, x_t = control_values.sum(), treatment_values.sum()
    p_c, p_t = x_c / n_c, x_t / n_t
    # statsmodels compares sample 1 with sample 2, so treatment goes first. It also computes
    # the odds ratio on the side, which divides by zero when an arm is all 0 or all 1.
    with np.errstate(divide="ignore", invalid="ignore"):
        low, high = confint_proportions_2indep(
            x_t, n_t, x_c, n_c, method="wald", compare="diff", alpha=alpha
        )
        if p_t == p_c and p_t in (0.0, 1.0):
            p_value = 1.0  # both arms all zeros (or all ones): no evidence of a change
        else:
            p_value = test_proportions_2indep(
                x_t, n_t, x_c, n_c, method="wald", compare="diff"
            ).pvalue
    compare = independent_proportions(control_values, treatment_values)
    return lift_from(metric, "difference in proportions (Wald)", compare, alpha,
                     abs_ci=(float(low), float(high)), p_value=float(p_value))


def mean_lift(
    df: pd.DataFrame,
    metric: str,
    arm_col: str = "arm",
    control: Any = None,
    alpha: float = 0.05,
    cluster: str | None = None,
) -> LiftResult:
    """Difference in means with Welch's unequal-variance t test.

    The interval and p-value are the t distribution's on the Welch-Satterthwaite degrees of
    freedom, from each arm's mean, variance and count (:func:`~sim.analysis.compare.
    independent_means`): the same numbers as statsmodels' ``CompareMeans.tconfint_diff`` with
    ``usevar="unequal"`` and scipy's ``ttest_ind(equal_var=False)`` (the tests compare them),
    without statsmodels re-scanning every device's value for each reading (it was a quarter
    of the readout's time at 100,000 devices). The relative lift's interval and p-value are the
    delta method's. ``cluster`` as in :func:`clustered_lift`.

    >>> frame = pd.DataFrame({
    ...     "arm": ["control"] * 4 + ["treatment"] * 4,
    ...     "minutes": [10.0, 12.0, 11.0, 13.0, 14.0, 15.0, 13.0, 16.0],
    ... })
    >>> result = mean_lift(frame, "minutes")
    >>> result.abs_diff, round(result.rel_lift, 3), round(result.p_value, 4)
    (3.0, 0.261, 0.0167)
    """
    require_probability("alpha", alpha)
    if cluster is not None:
        return clustered_lift(df, metric, cluster, arm_col, control, alpha)
    arms = resolve_arms(df, arm_col, control)
    return difference_in_means(metric, *arm_samples(df, metric, arms, minimum=2), alpha)


def difference_in_means(metric: str, control_values: np.ndarray, treatment_values: np.ndarray,
                        alpha: float = 0.05) -> LiftResult:
    """:func:`mean_lift` (Welch) from each arm's values (arrays, no missing values, at least
    two each).

    >>> result = difference_in_means("minutes", np.array([10.0, 12.0, 11.0, 13.0]),
    ...                              np.array([14.0, 15.0, 13.0, 16.0]))
    >>> result.abs_diff, round(result.p_value, 4)
    (3.0, 0.0167)
    """
    compare = independent_means(control_values, treatment_values)
    if compare.se == 0:
        return lift_from(metric, "difference in means (Welch)", compare, alpha,
                         abs_ci=(compare.difference, compare.difference))
    return lift_from(metric, "difference in means (Welch)", compare, alpha)


def _ratio_and_variance(numerator: np.ndarray, denominator: np.ndarray) -> tuple[float, float]:
    # Delta method for R = mean(x) / mean(y) over n independent units (Deng, Knoblich & Lu,
    # "Applying the Delta Method in Metric Analytics", KDD 2018, eq. 3):
    # var(R) ≈ (var_x - 2 R cov_xy + R² var_y) / (n ȳ²).
    n = numerator.size
    mean_x, mean_y = numerator.mean(), denominator.mean()
    ratio = mean_x / mean_y
    covariance = np.cov(numerator, denominator, ddof=1)
    variance = (covariance[0, 0] - 2 * ratio * covariance[0, 1] + ratio**2 * covariance[1, 1]) / (
        n * mean_y**2
    )
    return float(ratio), float(variance)


def ratio_metric_lift(
    df: pd.DataFrame,
    numerator: str,
    denominator: str,
    arm_col: str = "arm",
    control: Any = None,
    alpha: float = 0.05,
    metric_name: str | None = None,
    cluster: str | None = None,
) -> LiftResult:
    """Lift of a ratio metric (sum of numerator / sum of denominator per arm).

    For crashes per active day, ``numerator="crashes"`` and ``denominator="active_days"``
    hold each device's totals. Devices, not days, are independent, so the variance of each
    arm's ratio comes from the delta method; the difference is tested with a z test. With
    ``cluster`` (whole households randomised) the clusters are independent instead:
    :func:`~sim.analysis.compare.clustered_ratios`, t on ``G - 1`` degrees of freedom.
    Rows missing either column are dropped.

    >>> frame = pd.DataFrame({
    ...     "arm": ["control"] * 3 + ["treatment"] * 3,
    ...     "crashes": [2, 1, 3, 1, 0, 2],
    ...     "active_days": [10, 5, 15, 10, 5, 15],
    ... })
    >>> result = ratio_metric_lift(frame, "crashes", "active_days")
    >>> result.control_mean, result.treatment_mean
    (0.2, 0.1)
    """
    require_probability("alpha", alpha)
    require_numeric(df, numerator)
    require_numeric(df, denominator)
    arms = resolve_arms(df, arm_col, control)
    name = metric_name or f"{numerator} per {denominator}"
    indicator = treatment_indicator(df, arms)
    x = df[numerator].to_numpy(dtype=float, na_value=np.nan)
    y = df[denominator].to_numpy(dtype=float, na_value=np.nan)
    keep = ~(np.isnan(x) | np.isnan(y))
    if cluster is not None:
        require_columns(df, cluster)
        keep &= df[cluster].notna().to_numpy()
    samples = {}
    for arm_value in (0.0, 1.0):
        rows = keep & (indicator == arm_value)
        samples[arm_value] = (x[rows], y[rows])
    n_c, n_t = samples[0.0][0].size, samples[1.0][0].size
    require_arm_counts(name, n_c, n_t, arms, 2)
    for arm_value in (0.0, 1.0):
        if samples[arm_value][1].sum() <= 0:
            raise DataError(
                messages.VALUE_OUT_OF_RANGE.format(
                    name=f"the total of {denominator!r} in each arm",
                    requirement="above 0",
                    value=float(samples[arm_value][1].sum()),
                )
            )
    if cluster is not None:
        compare = clustered_ratios(x[keep], y[keep], indicator[keep],
                                   df[cluster].to_numpy()[keep])
        return lift_from(name, "ratio of sums (delta method, cluster-robust)", compare, alpha)
    r_c, var_c = _ratio_and_variance(*samples[0.0])
    r_t, var_t = _ratio_and_variance(*samples[1.0])
    compare = ArmComparison(r_c, r_t, var_c, var_t, n_c, n_t, math.inf, "delta-method z-test")
    return lift_from(name, "ratio of sums (delta method)", compare, alpha)


def metric_lift(
    df: pd.DataFrame,
    metric: str,
    kind: str = "auto",
    arm_col: str = "arm",
    control: Any = None,
    alpha: float = 0.05,
    cluster: str | None = None,
) -> LiftResult:
    """Lift of ``metric``: proportions when ``kind="binary"``, Welch when ``kind="mean"``.

    ``kind="auto"`` uses proportions when every non-missing value is 0 or 1; ``cluster``
    makes either one cluster-robust (:func:`clustered_lift`).

    >>> frame = pd.DataFrame({"arm": ["control", "treatment"] * 50, "clicked": [0, 1, 1, 1] * 25})
    >>> metric_lift(frame, "clicked").method
    'difference in proportions (Wald)'
    """
    if kind not in LIFT_KINDS:
        raise DataError(messages.OPTION_UNKNOWN.format(name="kind", options=LIFT_KINDS, value=kind))
    if kind == "auto":
        require_numeric(df, metric)
        values = df[metric].to_numpy(dtype=float, na_value=np.nan)
        kind = "binary" if is_binary(values[~np.isnan(values)]) else "mean"
    if kind == "binary":
        return proportion_lift(df, metric, arm_col, control, alpha, cluster)
    return mean_lift(df, metric, arm_col, control, alpha, cluster)
