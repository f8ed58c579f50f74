"""Tests for sim.analysis.lift against independent computations.

References: the Wald and Katz formulas written out below (Agresti, "Categorical Data
Analysis", 3rd ed., sections 2.2 and 3.1), scipy's own Welch t test, numpy least squares with
a hand-written HC1 sandwich (MacKinnon & White 1985), and statsmodels WLS for the ratio
metric (a different estimator that must agree with the delta method).
"""

import doctest
import importlib
import json
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.analysis.lift import (
    cuped_lift,
    lift,
    mean_lift,
    non_inferiority,
    proportion_lift,
    ratio_metric_lift,
    relative_ci_delta,
)
from sim.errors import DataError

Z_975 = 1.959963984540054  # standard normal 97.5 % quantile


def binary_frame(x_control, n_control, x_treatment, n_treatment, column="converted"):
    values = (
        [1] * x_control
        + [0] * (n_control - x_control)
        + [1] * x_treatment
        + [0] * (n_treatment - x_treatment)
    )
    arms = ["control"] * n_control + ["treatment"] * n_treatment
    return pd.DataFrame({"arm": arms, column: values})


def test_docstring_examples_run():
    # sim.analysis re-exports the function lift(), which shadows the submodule attribute,
    # so the module is fetched by its full name.
    assert doctest.testmod(importlib.import_module("sim.analysis.lift")).failed == 0


def test_proportion_lift_matches_hand_wald_and_katz_formulas():
    result = proportion_lift(binary_frame(300, 1000, 360, 1000), "converted")
    p_c, p_t = 0.30, 0.36
    # Wald interval for p_t - p_c with unpooled variance, written out.
    se = math.sqrt(p_t * (1 - p_t) / 1000 + p_c * (1 - p_c) / 1000)
    assert result.abs_diff == pytest.approx(0.06)
    assert result.abs_ci == pytest.approx((0.06 - Z_975 * se, 0.06 + Z_975 * se), rel=1e-9)
    assert result.p_value == pytest.approx(2 * stats.norm.sf(0.06 / se), rel=1e-9)
    # Katz log interval for the risk ratio: var(log RR) = (1-p_t)/(n p_t) + (1-p_c)/(n p_c).
    se_log = math.sqrt((1 - p_t) / (1000 * p_t) + (1 - p_c) / (1000 * p_c))
    ratio = p_t / p_c
    assert result.rel_lift == pytest.approx(0.2)
    assert result.rel_ci == pytest.approx(
        (ratio * math.exp(-Z_975 * se_log) - 1, ratio * math.exp(Z_975 * se_log) - 1), rel=1e-9
    )
    assert (result.n_control, result.n_treatment) == (1000, 1000)
    assert result.significant
    assert "clear difference" in result.reading


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
    assert result.rel_lift == pytest.approx(t / c - 1)
    assert result.rel_ci == pytest.approx((t / c - 1 - Z_975 * se_rel, t / c - 1 + Z_975 * se_rel))


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


def hc1_treatment_variance(y, design):
    # HC1 sandwich by hand: (X'X)^-1 X' diag(e^2) X (X'X)^-1 * n / (n - k).
    bread = np.linalg.inv(design.T @ design)
    coefficients = bread @ design.T @ y
    residuals = y - design @ coefficients
    meat = (design * residuals[:, None] ** 2).T @ design
    n, k = design.shape
    return coefficients, (bread @ meat @ bread) * n / (n - k)


def test_cuped_matches_hand_least_squares_and_variance_reduction_is_corr_squared():
    rng = np.random.default_rng(21)
    n = 20_000
    correlation = 0.6
    before = rng.normal(0, 1, n)
    noise = rng.normal(0, 1, n)
    after = correlation * before + math.sqrt(1 - correlation**2) * noise
    treated = np.repeat([0.0, 1.0], n // 2)
    after = after + 0.05 * treated
    frame = pd.DataFrame(
        {"arm": np.where(treated == 1, "treatment", "control"), "after": after, "before": before}
    )
    result = cuped_lift(frame, "after", "before")
    design = np.column_stack([np.ones(n), treated, before - before.mean()])
    coefficients, covariance = hc1_treatment_variance(after, design)
    _, unadjusted = hc1_treatment_variance(after, design[:, :2])
    assert result.abs_diff == pytest.approx(coefficients[1], rel=1e-9)
    se = math.sqrt(covariance[1, 1])
    assert result.abs_ci == pytest.approx(
        (coefficients[1] - Z_975 * se, coefficients[1] + Z_975 * se), rel=1e-6
    )
    assert result.variance_reduction == pytest.approx(1 - covariance[1, 1] / unadjusted[1, 1])
    # Theory (Deng et al. 2013, "Improving the sensitivity of online controlled experiments
    # by utilizing pre-experiment data"): reduction = corr^2 = 0.36. Sampling error of the
    # estimated corr^2 at n = 20,000 is about 0.006, so 0.03 is a generous band.
    assert result.variance_reduction == pytest.approx(correlation**2, abs=0.03)
    assert result.control_mean == pytest.approx(coefficients[0])
    assert "removed 3" in result.reading  # "removed 36% of the variance"


def test_cuped_with_interaction_matches_hand_fit():
    rng = np.random.default_rng(22)
    n = 2000
    before = rng.normal(5, 2, n)
    treated = np.tile([0.0, 1.0], n // 2)
    after = 1 + before * (1 + 0.5 * treated) + rng.normal(0, 1, n)
    frame = pd.DataFrame(
        {"arm": np.where(treated == 1, "b", "a"), "after": after, "before": before}
    )
    result = cuped_lift(frame, "after", "before", interaction=True)
    centred = before - before.mean()
    design = np.column_stack([np.ones(n), treated, centred, treated * centred])
    coefficients, covariance = hc1_treatment_variance(after, design)
    assert result.abs_diff == pytest.approx(coefficients[1], rel=1e-9)
    assert result.p_value == pytest.approx(
        2 * stats.norm.sf(abs(coefficients[1]) / math.sqrt(covariance[1, 1])), rel=1e-6
    )
    # At the average covariate the effect is 0.5 * mean(before), about 2.5.
    assert result.abs_ci[0] < 0.5 * before.mean() < result.abs_ci[1]
    assert result.interaction


def test_lift_picks_the_method_from_the_values():
    binary = binary_frame(10, 100, 20, 100)
    assert lift(binary, "converted").method.startswith("difference in proportions")
    assert lift(binary, "converted", kind="mean").method.startswith("difference in means")
    numeric = binary.assign(converted=binary["converted"] * 2.5)
    assert lift(numeric, "converted").method.startswith("difference in means")
    with pytest.raises(DataError, match="kind must be one of"):
        lift(binary, "converted", kind="median")


def test_non_inferiority_absolute_means_matches_scipy_shifted_welch():
    rng = np.random.default_rng(31)
    control = rng.normal(100, 10, 500)
    treatment = rng.normal(99.5, 10, 500)
    frame = pd.DataFrame(
        {"arm": np.repeat(["control", "treatment"], 500), "fps": np.r_[control, treatment]}
    )
    margin = 2.0
    result = non_inferiority(frame, "fps", margin, higher_is_better=True, relative=False)
    # H0: t - c <= -margin is Welch's test of (t + margin) against c, one-sided "greater".
    reference = stats.ttest_ind(treatment + margin, control, equal_var=False, alternative="greater")
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    bound = stats.ttest_ind(treatment, control, equal_var=False).confidence_interval(0.90).low
    assert result.bound == pytest.approx(bound, rel=1e-9)
    assert result.non_inferior == (reference.pvalue < 0.05)


def test_non_inferiority_absolute_proportions_lower_is_better_matches_hand_wald():
    frame = binary_frame(100, 2000, 102, 2000, column="crashed")
    result = non_inferiority(frame, "crashed", 0.02, higher_is_better=False, relative=False)
    p_c, p_t = 100 / 2000, 102 / 2000
    se = math.sqrt(p_c * (1 - p_c) / 2000 + p_t * (1 - p_t) / 2000)
    # H0: t - c >= +0.02; reject for small z = (diff - 0.02) / se.
    assert result.p_value == pytest.approx(stats.norm.cdf((p_t - p_c - 0.02) / se), rel=1e-9)
    assert result.bound == pytest.approx(p_t - p_c + stats.norm.isf(0.05) * se, rel=1e-9)
    assert result.non_inferior
    assert "non-inferior" in result.reading


def test_non_inferiority_relative_means_matches_hand_delta_method():
    rng = np.random.default_rng(32)
    control = rng.normal(50, 8, 800)
    treatment = rng.normal(49.8, 8, 800)
    frame = pd.DataFrame(
        {"arm": np.repeat(["control", "treatment"], 800), "m": np.r_[control, treatment]}
    )
    result = non_inferiority(frame, "m", 0.01, higher_is_better=True, relative=True)
    c, t = control.mean(), treatment.mean()
    se = math.sqrt(treatment.var(ddof=1) / 800 / c**2 + t**2 * control.var(ddof=1) / 800 / c**4)
    z = (t / c - 1 + 0.01) / se
    assert result.estimate == pytest.approx(t / c - 1)
    assert result.p_value == pytest.approx(stats.norm.sf(z), rel=1e-6)
    assert result.bound == pytest.approx(t / c - 1 - stats.norm.isf(0.05) * se, rel=1e-6)


def test_non_inferiority_relative_proportions_matches_hand_log_ratio():
    frame = binary_frame(400, 1000, 395, 1000)
    result = non_inferiority(frame, "converted", 0.1, higher_is_better=True, relative=True)
    p_c, p_t = 0.4, 0.395
    # log RR vs log(0.9) with Katz variance (1-p)/(n p) per arm.
    se = math.sqrt((1 - p_t) / (1000 * p_t) + (1 - p_c) / (1000 * p_c))
    z = (math.log(p_t / p_c) - math.log(0.9)) / se
    assert result.p_value == pytest.approx(stats.norm.sf(z), rel=1e-6)
    assert result.bound == pytest.approx(p_t / p_c * math.exp(-stats.norm.isf(0.05) * se) - 1)
    assert result.non_inferior


def test_non_inferiority_rejects_bad_margin():
    with pytest.raises(DataError, match="margin"):
        non_inferiority(binary_frame(1, 10, 1, 10), "converted", margin=0)
