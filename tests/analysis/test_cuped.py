"""Tests for sim.analysis.cuped against independent computations.

Reference: numpy least squares with a hand-written HC1 sandwich (MacKinnon & White 1985).
"""

import doctest
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.analysis import cuped
from sim.analysis.cuped import cuped_lift

Z_975 = 1.959963984540054  # standard normal 97.5 % quantile


def test_docstring_examples_run():
    assert doctest.testmod(cuped).failed == 0


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


def test_clustered_cuped_matches_statsmodels_cluster_robust_ols():
    # Reference: statsmodels OLS on the same design with cov_type="cluster" (an independent
    # call of the library), and the clustered interval is wider than the device-level one when
    # whole groups share a random effect and are randomised together.
    rng = np.random.default_rng(11)
    groups = np.repeat(np.arange(400), 3)
    arm = np.where(rng.random(400)[groups] < 0.5, "control", "treatment")
    shared = rng.normal(0, 3, 400)[groups]
    before = rng.normal(10, 2, groups.size) + shared
    after = before + shared + rng.normal(0, 1, groups.size) + (arm == "treatment") * 0.5
    frame = pd.DataFrame({"arm": arm, "home": groups, "before": before, "after": after})
    clustered = cuped_lift(frame, "after", "before", cluster="home")
    plain = cuped_lift(frame, "after", "before")
    design = np.column_stack([np.ones(groups.size), (arm == "treatment").astype(float),
                              before - before.mean()])
    reference = sm.OLS(after, design).fit(cov_type="cluster", cov_kwds={"groups": groups})
    assert clustered.abs_diff == pytest.approx(reference.params[1], rel=1e-10)
    assert clustered.abs_ci[0] == pytest.approx(reference.conf_int()[1][0], rel=1e-10)
    assert clustered.abs_ci[1] - clustered.abs_ci[0] > plain.abs_ci[1] - plain.abs_ci[0]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(10, 600), st.booleans())
def test_cuped_matches_statsmodels_ols_with_hc1_errors(seed, n, interaction):
    # statsmodels' OLS(cov_type="HC1") is the independent reference for the hand-written
    # normal equations and sandwich: the same estimate, interval and p-value.
    rng = np.random.default_rng(seed)
    before = rng.gamma(2.0, 2.0, n)
    treated = (rng.random(n) < 0.5).astype(float)
    treated[:3], treated[3:6] = 0.0, 1.0  # at least three devices in each arm
    after = before * (1 + 0.2 * treated) + rng.normal(0, 1, n)
    frame = pd.DataFrame({"arm": np.where(treated == 1, "treatment", "control"),
                          "after": after, "before": before})
    result = cuped_lift(frame, "after", "before", alpha=0.1, interaction=interaction)
    centred = before - before.mean()
    columns = [np.ones(n), treated, centred] + ([treated * centred] if interaction else [])
    fit = sm.OLS(after, np.column_stack(columns)).fit(cov_type="HC1")
    assert result.abs_diff == pytest.approx(fit.params[1], rel=1e-8, abs=1e-10)
    assert result.abs_ci == pytest.approx(tuple(fit.conf_int(alpha=0.1)[1]), rel=1e-8, abs=1e-10)
    assert result.p_value == pytest.approx(fit.pvalues[1], rel=1e-7, abs=1e-12)
    unadjusted = sm.OLS(after, np.column_stack(columns[:2])).fit(cov_type="HC1")
    assert result.variance_reduction == pytest.approx(
        1 - fit.cov_params()[1, 1] / unadjusted.cov_params()[1, 1], rel=1e-8, abs=1e-10)
