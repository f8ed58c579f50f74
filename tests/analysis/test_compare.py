"""Two-arm comparisons, checked against independent implementations: statsmodels' cluster-
robust OLS (the reference for the CR1 variance, Cameron & Miller 2015), scipy's Welch test,
and the delta method written out."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from sim.analysis.compare import (
    ArmComparison,
    clustered_means,
    clustered_ratios,
    independent_means,
    independent_proportions,
)
from sim.errors import DataError


def _households(rng, homes: int, icc: float):
    """Devices in households, whole households in one arm, engagement correlated at ``icc``."""
    size = rng.integers(1, 5, homes)
    home = np.repeat(np.arange(homes), size)
    arm = np.repeat(rng.integers(0, 2, homes), size).astype(float)
    shared = np.repeat(rng.normal(0, 1, homes), size)
    y = 10 + 2 * (math.sqrt(icc) * shared + math.sqrt(1 - icc) * rng.normal(0, 1, home.size))
    return y, arm, home


def test_the_clustered_difference_is_statsmodels_cluster_robust_ols():
    y, arm, home = _households(np.random.default_rng(4), 300, 0.3)
    ours = clustered_means(y, arm, home)
    fit = sm.OLS(y, sm.add_constant(arm)).fit(cov_type="cluster", cov_kwds={"groups": home},
                                              use_t=True)
    assert ours.difference == pytest.approx(fit.params[1], rel=1e-12)
    assert ours.se == pytest.approx(fit.bse[1], rel=1e-10)
    assert ours.var_control == pytest.approx(fit.cov_params()[0, 0], rel=1e-10)
    assert ours.df == 299  # G - 1
    assert ours.p_value() == pytest.approx(fit.pvalues[1], rel=1e-8)
    low, high = fit.conf_int(0.05)[1]
    assert ours.interval(0.05) == pytest.approx((low, high), rel=1e-9)


def test_clustering_widens_the_interval_when_households_are_alike():
    y, arm, home = _households(np.random.default_rng(5), 400, 0.3)
    clustered, naive = clustered_means(y, arm, home), independent_means(y[arm == 0], y[arm == 1])
    assert clustered.se > 1.1 * naive.se


def test_welch_degrees_of_freedom_and_p_value_are_scipys():
    rng = np.random.default_rng(6)
    control, treatment = rng.normal(10, 2, 80), rng.normal(11, 4, 40)
    ours = independent_means(control, treatment)
    reference = stats.ttest_ind(treatment, control, equal_var=False)
    assert ours.df == pytest.approx(reference.df, rel=1e-12)
    assert ours.p_value() == pytest.approx(reference.pvalue, rel=1e-10)


def test_the_relative_lift_by_the_delta_method_written_out():
    ours = ArmComparison(20.0, 21.0, 0.04, 0.09, 1000, 1000, math.inf, "z")
    se = math.sqrt(0.09 / 20**2 + 21**2 * 0.04 / 20**4)
    assert ours.relative == pytest.approx(0.05)
    assert ours.relative_se == pytest.approx(se)
    assert ours.relative_interval(0.05) == pytest.approx((0.05 - 1.959964 * se,
                                                         0.05 + 1.959964 * se), rel=1e-6)
    assert ours.relative_p_value() == pytest.approx(2 * stats.norm.sf(0.05 / se))
    assert math.isnan(ArmComparison(0.0, 1.0, 0.1, 0.1, 9, 9, math.inf, "z").relative_p_value())


def test_one_sided_p_values_and_degenerate_variances():
    ours = ArmComparison(1.0, 1.2, 0.01, 0.01, 100, 100, math.inf, "z")
    assert ours.p_value(alternative="larger") == pytest.approx(stats.norm.sf(0.2 / ours.se))
    assert ours.p_value(alternative="smaller") == pytest.approx(stats.norm.cdf(0.2 / ours.se))
    flat = ArmComparison(1.0, 1.0, 0.0, 0.0, 5, 5, math.inf, "z")
    assert flat.p_value() == 1.0 and ArmComparison(1.0, 2.0, 0, 0, 5, 5, math.inf, "z").p_value() == 0.0
    assert independent_proportions(np.array([0, 0, 1, 1]), np.array([1, 1, 1, 0])).df == math.inf


def test_a_single_cluster_is_one_line():
    with pytest.raises(DataError, match="at least two clusters"):
        clustered_means(np.ones(4), np.array([0., 0, 1, 1]), np.zeros(4))


def test_clustered_ratios_are_statsmodels_cluster_robust_wls():
    # A ratio of sums is the WLS intercept of x / y with weights y, so statsmodels' clustered
    # WLS is an independent route to the same CR1 variance (Cameron & Miller 2015, sec. II).
    rng = np.random.default_rng(8)
    y_days, arm, home = _households(rng, 250, 0.3)
    days = np.round(np.clip(y_days, 1, None))
    crashes = rng.poisson(0.05 * days * np.exp(0.3 * (arm - 0.5)))
    ours = clustered_ratios(crashes.astype(float), days, arm, home)
    fit = sm.WLS(crashes / days, sm.add_constant(arm), weights=days).fit(
        cov_type="cluster", cov_kwds={"groups": home}, use_t=True)
    assert ours.difference == pytest.approx(fit.params[1], rel=1e-10)
    assert ours.se == pytest.approx(fit.bse[1], rel=1e-9)
    assert ours.var_control == pytest.approx(fit.cov_params()[0, 0], rel=1e-9)
    assert ours.p_value() == pytest.approx(fit.pvalues[1], rel=1e-7)
