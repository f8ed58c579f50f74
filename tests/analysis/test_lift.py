"""Tests for sim.analysis.lift against independent computations.

References: the Wald and Katz formulas written out below (Agresti, "Categorical Data
Analysis", 3rd ed., sections 2.2 and 3.1), scipy's own Welch t test, and statsmodels WLS
for the ratio metric (a different estimator that must agree with the delta method).
"""

import doctest
import json
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.analysis import lift
from sim.analysis.lift import (
    mean_lift,
    metric_lift,
    proportion_lift,
    ratio_metric_lift,
    relative_ci_delta,
)
from sim.errors import DataError
from tests.analysis.binary_frames import binary_frame

Z_975 = 1.959963984540054  # standard normal 97.5 % quantile


def test_docstring_examples_run():
    assert doctest.testmod(lift).failed == 0


def test_proportion_lift_matches_hand_wald_and_delta_formulas():
    result = proportion_lift(binary_frame(300, 1000, 360, 1000), "converted")
    p_c, p_t = 0.30, 0.36
    # Wald interval for p_t - p_c with unpooled variance, written out.
    se = math.sqrt(p_t * (1 - p_t) / 1000 + p_c * (1 - p_c) / 1000)
    assert result.abs_diff == pytest.approx(0.06)
    assert result.abs_ci == pytest.approx((0.06 - Z_975 * se, 0.06 + Z_975 * se), rel=1e-9)
    assert result.p_value == pytest.approx(2 * stats.norm.sf(0.06 / se), rel=1e-9)
    # The relative lift by the delta method, as GrowthBook's gbstats computes it
    # (docs.growthbook.io, "Statistical details: relative effects"; Deng, Knoblich & Lu,
    # KDD 2018): var(p_t/p_c) = var_t / p_c^2 + p_t^2 var_c / p_c^4, written out here.
    var_t, var_c = p_t * (1 - p_t) / 1000, p_c * (1 - p_c) / 1000
    se_rel = math.sqrt(var_t / p_c**2 + p_t**2 * var_c / p_c**4)
    assert result.rel_lift == pytest.approx(0.2)
    assert result.rel_ci == pytest.approx((0.2 - Z_975 * se_rel, 0.2 + Z_975 * se_rel), rel=1e-9)
    assert result.rel_p_value == pytest.approx(2 * stats.norm.sf(0.2 / se_rel), rel=1e-9)
    assert (result.n_control, result.n_treatment) == (1000, 1000)
    assert result.significant and result.test == "Wald z-test"
    assert "clear difference" in result.reading


def test_a_relative_interval_never_contradicts_its_own_p_value():
    # The reading no longer puts a p < 0.05 next to a relative CI that contains 0.
    for x_t in range(300, 380, 4):
        result = proportion_lift(binary_frame(300, 1000, x_t, 1000), "converted")
        low, high = result.rel_ci
        assert (result.rel_p_value < 0.05) == (low > 0 or high < 0)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 199), st.integers(1, 199))
def test_proportion_interval_always_contains_the_estimate(x_control, x_treatment):
    result = proportion_lift(binary_frame(x_control, 200, x_treatment, 200), "converted")
    assert result.abs_ci[0] <= result.abs_diff <= result.abs_ci[1]
    assert 0 <= result.p_value <= 1


def test_proportion_lift_edge_cases_stay_finite_or_nan():
    all_zero = proportion_lift(binary_frame(0, 50, 0, 50), "converted")
    assert all_zero.p_value == 1.0 and all_zero.abs_diff == 0.0
    assert math.isnan(all_zero.rel_lift)
    json.dumps(all_zero.to_dict(), allow_nan=False)  # NaN becomes null
    with pytest.raises(DataError, match="not binary"):
        proportion_lift(pd.DataFrame({"arm": ["control", "treatment"], "x": [0, 2]}), "x")


def test_mean_lift_matches_scipy_welch():
    rng = np.random.default_rng(11)
    control = rng.normal(10, 2, 300)
    treatment = rng.normal(10.4, 3, 200)
    frame = pd.DataFrame(
        {"arm": ["control"] * 300 + ["treatment"] * 200, "minutes": np.r_[control, treatment]}
    )
    result = mean_lift(frame, "minutes")
    reference = stats.ttest_ind(treatment, control, equal_var=False)
    interval = reference.confidence_interval(0.95)
    assert result.abs_diff == pytest.approx(treatment.mean() - control.mean(), rel=1e-12)
    assert result.abs_ci == pytest.approx((interval.low, interval.high), rel=1e-9)
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    # Delta method for t / c written out: var = v_t / c^2 + t^2 v_c / c^4.
    v_c = control.var(ddof=1) / 300
    v_t = treatment.var(ddof=1) / 200
    c, t = control.mean(), treatment.mean()
    se_rel = math.sqrt(v_t / c**2 + t**2 * v_c / c**4)
    # On the Welch-Satterthwaite degrees of freedom, like the difference itself.
    welch_df = (v_c + v_t) ** 2 / (v_c**2 / 299 + v_t**2 / 199)
    t_975 = stats.t.isf(0.025, welch_df)
    assert result.rel_lift == pytest.approx(t / c - 1)
    assert result.rel_ci == pytest.approx((t / c - 1 - t_975 * se_rel, t / c - 1 + t_975 * se_rel))
    assert result.rel_p_value == pytest.approx(2 * stats.t.sf(abs(t / c - 1) / se_rel, welch_df))
    assert "Welch t-test" in result.reading and "by the delta method" in result.reading


def test_mean_lift_other_alpha_and_nan_rows():
    frame = pd.DataFrame(
        {
            "arm": ["control"] * 5 + ["treatment"] * 5,
            "x": [1.0, 2.0, 3.0, np.nan, 4.0, 2.0, 3.0, 5.0, 6.0, np.nan],
        }
    )
    result = mean_lift(frame, "x", alpha=0.1)
    reference = stats.ttest_ind([2.0, 3.0, 5.0, 6.0], [1.0, 2.0, 3.0, 4.0], equal_var=False)
    interval = reference.confidence_interval(0.90)
    assert (result.n_control, result.n_treatment) == (4, 4)
    assert result.abs_ci == pytest.approx((interval.low, interval.high))
    assert "90% CI" in result.reading


def test_relative_ci_delta_with_zero_control_is_nan():
    assert all(math.isnan(v) for v in relative_ci_delta(0.0, 1.0, 0.1, 0.1))


def test_ratio_metric_lift_matches_weighted_least_squares_sandwich():
    # Independent route: R = sum(x) / sum(y) is the WLS mean of x/y with weights y, and the
    # HC0 sandwich variance of that mean equals the delta-method variance with 1/n moments.
    # The module uses n - 1 moments, so the variances differ by exactly n / (n - 1).
    rng = np.random.default_rng(5)
    n = 400
    days = rng.integers(1, 30, 2 * n).astype(float)
    crashes = rng.poisson(days * np.repeat([0.20, 0.15], n))
    frame = pd.DataFrame(
        {"arm": np.repeat(["control", "treatment"], n), "crashes": crashes, "days": days}
    )
    result = ratio_metric_lift(frame, "crashes", "days")
    variances, ratios = [], []
    for arm_rows in (slice(0, n), slice(n, 2 * n)):
        x, y = crashes[arm_rows], days[arm_rows]
        fit = sm.WLS(x / y, np.ones(n), weights=y).fit(cov_type="HC0")
        ratios.append(fit.params[0])
        variances.append(fit.bse[0] ** 2 * n / (n - 1))
    assert result.control_mean == pytest.approx(crashes[:n].sum() / days[:n].sum())
    assert result.control_mean == pytest.approx(ratios[0])
    assert result.treatment_mean == pytest.approx(ratios[1])
    se = math.sqrt(sum(variances))
    diff = ratios[1] - ratios[0]
    assert result.abs_ci == pytest.approx((diff - Z_975 * se, diff + Z_975 * se), rel=1e-9)
    assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(diff) / se), rel=1e-9)
    assert result.metric == "crashes per days"


def test_ratio_metric_with_constant_denominator_is_a_z_test_on_means():
    rng = np.random.default_rng(6)
    values = rng.normal(5, 1, 400)
    frame = pd.DataFrame({"arm": np.repeat(["control", "treatment"], 200), "x": values, "k": 2.0})
    result = ratio_metric_lift(frame, "x", "k")
    control, treatment = values[:200] / 2, values[200:] / 2
    se = math.sqrt(control.var(ddof=1) / 200 + treatment.var(ddof=1) / 200)
    assert result.abs_diff == pytest.approx(treatment.mean() - control.mean())
    assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(result.abs_diff) / se), rel=1e-9)


def test_ratio_metric_rejects_zero_denominator_total():
    frame = pd.DataFrame({"arm": ["control"] * 2 + ["treatment"] * 2, "x": 1, "y": [0, 0, 1, 1]})
    with pytest.raises(DataError, match="total of 'y'"):
        ratio_metric_lift(frame, "x", "y")


def test_metric_lift_picks_the_method_from_the_values():
    binary = binary_frame(10, 100, 20, 100)
    assert metric_lift(binary, "converted").method.startswith("difference in proportions")
    assert metric_lift(binary, "converted", kind="mean").method.startswith("difference in means")
    numeric = binary.assign(converted=binary["converted"] * 2.5)
    assert metric_lift(numeric, "converted").method.startswith("difference in means")
    with pytest.raises(DataError, match="kind must be one of"):
        metric_lift(binary, "converted", kind="median")


def _household_frame(seed: int, homes: int = 300, icc: float = 0.3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    size = rng.integers(1, 5, homes)
    home = np.repeat(np.arange(homes), size)
    treated = np.repeat(rng.integers(0, 2, homes), size)
    shared = np.repeat(rng.normal(0, 1, homes), size)
    minutes = 10 + 2 * (math.sqrt(icc) * shared + math.sqrt(1 - icc) * rng.normal(0, 1, home.size))
    days = rng.integers(1, 30, home.size).astype(float)
    return pd.DataFrame({
        "arm": np.where(treated == 1, "treatment", "control"), "home": home,
        "minutes": minutes, "active": (minutes > 10).astype(int),
        "crashes": rng.poisson(0.1 * days), "days": days,
    })


@pytest.mark.parametrize("metric", ["minutes", "active"])
def test_clustered_lifts_are_statsmodels_cluster_robust_ols(metric):
    # Reference: statsmodels OLS(y, [1, treated]) with cov_type="cluster" (CR1, t on G - 1
    # degrees of freedom; Cameron & Miller, J. Human Resources 2015) - for a mean and for a
    # 0/1 metric alike, since a proportion is the mean of its 0/1 values.
    frame = _household_frame(21)
    ours = metric_lift(frame, metric, cluster="home")
    treated = (frame["arm"] == "treatment").to_numpy(dtype=float)
    fit = sm.OLS(frame[metric].to_numpy(dtype=float), sm.add_constant(treated)).fit(
        cov_type="cluster", cov_kwds={"groups": frame["home"]}, use_t=True)
    assert ours.abs_diff == pytest.approx(fit.params[1], rel=1e-10)
    assert ours.abs_ci == pytest.approx(tuple(fit.conf_int(0.05)[1]), rel=1e-9)
    assert ours.p_value == pytest.approx(fit.pvalues[1], rel=1e-7)
    assert ours.test == "cluster-robust t-test (299 df)"
    assert "cluster-robust t-test (299 df)" in ours.reading
    assert "cluster-robust" in ours.method


def test_clustered_ratio_metric_is_statsmodels_cluster_robust_wls():
    frame = _household_frame(22)
    ours = ratio_metric_lift(frame, "crashes", "days", cluster="home")
    treated = (frame["arm"] == "treatment").to_numpy(dtype=float)
    days = frame["days"].to_numpy()
    fit = sm.WLS(frame["crashes"].to_numpy() / days, sm.add_constant(treated),
                 weights=days).fit(cov_type="cluster",
                                   cov_kwds={"groups": frame["home"].to_numpy()}, use_t=True)
    assert ours.abs_diff == pytest.approx(fit.params[1], rel=1e-10)
    assert ours.abs_ci == pytest.approx(tuple(fit.conf_int(0.05)[1]), rel=1e-9)


def test_one_household_is_one_line():
    frame = _household_frame(23).assign(home=1)
    with pytest.raises(DataError, match="at least two clusters"):
        mean_lift(frame, "minutes", cluster="home")
    with pytest.raises(DataError, match="no column 'house'"):
        mean_lift(frame, "minutes", cluster="house")


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 400), st.integers(2, 400))
def test_mean_lift_matches_statsmodels_compare_means(seed, n_control, n_treatment):
    # statsmodels' CompareMeans (Welch, usevar="unequal") is the independent reference: the
    # readout computes the same interval and p-value from each arm's mean, variance and count.
    from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

    rng = np.random.default_rng(seed)
    control = rng.gamma(2.0, 3.0, n_control)
    treatment = rng.gamma(2.2, 3.0, n_treatment)
    frame = pd.DataFrame({"arm": ["control"] * n_control + ["treatment"] * n_treatment,
                          "minutes": np.r_[control, treatment]})
    result = mean_lift(frame, "minutes", alpha=0.1)
    reference = CompareMeans(DescrStatsW(treatment), DescrStatsW(control))
    assert result.abs_ci == pytest.approx(reference.tconfint_diff(alpha=0.1, usevar="unequal"),
                                          rel=1e-9, abs=1e-12)
    assert result.p_value == pytest.approx(reference.ttest_ind(usevar="unequal")[1],
                                           rel=1e-9, abs=1e-15)
