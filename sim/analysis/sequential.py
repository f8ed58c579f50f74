"""Sequential monitoring: look at the experiment every day without fooling yourself.

A fixed-horizon 95% interval checked every day will, sooner or later, exclude zero by chance:
with 28 daily looks at a null effect the false-alarm rate is several times 5%. This module
spends the error rate over the looks instead, as a group-sequential design does:

* **Alpha spending** (Lan & DeMets, "Discrete sequential boundaries for clinical trials",
  Biometrika 70, 1983) with the O'Brien-Fleming-type function
  ``α(t) = 2 - 2 Φ(z_{α/2} / √t)``: almost nothing is spent on the first looks, and the last
  look is nearly the fixed-horizon test. ``t`` is the spending time of a look, fixed before
  the data are seen: the share of the planned information (for devices that enrol over time)
  or of the planned calendar time (for a fleet whose devices all report from day 0 and whose
  totals grow; Lan & DeMets, "Group sequential procedures: calendar versus information
  time", Statistics in Medicine 8, 1989).
* **Boundaries from the looks' own correlation.** A fleet's looks re-read the same devices'
  growing totals, so their statistics are not the independent increments of the textbook
  Brownian motion. Each look's estimate is a sum of per-device (or per-household) influence
  terms, so the covariance of the looks' estimates is the cross-product of those terms over
  units - cluster-robust when households were randomised. The boundary ``c_k`` at look ``k``
  makes the chance of first crossing there, under no effect and that correlation, equal to
  the spending increment; it is found by Monte Carlo over paths of the looks' multivariate
  normal law (no maintained Python library computes spending boundaries for an arbitrary
  correlation; R's gsDesign and ldbounds assume independent increments). Where an increment
  is too small for the paths to resolve, ``c_k`` is the marginal critical value of that
  increment, which can only spend less (Bonferroni).
* **Repeated confidence intervals** ``estimate_k ± c_k · se_k`` (Jennison & Turnbull,
  "Group Sequential Methods with Applications to Clinical Trials", 2000, ch. 9) cover the
  truth at every look at once with probability at least ``1 - alpha``; stopping the first
  time one excludes zero keeps the false-alarm rate at ``alpha`` however often one looks.

>>> rng = np.random.default_rng(3)
>>> frame = pd.DataFrame({"day": np.repeat(np.arange(1, 11), 200),
...                       "arm": np.tile(["control", "treatment"], 1000),
...                       "minutes": rng.normal(30, 5, 2000)})
>>> result = group_sequential(frame, "minutes")
>>> len(result.looks), result.excludes_zero
(10, False)
>>> last = result.looks[-1]
>>> last.high - last.low > last.fixed_high - last.fixed_low
True
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse, stats

from sim import messages
from sim.analysis.frame import (
    AnalysisResult,
    require_arm_counts,
    require_columns,
    require_numeric,
    require_probability,
    resolve_arms,
    to_plain,
    treatment_indicator,
)
from sim.errors import DataError

# Monte Carlo draws for the boundaries (paths x looks, about 12 MB of float32), and at least
# this many paths: with 28 looks the spent alpha is within about 0.0007 of the plan. The
# stream is fixed, so the same looks always get the same boundaries.
BOUNDARY_DRAWS = 3_000_000
MIN_BOUNDARY_PATHS = 20_000
_BOUNDARY_SEED = 20_240_601
# Below this many paths crossing at a look the increment is taken as its marginal quantile.
_RESOLVABLE_PATHS = 40
METHOD = "group-sequential, O'Brien-Fleming-type alpha spending (Lan-DeMets)"


@dataclass(frozen=True)
class SequentialLook(AnalysisResult):
    """The comparison at one look.

    ``low``/``high`` is the repeated confidence interval (valid at every look at once) from
    the look's ``boundary``; ``fixed_low``/``fixed_high`` is the ordinary fixed-horizon
    interval, shown for contrast (valid only at one look planned in advance).
    ``spending_time`` is the look's share of the plan, ``spent`` the alpha spent up to it.
    """

    look: Any
    n_control: int
    n_treatment: int
    estimate: float
    se: float
    boundary: float
    spending_time: float
    spent: float
    low: float
    high: float
    fixed_low: float
    fixed_high: float


@dataclass(frozen=True)
class SequentialResult(AnalysisResult):
    """Repeated confidence intervals for treatment minus control over all looks."""

    metric: str
    alpha: float
    method: str
    looks: tuple[SequentialLook, ...]
    excludes_zero: bool
    first_exclusion_look: Any
    fixed_exclusions: int
    reading: str


def obrien_fleming_spending(t: np.ndarray | float, alpha: float) -> np.ndarray:
    """Alpha spent by spending time ``t`` (0 < t <= 1), O'Brien-Fleming type (Lan & DeMets
    1983): ``2 - 2 Φ(z_{α/2} / √t)``, all of ``alpha`` at ``t = 1``.

    >>> [round(float(v), 5) for v in obrien_fleming_spending(np.array([0.25, 0.5, 1.0]), 0.05)]
    [9e-05, 0.00557, 0.05]
    """
    t = np.asarray(t, dtype=float)
    z = stats.norm.isf(alpha / 2)
    with np.errstate(divide="ignore"):
        return np.where(t > 0, 2 * stats.norm.sf(z / np.sqrt(np.maximum(t, 1e-300))), 0.0)


def spending_boundaries(
    spending_times: np.ndarray,
    alpha: float,
    correlation: np.ndarray | None = None,
    paths: int | None = None,
) -> np.ndarray:
    """Two-sided critical values ``c_k`` of the looks (see the module).

    ``correlation`` is the looks' correlation matrix; ``None`` means independent increments
    in spending time (the canonical Brownian motion, ``corr = √(t_j / t_k)``), simulated one
    look at a time so that memory does not grow with the number of looks.

    >>> c = spending_boundaries(np.array([0.5, 1.0]), 0.05)
    >>> [round(float(v), 2) for v in c]
    [2.77, 1.98]
    """
    times = np.asarray(spending_times, dtype=float)
    spent = obrien_fleming_spending(times, alpha)
    increments = np.diff(spent, prepend=0.0)
    rng = np.random.default_rng(np.random.SeedSequence(_BOUNDARY_SEED))
    looks = times.size
    paths = paths or max(BOUNDARY_DRAWS // looks, MIN_BOUNDARY_PATHS)
    boundaries = np.empty(looks)
    alive = np.ones(paths, dtype=bool)
    if correlation is None:
        walk = np.zeros(paths)
        previous = 0.0
        factor = None
    else:
        factor = _cholesky(correlation).astype(np.float32)
        normals = _path_normals(paths, looks)
    for k in range(looks):
        if factor is None:
            walk += rng.standard_normal(paths) * math.sqrt(max(times[k] - previous, 0.0))
            previous = times[k]
            statistic = np.abs(walk) / math.sqrt(times[k])
        else:
            # Row k of the Cholesky factor times the draws, summed in a fixed order by hand:
            # BLAS may sum a product in an order that depends on where its arrays sit in
            # memory, and a boundary must come out the same in every process.
            statistic = factor[k, 0] * normals[0]
            for j in range(1, k + 1):
                statistic += factor[k, j] * normals[j]
            np.abs(statistic, out=statistic)
        crossing = int(round(increments[k] * paths))
        if crossing < _RESOLVABLE_PATHS or alive.all():
            # Nothing has crossed yet: the marginal quantile is exact, no Monte Carlo needed.
            boundaries[k] = stats.norm.isf(max(increments[k], 1e-300) / 2)
        else:
            candidates = statistic[alive]
            # The crossing-th largest statistic among paths that have not yet crossed.
            boundaries[k] = float(np.partition(candidates, candidates.size - crossing)
                                  [candidates.size - crossing]) if crossing < candidates.size \
                else 0.0
        alive &= statistic < boundaries[k]
    return boundaries


@functools.lru_cache(maxsize=4)
def _path_normals(paths: int, looks: int) -> np.ndarray:
    """The boundaries' standard normal draws, one row per look (read-only).

    The draws come from a fixed seed, so every call with the same number of paths and looks
    draws the same ones: drawing them once per process (a few 12 MB arrays at most) instead
    of for every readout makes a boundary about twice as quick - most of a day-by-day
    sequential reading's time, in the app and in each replication of the peeking demo.
    """
    rng = np.random.default_rng(np.random.SeedSequence(_BOUNDARY_SEED))
    draws = np.ascontiguousarray(rng.standard_normal((paths, looks), dtype=np.float32).T)
    draws.flags.writeable = False
    return draws


def _cholesky(correlation: np.ndarray) -> np.ndarray:
    # Estimated correlations can be a hair off positive definite; a tiny ridge fixes it.
    ridge = 0.0
    eye = np.eye(correlation.shape[0])
    while True:
        try:
            return np.linalg.cholesky((correlation + ridge * eye) / (1 + ridge))
        except np.linalg.LinAlgError:
            ridge = max(ridge * 10, 1e-10)


def repeated_intervals(
    values: np.ndarray,
    included: np.ndarray,
    treated: np.ndarray,
    alpha: float,
    spending_times: np.ndarray,
    clusters: np.ndarray | None = None,
    labels: list[Any] | None = None,
    metric: str = "metric",
) -> SequentialResult:
    """Repeated confidence intervals for the difference in means at each of ``K`` looks.

    ``values`` is ``n x K`` (each unit's value as of each look, e.g. its total so far),
    ``included`` says which units each look analyses (those seen by then), ``treated`` is
    each unit's arm and ``clusters`` its randomised cluster (households), if any. Looks where
    an arm has fewer than two units, or no variance, are skipped.

    >>> rng = np.random.default_rng(0)
    >>> daily = rng.poisson(5, (400, 7)).astype(float)
    >>> result = repeated_intervals(daily.cumsum(axis=1), np.ones((400, 7), dtype=bool),
    ...                             np.arange(400) % 2 == 1, 0.05, np.arange(1, 8) / 7)
    >>> len(result.looks), result.excludes_zero
    (7, False)
    """
    require_probability("alpha", alpha)
    treated = np.asarray(treated, dtype=bool)
    values = np.asarray(values, dtype=float)
    weight = np.asarray(included, dtype=float)
    # Every look at once: per arm, the included units' deviations from the arm's mean at that
    # look over the arm's size - each unit's influence on the difference in means.
    influence = np.zeros_like(values)
    sizes, means = {}, {}
    for arm, sign in ((False, -1.0), (True, 1.0)):
        rows = treated == arm
        sizes[arm] = weight[rows].sum(axis=0)
        means[arm] = (values[rows] * weight[rows]).sum(axis=0) / np.maximum(sizes[arm], 1)
        deviation = (values[rows] - means[arm]) * weight[rows]
        if clusters is None:
            # Welch's s²/n per arm: squared deviations over n (n - 1).
            scale = 1 / np.sqrt(np.maximum(sizes[arm], 2) * np.maximum(sizes[arm] - 1, 1))
        else:
            scale = 1 / np.maximum(sizes[arm], 1)
        influence[rows] = sign * deviation * scale
    usable = (sizes[False] >= 2) & (sizes[True] >= 2)
    if clusters is not None:
        codes = pd.factorize(clusters)[0]
        groups = codes.max() + 1
        # Sum each cluster's influence (a sparse cluster-by-unit indicator matrix).
        membership = sparse.csr_matrix((np.ones(codes.size), (codes, np.arange(codes.size))),
                                       shape=(groups, codes.size))
        present = np.asarray((membership @ weight) > 0).sum(axis=0)
        total = weight.sum(axis=0)
        factor = present / np.maximum(present - 1, 1) * (total - 1) / np.maximum(total - 2, 1)
        influence = np.asarray(membership @ influence) * np.sqrt(factor)
        usable &= present >= 2
    variances = np.einsum("ij,ij->j", influence, influence)
    keep = np.flatnonzero(usable & (variances > 0)).tolist()
    if not keep:
        raise DataError(messages.SEQUENTIAL_NO_LOOKS)
    matrix = influence[:, keep]
    covariance = matrix.T @ matrix
    sd = np.sqrt(np.diag(covariance))
    correlation = covariance / np.outer(sd, sd)
    estimates = (means[True] - means[False])[keep]
    variances = variances[keep]
    counts = [(int(sizes[False][k]), int(sizes[True][k])) for k in keep]
    times = np.asarray(spending_times, dtype=float)[keep]
    boundaries = spending_boundaries(times, alpha, correlation)
    spent = obrien_fleming_spending(times, alpha)
    z = float(stats.norm.isf(alpha / 2))
    result_looks = []
    for index, k in enumerate(keep):
        se = math.sqrt(variances[index])
        estimate, boundary = estimates[index], float(boundaries[index])
        result_looks.append(SequentialLook(
            look=to_plain(labels[k]) if labels is not None else k,
            n_control=counts[index][0], n_treatment=counts[index][1],
            estimate=float(estimate), se=se, boundary=boundary,
            spending_time=float(times[index]), spent=float(spent[index]),
            low=float(estimate - boundary * se), high=float(estimate + boundary * se),
            fixed_low=float(estimate - z * se), fixed_high=float(estimate + z * se),
        ))
    return _result(metric, alpha, tuple(result_looks))


def _result(metric: str, alpha: float, looks: tuple[SequentialLook, ...]) -> SequentialResult:
    first = next((look.look for look in looks if look.low > 0 or look.high < 0), None)
    fixed = sum(look.fixed_low > 0 or look.fixed_high < 0 for look in looks)
    if first is None:
        reading = messages.READING_SEQUENTIAL_NO.format(level=1 - alpha, looks=len(looks),
                                                        fixed=fixed)
    else:
        reading = messages.READING_SEQUENTIAL_YES.format(level=1 - alpha, look=first,
                                                         looks=len(looks), fixed=fixed)
    return SequentialResult(metric=metric, alpha=alpha, method=METHOD, looks=looks,
                            excludes_zero=first is not None, first_exclusion_look=first,
                            fixed_exclusions=fixed, reading=reading)


def group_sequential(
    df: pd.DataFrame,
    metric: str,
    look_col: str = "day",
    arm_col: str = "arm",
    control: Any = None,
    alpha: float = 0.05,
    planned_n: float | None = None,
    cluster: str | None = None,
) -> SequentialResult:
    """Repeated confidence intervals for the difference in means as devices enrol.

    Each row is one device with its metric and the look (e.g. the day it enrolled or its
    data became final) from which it counts; look ``k`` uses every row with a look value up
    to ``k``. The spending time of a look is its share of ``planned_n``, the planned number
    of devices over both arms at the end (default: the number in the table, right when
    enrolment does not depend on the results).
    """
    require_probability("alpha", alpha)
    arms = resolve_arms(df, arm_col, control)
    require_numeric(df, metric)
    require_columns(df, look_col, cluster)
    indicator = treatment_indicator(df, arms)
    values = df[metric].to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(values) & ~np.isnan(indicator) & df[look_col].notna().to_numpy()
    if cluster is not None:
        keep &= df[cluster].notna().to_numpy()
    if not keep.any():
        raise DataError(messages.COLUMN_ALL_MISSING.format(column=metric))
    looks_of = df[look_col].to_numpy()[keep]
    labels = sorted(pd.unique(looks_of), key=lambda value: (str(type(value)), value))
    position = {label: index for index, label in enumerate(labels)}
    entered = np.array([position[value] for value in looks_of])
    treated = indicator[keep] == 1
    require_arm_counts(metric, int((~treated).sum()), int(treated.sum()), arms, 2)
    included = entered[:, None] <= np.arange(len(labels))[None, :]
    total = float(keep.sum()) if planned_n is None else planned_n
    if not total > 0:
        raise DataError(messages.VALUE_OUT_OF_RANGE.format(
            name="planned_n", requirement="above 0", value=planned_n))
    times = np.minimum(included.sum(axis=0) / total, 1.0)
    if planned_n is None:
        times[-1] = 1.0
    value_matrix = np.repeat(values[keep][:, None], len(labels), axis=1)
    clusters = None if cluster is None else df[cluster].to_numpy()[keep]
    return repeated_intervals(value_matrix, included, treated, alpha, times, clusters,
                              labels, metric)
