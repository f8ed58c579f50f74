"""Tests for sim.analysis.noninferiority against independent computations.

References: scipy's Welch t test on a shifted sample, and the one-sided Wald, Katz log-ratio
and delta-method z statistics written out below.
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
