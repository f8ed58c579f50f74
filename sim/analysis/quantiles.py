"""Quantile lifts: did the median (or the 90th percentile) device change?

A mean answers "how much more in total"; a quantile answers "what happened to the typical (or
the heavy) user", and a few extreme devices cannot move it. The interval of a sample quantile
comes from the order statistics around it (Deng, Knoblich & Lu, "Applying the Delta Method in
Metric Analytics", KDD 2018, section 4.3): the share of devices at or below the quantile has
variance ``q(1-q)/n`` for independent devices, or its cluster-robust variance when whole
households were randomised; the ranks ``n (q ± z σ)`` then bracket the quantile, and half the
width between those two order statistics over ``z`` is its standard error. That avoids
estimating a density, and it is what Deng et al. run at scale. Arms are independent, so the
difference of the two quantiles has the sum of their variances; the relative change uses the
delta method (:mod:`sim.analysis.compare`).

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> frame = pd.DataFrame({"arm": ["control"] * 4000 + ["treatment"] * 4000,
...                       "minutes": np.r_[rng.exponential(10, 4000), rng.exponential(12, 4000)]})
>>> result = quantile_lift(frame, "minutes", 0.5)
>>> round(result.control, 2), round(result.treatment, 2), result.significant
(7.05, 7.81, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim import messages
from sim.analysis.compare import ArmComparison
from sim.analysis.frame import (
    AnalysisResult,
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

# The standard error comes from the order statistics of a 95% interval, whatever the level
# of the interval reported from it (the variance does not depend on the level).
_SE_Z = float(stats.norm.isf(0.025))


@dataclass(frozen=True)
class QuantileLift(AnalysisResult):
    """The ``q``-quantile of each arm, their difference and relative change, with intervals."""

    metric: str
    q: float
    method: str
    control: float
    treatment: float
    diff: float
    ci: tuple[float, float]
    p_value: float
    rel_diff: float
    rel_ci: tuple[float, float]
    rel_p_value: float
    n_control: int
    n_treatment: int
    alpha: float
    reading: str

    @property
    def significant(self) -> bool:
        """Whether the change in the quantile is significant at ``alpha``."""
        return bool(self.p_value < self.alpha)


def check_quantile(q: float) -> float:
    """The quantile level, or one line naming the range.

    >>> check_quantile(0.9)
    0.9
    >>> check_quantile(1)
    Traceback (most recent call last):
    ...
    sim.errors.DataError: the quantile must be above 0 and below 1 (0.5 is the median), got 1
    """
    if (isinstance(q, bool) or not isinstance(q, int | float) or not math.isfinite(q)
            or not 0 < q < 1):
        raise DataError(messages.QUANTILE_LEVEL.format(value=q))
    return float(q)


def quantile_name(q: float) -> str:
    """How a quantile is called.

    >>> quantile_name(0.5), quantile_name(0.9), quantile_name(0.999)
    ('median', 'p90', 'p99.9')
    """
    return "median" if q == 0.5 else f"p{q * 100:g}"


def quantile_with_se(values: np.ndarray, q: float,
                     clusters: np.ndarray | None = None) -> tuple[float, float]:
    """The sample ``q``-quantile of ``values`` and its standard error (see the module).

    For a standard normal sample the asymptotic standard error of the median is
    ``sqrt(pi / (2 n))`` (the test suite checks it):

    >>> rng = np.random.default_rng(1)
    >>> median, se = quantile_with_se(rng.standard_normal(40_000), 0.5)
    >>> round(se / math.sqrt(math.pi / 80_000), 1)
    1.0
    """
    n = values.size
    ordered = np.sort(values)
    estimate = float(np.quantile(ordered, q))
    if clusters is None:
        share_variance = q * (1 - q) / n
    else:
        below = (values <= estimate).astype(float)
        codes = pd.factorize(clusters)[0]
        groups = int(codes.max()) + 1
        sums = np.bincount(codes, weights=below - below.mean(), minlength=groups)
        share_variance = groups / max(groups - 1, 1) * float(np.sum(sums**2)) / n**2
    spread = _SE_Z * math.sqrt(share_variance)
    low_rank = min(max(math.ceil(n * (q - spread)) - 1, 0), n - 1)
    high_rank = min(max(math.ceil(n * (q + spread)) - 1, 0), n - 1)
    return estimate, float(ordered[high_rank] - ordered[low_rank]) / (2 * _SE_Z)


def quantile_lift(
    df: pd.DataFrame,
    metric: str,
    q: float = 0.5,
    arm_col: str = "arm",
    control: Any = None,
    alpha: float = 0.05,
    cluster: str | None = None,
) -> QuantileLift:
    """The change in the ``q``-quantile of ``metric``, treatment vs control (see the module).

    ``cluster`` names the column of the randomised clusters (households) when whole clusters
    were assigned together.
    """
    q = check_quantile(q)
    require_probability("alpha", alpha)
    require_numeric(df, metric)
    arms = resolve_arms(df, arm_col, control)
    indicator = treatment_indicator(df, arms)
    values = df[metric].to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(values) & ~np.isnan(indicator)
    if cluster is not None:
        require_columns(df, cluster)
        keep &= df[cluster].notna().to_numpy()
    n_c, n_t = int((keep & (indicator == 0)).sum()), int((keep & (indicator == 1)).sum())
    require_arm_counts(metric, n_c, n_t, arms, 2)
    if is_binary(values[keep]):
        raise DataError(messages.QUANTILE_OF_BINARY.format(metric=metric))
    estimates, variances = [], []
    for arm in (0.0, 1.0):
        rows = keep & (indicator == arm)
        groups = None if cluster is None else df[cluster].to_numpy()[rows]
        estimate, se = quantile_with_se(values[rows], q, groups)
        estimates.append(estimate)
        variances.append(se**2)
    test = "order-statistic z-test" + (", cluster-robust" if cluster else "")
    compare = ArmComparison(estimates[0], estimates[1], variances[0], variances[1], n_c, n_t,
                            math.inf, test)
    label = quantile_name(q)
    method = f"difference in {label}s ({test})"
    if compare.se == 0 and compare.difference == 0:
        flat = messages.READING_QUANTILE_FLAT.format(metric=metric, label=label,
                                                    control=compare.control_mean)
        return _result(metric, q, method, compare, alpha, flat, p_value=1.0)
    low, high = compare.interval(alpha)
    rel = compare.relative
    if math.isfinite(rel):
        rel_low, rel_high = compare.relative_interval(alpha)
        rel_ci = messages.READING_RELATIVE.format(
            level=1 - alpha, low=format_relative(rel_low), high=format_relative(rel_high),
            p=format_p(compare.relative_p_value()))
    else:
        rel_ci = messages.READING_RELATIVE_UNDEFINED
    p_value = compare.p_value()
    verdict = messages.VERDICT_CLEAR if p_value < alpha else messages.VERDICT_UNCLEAR
    reading = messages.READING_QUANTILE.format(
        metric=metric, label=label, treatment=compare.treatment_mean,
        control=compare.control_mean, diff=compare.difference, level=1 - alpha, low=low,
        high=high, p=format_p(p_value), rel=format_relative(rel), rel_ci=rel_ci, verdict=verdict)
    return _result(metric, q, method, compare, alpha, reading, p_value)


def _result(metric: str, q: float, method: str, compare: ArmComparison, alpha: float,
            reading: str, p_value: float) -> QuantileLift:
    rel = compare.relative
    rel_ci = compare.relative_interval(alpha) if math.isfinite(rel) else (math.nan, math.nan)
    return QuantileLift(
        metric=metric, q=q, method=method, control=compare.control_mean,
        treatment=compare.treatment_mean, diff=compare.difference, ci=compare.interval(alpha),
        p_value=float(p_value), rel_diff=rel, rel_ci=(float(rel_ci[0]), float(rel_ci[1])),
        rel_p_value=compare.relative_p_value() if math.isfinite(rel) else math.nan,
        n_control=compare.n_control, n_treatment=compare.n_treatment, alpha=alpha,
        reading=reading)
