"""Tests for sim.analysis.noninferiority against independent computations.

References: scipy's Welch t test on a shifted sample, and the one-sided Wald z and the
delta-method statistics for the relative margin (as GrowthBook's gbstats; Deng, Knoblich & Lu,
KDD 2018) written out below.
"""

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis import noninferiority
from sim.analysis.noninferiority import non_inferiority
from sim.errors import DataError
from tests.analysis.binary_frames import binary_frame


def test_docstring_examples_run():
    assert doctest.testmod(noninferiority).failed == 0


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


def test_non_inferiority_relative_means_matches_hand_delta_method():
    rng = np.random.default_rng(32)
    control = rng.normal(50, 8, 800)
    treatment = rng.normal(49.8, 8, 800)
    frame = pd.DataFrame(
        {"arm": np.repeat(["control", "treatment"], 800), "m": np.r_[control, treatment]}
    )
    result = non_inferiority(frame, "m", 0.01, higher_is_better=True, relative=True)
    c, t = control.mean(), treatment.mean()
    v_c, v_t = control.var(ddof=1) / 800, treatment.var(ddof=1) / 800
    se = math.sqrt(v_t / c**2 + t**2 * v_c / c**4)
    welch_df = (v_c + v_t) ** 2 / (v_c**2 / 799 + v_t**2 / 799)  # as the lift's own test
    z = (t / c - 1 + 0.01) / se
    assert result.estimate == pytest.approx(t / c - 1)
    assert result.p_value == pytest.approx(stats.t.sf(z, welch_df), rel=1e-6)
    assert result.bound == pytest.approx(t / c - 1 - stats.t.isf(0.05, welch_df) * se, rel=1e-6)


def test_non_inferiority_relative_proportions_matches_hand_delta_method():
    frame = binary_frame(400, 1000, 395, 1000)
    result = non_inferiority(frame, "converted", 0.1, higher_is_better=True, relative=True)
    p_c, p_t = 0.4, 0.395
    # p_t / p_c - 1 against -0.1 with the delta-method variance.
    se = math.sqrt(p_t * (1 - p_t) / 1000 / p_c**2 + p_t**2 * p_c * (1 - p_c) / 1000 / p_c**4)
    z = (p_t / p_c - 1 + 0.1) / se
    assert result.p_value == pytest.approx(stats.norm.sf(z), rel=1e-6)
    assert result.bound == pytest.approx(p_t / p_c - 1 - stats.norm.isf(0.05) * se)
    assert not result.non_inferior and result.bound < -0.1  # p = 0.054: just short


def test_a_clustered_guardrail_is_wider_than_a_naive_one():
    rng = np.random.default_rng(33)
    home = np.repeat(np.arange(400), 3)
    arm = np.repeat(rng.integers(0, 2, 400), 3)
    y = np.repeat(rng.normal(0, 3, 400), 3) + rng.normal(50, 1, home.size)
    frame = pd.DataFrame({"arm": np.where(arm == 1, "treatment", "control"), "home": home, "y": y})
    naive = non_inferiority(frame, "y", 0.01)
    clustered = non_inferiority(frame, "y", 0.01, cluster="home")
    assert clustered.estimate == pytest.approx(naive.estimate)
    assert clustered.bound < naive.bound and clustered.p_value > naive.p_value
    assert "cluster-robust" in clustered.method


def test_non_inferiority_rejects_bad_margin():
    with pytest.raises(DataError, match="margin"):
        non_inferiority(binary_frame(1, 10, 1, 10), "converted", margin=0)
