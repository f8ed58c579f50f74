"""Drift: did a distribution move between two periods, or did an effect change over time?

* :func:`ks_drift` - two-sample Kolmogorov-Smirnov test (``scipy.stats.ks_2samp``) between a
  before and an after sample of one measurement.
* :func:`psi` - population stability index: a size of shift, not a test. Bins are the
  quantiles of the reference (before) sample. Conventional reading: below 0.1 stable,
  0.1-0.25 moderate, 0.25 or more major.
* :func:`densities` - samples as densities over shared bins, with each sample's mean: what a
  before-and-after chart draws, a few dozen numbers however many devices were measured.
* :func:`novelty` - is the treatment effect early in the experiment different from the
  effect late in it? A fading effect is the mark of novelty; a growing one of learning.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from sim import messages
from sim.analysis.frame import (
    AnalysisResult,
    format_p,
    require_columns,
    require_numeric,
    require_probability,
    to_plain,
)
from sim.errors import DataError

PSI_EPSILON = 1e-4
"""Share given to a bin that one sample leaves empty, so PSI stays finite (log of 0)."""
PSI_MODERATE = 0.1
PSI_MAJOR = 0.25
DENSITY_BINS = 60
"""Bins of :func:`densities` by default: enough for a smooth curve, few enough to send."""


@dataclass(frozen=True)
class KSResult(AnalysisResult):
    """Two-sample Kolmogorov-Smirnov test: ``statistic`` is the largest CDF gap."""

    statistic: float
    p_value: float
    n_before: int
    n_after: int
    reading: str


@dataclass(frozen=True)
class PSIResult(AnalysisResult):
    """Population stability index with the bins it used.

    ``edges`` are the inner bin edges (the outer bins are open-ended); ``reference_shares``
    and ``current_shares`` are the raw shares per bin before the epsilon for empty bins.
    """

    psi: float
    edges: tuple[float, ...]
    reference_shares: tuple[float, ...]
    current_shares: tuple[float, ...]
    epsilon: float
    reading: str


@dataclass(frozen=True)
class Densities(AnalysisResult):
    """Samples as densities over shared bins (``centres``): ``densities[i]`` is sample
    ``i``'s histogram scaled to area 1 over the bins, ``means[i]`` the mean of all of it and
    ``sizes[i]`` its number of values."""

    centres: tuple[float, ...]
    densities: tuple[tuple[float, ...], ...]
    means: tuple[float, ...]
    sizes: tuple[int, ...]


@dataclass(frozen=True)
class NoveltyResult(AnalysisResult):
    """Early-window versus late-window treatment effect (late minus early)."""

    early_effect: float
    early_se: float
    late_effect: float
    late_se: float
    difference: float
    difference_ci: tuple[float, float]
    p_value: float
    early_days: tuple[Any, ...]
    late_days: tuple[Any, ...]
    alpha: float
    reading: str


def _clean_sample(values: Sequence[float] | np.ndarray | pd.Series, which: str) -> np.ndarray:
    try:
        array = pd.Series(values, dtype=float).to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as error:
        raise DataError(messages.SAMPLE_NOT_NUMERIC.format(which=which, detail=error)) from None
    array = array[~np.isnan(array)]
    if array.size == 0:
        raise DataError(messages.SAMPLE_EMPTY.format(which=which))
    return array


def ks_drift(
    before: Sequence[float] | np.ndarray | pd.Series,
    after: Sequence[float] | np.ndarray | pd.Series,
    alpha: float = 0.05,
) -> KSResult:
    """Two-sample KS test between a before and an after sample (NaN values are dropped).

    With very large samples tiny, harmless shifts become significant; read it with
    :func:`psi`, which sizes the shift.

    >>> rng = np.random.default_rng(0)
    >>> ks_drift(rng.normal(0, 1, 500), rng.normal(0.5, 1, 500)).p_value < 0.001
    True
    """
    require_probability("alpha", alpha)
    before_values = _clean_sample(before, "before")
    after_values = _clean_sample(after, "after")
    result = stats.ks_2samp(before_values, after_values)
    p_value = float(result.pvalue)
    verdict = messages.VERDICT_CURVES_DIFFER if p_value < alpha else messages.VERDICT_CURVES_UNCLEAR
    return KSResult(
        statistic=float(result.statistic),
        p_value=p_value,
        n_before=int(before_values.size),
        n_after=int(after_values.size),
        reading=messages.READING_KS.format(
            verdict=verdict, statistic=float(result.statistic), p=format_p(p_value)
        ),
    )


def psi(
    reference: Sequence[float] | np.ndarray | pd.Series,
    current: Sequence[float] | np.ndarray | pd.Series,
    bins: int = 10,
    epsilon: float = PSI_EPSILON,
) -> PSIResult:
    """Population stability index of ``current`` against ``reference``.

    ``PSI = sum over bins of (c - r) * ln(c / r)`` with ``r`` and ``c`` the shares of the
    reference and current samples in each bin. Bin edges are the reference quantiles at
    ``1/bins, 2/bins, ...`` (linear interpolation), with open outer bins; repeated edges
    (many ties, e.g. lots of zeros) are merged, so there can be fewer than ``bins`` bins.
    A value sits in the bin whose upper edge it does not exceed. A share of exactly zero is
    replaced by ``epsilon`` (1e-4 by default) without renormalising, so an empty bin adds a
    large but finite amount instead of infinity.

    >>> result = psi(range(1, 11), [1, 2, 3, 8, 9, 10, 11, 12, 13, 14], bins=2)
    >>> result.edges, round(result.psi, 4)
    ((5.5,), 0.1695)
    """
    if int(bins) != bins or bins < 2:
        raise DataError(
            messages.VALUE_OUT_OF_RANGE.format(
                name="bins", requirement="a whole number of at least 2", value=bins
            )
        )
    if not 0 < epsilon < 1:
        raise DataError(
            messages.VALUE_OUT_OF_RANGE.format(
                name="epsilon", requirement="between 0 and 1", value=epsilon
            )
        )
    reference_values = _clean_sample(reference, "reference")
    current_values = _clean_sample(current, "current")
    quantiles = np.quantile(reference_values, np.arange(1, bins) / bins)
    edges = np.unique(quantiles)
    # side="left": a value equal to an edge belongs to the bin below it, i.e. bins are (a, b].
    reference_bins = np.searchsorted(edges, reference_values, side="left")
    current_bins = np.searchsorted(edges, current_values, side="left")
    n_bins = edges.size + 1
    reference_shares = np.bincount(reference_bins, minlength=n_bins) / reference_values.size
    current_shares = np.bincount(current_bins, minlength=n_bins) / current_values.size
    r = np.where(reference_shares == 0, epsilon, reference_shares)
    c = np.where(current_shares == 0, epsilon, current_shares)
    value = float(np.sum((c - r) * np.log(c / r)))
    if value < PSI_MODERATE:
        verdict = messages.VERDICT_PSI_STABLE
    elif value < PSI_MAJOR:
        verdict = messages.VERDICT_PSI_MODERATE
    else:
        verdict = messages.VERDICT_PSI_MAJOR
    return PSIResult(
        psi=value,
        edges=tuple(float(edge) for edge in edges),
        reference_shares=tuple(float(share) for share in reference_shares),
        current_shares=tuple(float(share) for share in current_shares),
        epsilon=epsilon,
        reading=messages.READING_PSI.format(psi=value, verdict=verdict),
    )


def densities(samples: Sequence[np.ndarray], bins: int = DENSITY_BINS) -> Densities:
    """Each sample's density over ``bins`` equal bins shared by all of them, spanning the
    pooled values' 0.5th to 99.5th percentiles (a few outliers do not squash the curves), and
    each sample's mean over every value.

    >>> shape = densities([np.array([1.0, 2.0, 2.0, 3.0]), np.array([2.0, 3.0])], bins=2)
    >>> shape.means, shape.sizes
    ((2.0, 2.5), (4, 2))
    >>> width = shape.centres[1] - shape.centres[0]
    >>> [round(sum(density) * width, 9) for density in shape.densities]  # area 1 each
    [1.0, 1.0]
    """
    values = [_clean_sample(sample, "sample") for sample in samples]
    # The span is read from at most ~200,000 evenly spaced values: a plotting range does not
    # need the exact percentiles of ten million, which took half a second.
    step = max(1, sum(sample.size for sample in values) // 200_000)
    low, high = np.percentile(np.concatenate([sample[::step] for sample in values]), [0.5, 99.5])
    # bins and range, not an array of edges: numpy then bins by arithmetic, not by search.
    histograms = [np.histogram(sample, bins=bins, range=(low, high), density=True)
                  for sample in values]
    edges = histograms[0][1]
    return Densities(
        centres=tuple(float(centre) for centre in (edges[:-1] + edges[1:]) / 2),
        densities=tuple(tuple(float(d) for d in density) for density, _ in histograms),
        means=tuple(float(sample.mean()) for sample in values),
        sizes=tuple(int(sample.size) for sample in values),
    )


def _pooled(estimates: np.ndarray, standard_errors: np.ndarray) -> tuple[float, float]:
    # Fixed-effect (inverse-variance) pooling: days with tighter estimates count more.
    if estimates.size == 1:
        return float(estimates[0]), float(standard_errors[0])
    # combine_effects also computes heterogeneity statistics, which divide by zero when
    # every day has the same estimate; only the fixed-effect mean is used here.
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = combine_effects(estimates, standard_errors**2, use_t=False)
    return float(pooled.mean_effect_fe), float(pooled.sd_eff_w_fe)


def novelty(
    daily_lift_df: pd.DataFrame,
    early_days: int = 7,
    late_days: int = 7,
    day: str = "day",
    estimate: str = "estimate",
    se: str = "se",
    alpha: float = 0.05,
) -> NoveltyResult:
    """Compare the treatment effect in the first days with the effect in the last days.

    Expected input: one row per day with that day's effect estimate (treatment minus
    control, e.g. the ``abs_diff`` of a lift computed on that day's data only) and its
    standard error - columns ``day``, ``estimate``, ``se`` by default. The first
    ``early_days`` and the last ``late_days`` distinct days are each pooled by inverse
    variance (statsmodels ``combine_effects``, fixed effect), and the difference
    late minus early gets a two-sided z test.

    The test treats the days as independent. When the same devices report every day their
    daily estimates are correlated and the standard errors here are only approximate;
    per-day estimates from separate devices (for example by enrolment cohort) avoid that.

    >>> daily = pd.DataFrame({"day": range(1, 15),
    ...                       "estimate": [2.0] * 7 + [0.5] * 7, "se": [0.3] * 14})
    >>> result = novelty(daily)
    >>> round(result.difference, 2), result.p_value < 0.001
    (-1.5, True)
    """
    require_probability("alpha", alpha)
    for name, value in (("early_days", early_days), ("late_days", late_days)):
        if int(value) != value or value < 1:
            raise DataError(
                messages.VALUE_OUT_OF_RANGE.format(
                    name=name, requirement="a whole number of at least 1", value=value
                )
            )
    require_columns(daily_lift_df, day)
    require_numeric(daily_lift_df, estimate)
    require_numeric(daily_lift_df, se)
    frame = daily_lift_df[[day, estimate, se]].dropna().sort_values(day, kind="stable")
    if (frame[se] <= 0).any():
        raise DataError(
            messages.VALUE_OUT_OF_RANGE.format(
                name=f"column {se!r}",
                requirement="above 0 on every day",
                value=float(frame[se].min()),
            )
        )
    days = frame[day].unique()
    if days.size < early_days + late_days:
        raise DataError(
            messages.NOVELTY_TOO_FEW_DAYS.format(
                needed=early_days + late_days, early=early_days, late=late_days, got=days.size
            )
        )
    early_set, late_set = days[:early_days], days[-late_days:]
    early = frame.loc[frame[day].isin(early_set)]
    late = frame.loc[frame[day].isin(late_set)]
    early_effect, early_se = _pooled(early[estimate].to_numpy(float), early[se].to_numpy(float))
    late_effect, late_se = _pooled(late[estimate].to_numpy(float), late[se].to_numpy(float))
    difference = late_effect - early_effect
    difference_se = math.hypot(early_se, late_se)
    z_crit = float(stats.norm.isf(alpha / 2))
    p_value = float(2 * stats.norm.sf(abs(difference) / difference_se))
    if p_value >= alpha:
        verdict = messages.VERDICT_NOVELTY_STABLE
    elif abs(late_effect) < abs(early_effect):
        verdict = messages.VERDICT_NOVELTY_FADES
    else:
        verdict = messages.VERDICT_NOVELTY_GROWS
    return NoveltyResult(
        early_effect=early_effect,
        early_se=early_se,
        late_effect=late_effect,
        late_se=late_se,
        difference=difference,
        difference_ci=(difference - z_crit * difference_se, difference + z_crit * difference_se),
        p_value=p_value,
        early_days=tuple(to_plain(d) for d in early_set),
        late_days=tuple(to_plain(d) for d in late_set),
        alpha=alpha,
        reading=messages.READING_NOVELTY.format(
            early=early_effect,
            late=late_effect,
            diff=difference,
            p=format_p(p_value),
            verdict=verdict,
        ),
    )
