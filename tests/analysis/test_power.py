"""Tests for sim.analysis.power against the closed-form normal formulas.

References: two-sample z test power Φ(δ sqrt(n/2) / σ - z) + Φ(-δ sqrt(n/2) / σ - z) and
sample size n = 2 (z_{1-α/2} + z_{1-β})² σ² / δ² (e.g. Chow, Shao & Wang, "Sample Size
Calculations in Clinical Research", section 3.2); Cohen's arcsine effect size
h = 2 asin(sqrt(p1)) - 2 asin(sqrt(p2)) with n = 2 ((z_{1-α/2} + z_{1-β}) / h)² per arm
(Cohen 1988, "Statistical Power Analysis for the Behavioral Sciences", ch. 6) and Cohen's
published per-group sizes for the t test (Table 2.4.1: d = 0.5 needs 64, d = 0.8 needs 26 at
α = 0.05 two-sided, power 0.8); t test power from the noncentral t distribution (scipy ``nct``).
"""

import doctest
import math

import pytest
from scipy import stats

from sim.analysis import power
from sim.analysis.power import (
    days_needed,
    mde_for_means,
    mde_for_proportions,
    power_for_means,
    power_for_proportions,
    sample_size_for_means,
    sample_size_for_proportions,
)
from sim.errors import DataError

Z_975 = stats.norm.isf(0.025)
Z_80 = stats.norm.ppf(0.8)


def test_docstring_examples_run():
    assert doctest.testmod(power).failed == 0


def z_test_power(n, delta, sd, alpha=0.05):
    shift = delta / sd * math.sqrt(n / 2)
    z = stats.norm.isf(alpha / 2)
    return stats.norm.cdf(shift - z) + stats.norm.cdf(-shift - z)


def test_power_for_means_matches_closed_form():
    result = power_for_means(1000, baseline_mean=10.0, sd=4.0, mde_rel=0.05)
    assert result.power == pytest.approx(z_test_power(1000, 0.5, 4.0), rel=1e-9)
    assert result.mde_abs == pytest.approx(0.5)
    assert result.effect_size == pytest.approx(0.125)


def test_sample_size_for_means_matches_closed_form():
    result = sample_size_for_means(10.0, 4.0, 0.05)
    closed_form = 2 * (Z_975 + Z_80) ** 2 * 4.0**2 / 0.5**2  # 1004.7; the far tail is negligible
    assert result.n_per_arm == math.ceil(closed_form) == 1005
    assert result.kind == "means" and result.test == "z"


def test_mde_for_means_matches_closed_form():
    result = mde_for_means(1000, 10.0, 4.0, alpha=0.05, power=0.8)
    closed_form = (Z_975 + Z_80) * 4.0 * math.sqrt(2 / 1000)
    assert result.mde_abs == pytest.approx(closed_form, rel=1e-4)
    assert result.mde_rel == pytest.approx(closed_form / 10.0, rel=1e-4)


def test_t_test_power_matches_noncentral_t():
    n, d = 20, 0.8
    result = power_for_means(n, baseline_mean=1.0, sd=1.0, mde_rel=d, test="t")
    df = 2 * n - 2
    noncentrality = d * math.sqrt(n / 2)
    critical = stats.t.isf(0.025, df)
    reference = stats.nct.sf(critical, df, noncentrality) + stats.nct.cdf(
        -critical, df, noncentrality
    )
    assert result.power == pytest.approx(reference, rel=1e-6)
    # The t test needs more devices than the z test for the same power.
    assert (
        sample_size_for_means(1.0, 1.0, 0.8, test="t").n_per_arm
        > sample_size_for_means(1.0, 1.0, 0.8).n_per_arm
    )


def test_t_test_sample_sizes_match_cohen_table():
    assert sample_size_for_means(1.0, 1.0, 0.5, test="t").n_per_arm == 64
    assert sample_size_for_means(1.0, 1.0, 0.8, test="t").n_per_arm == 26


def test_proportions_match_cohen_arcsine_formulas():
    h = 2 * math.asin(math.sqrt(0.11)) - 2 * math.asin(math.sqrt(0.10))
    result = sample_size_for_proportions(0.10, 0.10)
    assert result.effect_size == pytest.approx(h)
    # Each arm's 2 asin(sqrt(p)) has variance 1/n, so the difference has 2/n.
    assert result.n_per_arm == math.ceil(2 * ((Z_975 + Z_80) / h) ** 2)
    shift = h * math.sqrt(5000 / 2)
    assert power_for_proportions(5000, 0.10, 0.10).power == pytest.approx(
        stats.norm.cdf(shift - Z_975) + stats.norm.cdf(-shift - Z_975), rel=1e-9
    )
    mde = mde_for_proportions(5000, 0.10)
    h_mde = (Z_975 + Z_80) * math.sqrt(2 / 5000)
    rate = math.sin(math.asin(math.sqrt(0.10)) + h_mde / 2) ** 2
    assert mde.mde_abs == pytest.approx(rate - 0.10, rel=1e-4)
    assert math.isnan(mde.sd)


def test_days_needed_fits_or_not():
    fits = days_needed(50, 10.0, 4.0, 0.05)
    assert (fits.n_per_arm_needed, fits.days_needed, fits.fits_budget) == (1005, 21, True)
    assert fits.power_at_budget == pytest.approx(z_test_power(1500, 0.5, 4.0), rel=1e-9)
    too_long = days_needed(20, 10.0, 4.0, 0.05, budget_days=30)
    assert too_long.days_needed == math.ceil(1005 / 20) == 51
    assert not too_long.fits_budget
    assert too_long.mde_rel_at_budget == pytest.approx(
        (Z_975 + Z_80) * 4.0 * math.sqrt(2 / 600) / 10.0, rel=1e-4
    )
    assert "beyond the 30-day budget" in too_long.reading


def test_days_needed_for_a_rate():
    result = days_needed(1000, 0.10, None, 0.10)
    assert result.n_per_arm_needed == sample_size_for_proportions(0.10, 0.10).n_per_arm
    assert result.days_needed == math.ceil(result.n_per_arm_needed / 1000)


def test_power_input_errors():
    with pytest.raises(DataError, match="sd must be above 0"):
        power_for_means(100, 1.0, 0.0, 0.1)
    with pytest.raises(DataError, match="baseline_rate"):
        sample_size_for_proportions(1.2, 0.1)
    with pytest.raises(DataError, match="mde_rel"):
        sample_size_for_proportions(0.6, 1.0)  # 1.2 is not a rate
    with pytest.raises(DataError, match="test must be one of"):
        sample_size_for_means(1.0, 1.0, 0.1, test="chi2")
    with pytest.raises(DataError, match="budget_days"):
        days_needed(10, 1.0, 1.0, 0.1, budget_days=0)
