"""Two arms compared: the difference and the relative lift, with intervals and p-values, from
each arm's mean and the variance of that mean.

The variance of a mean is ``s² / n`` for independent units, or cluster-robust when whole
clusters (households) were randomised together: the CR1 sandwich, whose value for a mean is
``c · Σ_g (Σ_{i∈g} (y_i - ȳ))² / n²`` with statsmodels' small-sample factor
``c = G/(G-1) · (N-1)/(N-K)``, and t intervals on ``G - 1`` degrees of freedom (Cameron &
Miller, "A Practitioner's Guide to Cluster-Robust Inference", J. Human Resources 2015). With
clusters nested in arms, the arms are independent, so the variances add.

The relative lift ``t / c - 1`` gets its interval and p-value from the delta method, as in
GrowthBook's gbstats: ``Var(t/c) ≈ Var(t)/c² + t² Var(c)/c⁴`` (Deng, Knoblich & Lu, "Applying
the Delta Method in Metric Analytics", KDD 2018), so a relative interval never contradicts its
own p-value.

>>> import numpy as np
>>> rng = np.random.default_rng(3)
>>> compare = independent_means(rng.normal(10, 2, 400), rng.normal(10.5, 2, 400))
>>> round(compare.difference, 3), compare.test
(0.506, 'Welch t-test')
>>> low, high = compare.relative_interval(0.05)
>>> bool(low < compare.relative < high), compare.relative_p_value() < 0.05
(True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from sim import messages
from sim.errors import DataError


@dataclass(frozen=True)
class ArmComparison:
    """Treatment against control from each arm's mean and the variance of that mean.

    ``df`` is the degrees of freedom of the t reference distribution (``math.inf``: normal);
    ``test`` names the test the p-values belong to.
    """

    control_mean: float
    treatment_mean: float
    var_control: float
    var_treatment: float
    n_control: int
    n_treatment: int
    df: float
    test: str

    @property
    def difference(self) -> float:
        """Treatment mean minus control mean."""
        return self.treatment_mean - self.control_mean

    @property
    def se(self) -> float:
        """Standard error of the difference (the arms are independent)."""
        return math.sqrt(self.var_control + self.var_treatment)

    def critical(self, alpha: float, sides: int = 2) -> float:
        """The reference distribution's critical value for a ``sides``-sided level ``alpha``."""
        tail = alpha / sides
        return float(-special.ndtri(tail) if math.isinf(self.df)
                     else -special.stdtrit(self.df, tail))

    def interval(self, alpha: float = 0.05) -> tuple[float, float]:
        """Two-sided ``1 - alpha`` interval of the difference."""
        half = self.critical(alpha) * self.se
        return self.difference - half, self.difference + half

    def p_value(self, null: float = 0.0, alternative: str = "two-sided") -> float:
        """p-value of the difference against ``null`` (``"larger"``: difference > null)."""
        return self._p(self.difference - null, self.se, alternative)

    @property
    def relative(self) -> float:
        """``treatment / control - 1`` (NaN when the control mean is zero)."""
        if self.control_mean == 0 or not math.isfinite(self.control_mean):
            return math.nan
        return self.treatment_mean / self.control_mean - 1

    @property
    def relative_se(self) -> float:
        """Delta-method standard error of :attr:`relative` (NaN when it is undefined)."""
        c = self.control_mean
        if c == 0 or not math.isfinite(c):
            return math.nan
        ratio = self.treatment_mean / c
        # Each term divided by c twice in turn, so large values cannot overflow.
        variance = self.var_treatment / c / c + ratio**2 * (self.var_control / c / c)
        return math.sqrt(max(variance, 0.0))

    def relative_interval(self, alpha: float = 0.05) -> tuple[float, float]:
        """Two-sided ``1 - alpha`` delta-method interval of the relative lift."""
        half = self.critical(alpha) * self.relative_se
        return self.relative - half, self.relative + half

    def relative_p_value(self, null: float = 0.0, alternative: str = "two-sided") -> float:
        """p-value of the relative lift against ``null`` by the delta method."""
        return self._p(self.relative - null, self.relative_se, alternative)

    def _p(self, distance: float, se: float, alternative: str) -> float:
        if not math.isfinite(distance) or not math.isfinite(se):
            return math.nan
        if se == 0:
            # No variance at all: any difference is certain, none is no evidence.
            if alternative == "two-sided":
                return float(distance == 0)
            return 0.0 if (distance > 0) == (alternative == "larger") and distance != 0 else 1.0
        z = distance / se
        if alternative == "larger":
            return self._cdf(-z)
        if alternative == "smaller":
            return self._cdf(z)
        return 2 * self._cdf(-abs(z))

    def _cdf(self, z: float) -> float:
        # scipy.special's normal and Student t CDFs: what scipy.stats.norm and t compute, without
        # building a distribution object on every call (a readout makes thousands of them).
        return float(special.ndtr(z) if math.isinf(self.df) else special.stdtr(self.df, z))


def independent_means(control: np.ndarray, treatment: np.ndarray) -> ArmComparison:
    """Means of independent units: ``s²/n`` per arm, Welch–Satterthwaite degrees of freedom.

    >>> round(independent_means(np.array([10., 12, 11, 13]), np.array([14., 15, 13, 16])).df, 3)
    6.0
    """
    n_c, n_t = control.size, treatment.size
    var_c = float(control.var(ddof=1)) / n_c
    var_t = float(treatment.var(ddof=1)) / n_t
    total = var_c + var_t
    if total > 0:  # Welch-Satterthwaite, on each arm's share of the variance (no overflow)
        share_c, share_t = var_c / total, var_t / total
        df = 1.0 / (share_c**2 / (n_c - 1) + share_t**2 / (n_t - 1))
    else:
        df = math.inf
    return ArmComparison(float(control.mean()), float(treatment.mean()), var_c, var_t, n_c, n_t,
                         float(df), "Welch t-test")


def independent_proportions(control: np.ndarray, treatment: np.ndarray) -> ArmComparison:
    """Proportions of independent units: ``p(1-p)/n`` per arm (the unpooled Wald z-test).

    >>> independent_proportions(np.array([0, 1, 1, 0]), np.array([1, 1, 1, 0])).difference
    0.25
    """
    n_c, n_t = control.size, treatment.size
    p_c, p_t = float(control.mean()), float(treatment.mean())
    return ArmComparison(p_c, p_t, p_c * (1 - p_c) / n_c, p_t * (1 - p_t) / n_t, n_c, n_t,
                         math.inf, "Wald z-test")


def clustered_means(values: np.ndarray, treated: np.ndarray,
                    clusters: np.ndarray) -> ArmComparison:
    """Means with cluster-robust (CR1) variances, clusters nested in arms, t on ``G - 1``
    degrees of freedom: the same numbers as statsmodels' ``OLS(y, [1, treated])`` with
    ``cov_type="cluster"`` (the test suite compares them).

    >>> y = np.array([1., 2, 3, 4, 5, 6, 7, 8]); arm = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    >>> c = clustered_means(y, arm, np.array([0, 0, 1, 1, 2, 2, 3, 3]))
    >>> c.difference, c.df, c.test
    (4.0, 3.0, 'cluster-robust t-test (3 df)')
    """
    codes = pd.factorize(clusters)[0]
    groups = int(codes.max()) + 1 if codes.size else 0
    if groups < 2:
        raise DataError(messages.CLUSTERS_TOO_FEW.format(count=groups))
    n = values.size
    factor = groups / (groups - 1) * (n - 1) / (n - 2)
    means, variances, counts = [], [], []
    for arm in (0.0, 1.0):
        rows = treated == arm
        arm_values = values[rows]
        mean = float(arm_values.mean())
        sums = np.bincount(codes[rows], weights=arm_values - mean, minlength=groups)
        means.append(mean)
        variances.append(factor * float(np.sum(sums**2)) / arm_values.size**2)
        counts.append(int(arm_values.size))
    return ArmComparison(means[0], means[1], variances[0], variances[1], counts[0], counts[1],
                         float(groups - 1), f"cluster-robust t-test ({groups - 1} df)")


def clustered_ratios(numerator: np.ndarray, denominator: np.ndarray, treated: np.ndarray,
                     clusters: np.ndarray) -> ArmComparison:
    """Ratios of sums ``Σx / Σy`` per arm with cluster-robust (CR1) variances, clusters nested
    in arms: the linearised residuals ``x_i - R y_i`` summed within each cluster, over
    ``(Σy)²`` - statsmodels' ``WLS(x / y, [1, treated], weights=y)`` with
    ``cov_type="cluster"`` gives the same numbers (the test suite compares them).

    >>> x = np.array([2., 1, 3, 1, 0, 2, 1, 1]); y = np.array([10., 5, 15, 10, 5, 15, 5, 5])
    >>> c = clustered_ratios(x, y, np.array([0, 0, 0, 0, 1, 1, 1, 1]),
    ...                      np.array([0, 0, 1, 1, 2, 2, 3, 3]))
    >>> round(c.control_mean, 3), round(c.treatment_mean, 3), c.df
    (0.175, 0.133, 3.0)
    """
    codes = pd.factorize(clusters)[0]
    groups = int(codes.max()) + 1 if codes.size else 0
    if groups < 2:
        raise DataError(messages.CLUSTERS_TOO_FEW.format(count=groups))
    n = numerator.size
    factor = groups / (groups - 1) * (n - 1) / (n - 2)
    ratios, variances, counts = [], [], []
    for arm in (0.0, 1.0):
        rows = treated == arm
        x, y = numerator[rows], denominator[rows]
        ratio = float(x.sum() / y.sum())
        sums = np.bincount(codes[rows], weights=x - ratio * y, minlength=groups)
        ratios.append(ratio)
        variances.append(factor * float(np.sum((sums / y.sum()) ** 2)))
        counts.append(int(rows.sum()))
    return ArmComparison(ratios[0], ratios[1], variances[0], variances[1], counts[0], counts[1],
                         float(groups - 1), f"cluster-robust t-test ({groups - 1} df)")


def clustered_mean_covariance(columns: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """Cluster-robust (CR1) covariance matrix of the column means of ``columns`` (``n x p``):
    each cluster's summed deviations, their outer products added up, over ``n²``.

    >>> x = np.array([[1., 0], [3, 1], [2, 1], [6, 0]])
    >>> clustered_mean_covariance(x, np.array([0, 0, 1, 1])).round(3).tolist()
    [[1.0, 0.0], [0.0, 0.0]]
    """
    codes = pd.factorize(clusters)[0]
    groups = int(codes.max()) + 1 if codes.size else 0
    if groups < 2:
        raise DataError(messages.CLUSTERS_TOO_FEW.format(count=groups))
    n = columns.shape[0]
    deviations = columns - columns.mean(axis=0)
    sums = np.stack([np.bincount(codes, weights=deviations[:, j], minlength=groups)
                     for j in range(columns.shape[1])], axis=1)
    return groups / (groups - 1) * (sums.T @ sums) / n**2

