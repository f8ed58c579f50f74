"""Tests for sim.analysis.drift.

References: the KS statistic as the largest gap between the two empirical CDFs computed by
hand, Kolmogorov's limiting distribution for its p-value (scipy ``kstwobign``), PSI worked by
hand on tiny samples, and inverse-variance pooling plus a z test written out.
"""

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.analysis import drift
from sim.analysis.drift import ks_drift, novelty, psi
from sim.errors import DataError


def test_docstring_examples_run():
    assert doctest.testmod(drift).failed == 0


def test_ks_statistic_is_the_largest_ecdf_gap():
    rng = np.random.default_rng(8)
    before = rng.normal(0, 1, 3000)
    after = rng.normal(0.1, 1.1, 2500)
    result = ks_drift(before, after)
    grid = np.sort(np.r_[before, after])
    ecdf_before = np.searchsorted(np.sort(before), grid, side="right") / before.size
    ecdf_after = np.searchsorted(np.sort(after), grid, side="right") / after.size
    gap = np.max(np.abs(ecdf_before - ecdf_after))
    assert result.statistic == pytest.approx(gap, rel=1e-12)
    # Kolmogorov's limit: P(sqrt(n m / (n + m)) D > x) -> kstwobign.sf(x) for large samples.
    scale = math.sqrt(before.size * after.size / (before.size + after.size))
    assert result.p_value == pytest.approx(stats.kstwobign.sf(gap * scale), rel=0.1)
    assert (result.n_before, result.n_after) == (3000, 2500)


def test_ks_ignores_missing_values_and_rejects_empty_samples():
    result = ks_drift([1.0, 2.0, np.nan, 3.0], pd.Series([1.0, 2.0, 3.0, None]))
    assert result.statistic == 0.0 and result.n_before == 3
    with pytest.raises(DataError, match="after sample has no values"):
        ks_drift([1.0], [np.nan])


def test_psi_two_bin_example_by_hand():
    # Reference 1..10: median 5.5 splits it 50/50. Current: 3 of 10 at or below 5.5.
    # PSI = (0.3 - 0.5) ln(0.3 / 0.5) + (0.7 - 0.5) ln(0.7 / 0.5) = 0.16946.
    result = psi(range(1, 11), [1, 2, 3, 8, 9, 10, 11, 12, 13, 14], bins=2)
    hand = (0.3 - 0.5) * math.log(0.3 / 0.5) + (0.7 - 0.5) * math.log(0.7 / 0.5)
    assert result.psi == pytest.approx(hand, rel=1e-12)
    assert result.psi == pytest.approx(0.16946, abs=1e-5)
    assert result.reference_shares == (0.5, 0.5)
    assert result.current_shares == (0.3, 0.7)
    assert "moderate" in result.reading


def test_psi_empty_bin_uses_epsilon():
    # Quartile edges of 1..8 are 2.75, 4.5, 6.25; the current sample fills only the top bin.
    result = psi(range(1, 9), [7, 8, 8, 7], bins=4)
    assert result.edges == pytest.approx((2.75, 4.5, 6.25))
    eps = 1e-4
    hand = 3 * (eps - 0.25) * math.log(eps / 0.25) + (1 - 0.25) * math.log(1 / 0.25)
    assert result.psi == pytest.approx(hand, rel=1e-12)
    assert "major" in result.reading


def test_psi_merges_repeated_quantile_edges():
    # Mostly zeros: the deciles repeat, so fewer than ten bins remain.
    reference = [0] * 80 + list(range(1, 21))
    result = psi(reference, reference)
    assert len(result.edges) < 9
    assert result.psi == 0.0
    assert "no meaningful shift" in result.reading


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3), min_size=5, max_size=60),
    st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=60),
)
def test_psi_is_never_negative(reference, current):
    # Each term (c - r) ln(c / r) is >= 0 because both factors share a sign.
    assert psi(reference, current, bins=4).psi >= 0


def test_psi_rejects_bad_bins():
    with pytest.raises(DataError, match="bins"):
        psi([1, 2, 3], [1, 2], bins=1)


def test_novelty_matches_hand_inverse_variance_pooling():
    daily = pd.DataFrame(
        {
            "day": range(1, 11),
            "estimate": [3.0, 2.5, 2.0, 2.2, 1.9, 1.0, 0.8, 1.1, 0.9, 1.2],
            "se": [0.5, 0.4, 0.4, 0.5, 0.3, 0.3, 0.4, 0.5, 0.3, 0.4],
        }
    )
    result = novelty(daily, early_days=3, late_days=4)

    def pooled(rows):
        weights = 1 / rows["se"] ** 2
        return (weights * rows["estimate"]).sum() / weights.sum(), 1 / math.sqrt(weights.sum())

    early_mean, early_se = pooled(daily.iloc[:3])
    late_mean, late_se = pooled(daily.iloc[-4:])
    difference = late_mean - early_mean
    se = math.sqrt(early_se**2 + late_se**2)
    assert result.early_effect == pytest.approx(early_mean)
    assert result.late_se == pytest.approx(late_se)
    assert result.difference == pytest.approx(difference)
    assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(difference) / se))
    z = stats.norm.isf(0.025)
    assert result.difference_ci == pytest.approx((difference - z * se, difference + z * se))
    assert result.early_days == (1, 2, 3) and result.late_days == (7, 8, 9, 10)
    assert "novelty" in result.reading


def test_novelty_stable_effect_and_unsorted_input():
    daily = pd.DataFrame({"day": [5, 1, 3, 2, 4, 6], "estimate": [1.0] * 6, "se": [0.5] * 6})
    result = novelty(daily, early_days=2, late_days=2)
    assert result.difference == pytest.approx(0.0)
    assert result.early_days == (1, 2)
    assert "no clear change" in result.reading


def test_novelty_input_errors():
    daily = pd.DataFrame({"day": range(5), "estimate": 1.0, "se": 0.1})
    with pytest.raises(DataError, match="at least 14 distinct days"):
        novelty(daily)
    with pytest.raises(DataError, match="no column 'se'"):
        novelty(daily.drop(columns="se"), early_days=2, late_days=2)
    with pytest.raises(DataError, match="above 0"):
        novelty(daily.assign(se=0.0), early_days=2, late_days=2)


def test_densities_are_histograms_of_area_one_over_the_pooled_central_range():
    # Reference: counts per bin by hand (np.searchsorted on edges from np.percentile), each
    # divided by the sample's in-range count and the bin width.
    rng = np.random.default_rng(4)
    before, after = rng.normal(50, 8, 3_000), rng.normal(52, 8, 2_000)
    shape = drift.densities([before, after], bins=20)
    low, high = np.percentile(np.concatenate([before, after]), [0.5, 99.5])
    width = (high - low) / 20
    assert shape.centres[0] == pytest.approx(low + width / 2)
    assert shape.centres[-1] == pytest.approx(high - width / 2)
    for sample, density, mean, size in zip((before, after), shape.densities, shape.means,
                                           shape.sizes, strict=True):
        inside = sample[(sample >= low) & (sample <= high)]
        counts = np.bincount(np.minimum(((inside - low) // width).astype(int), 19), minlength=20)
        np.testing.assert_allclose(density, counts / (inside.size * width))
        assert sum(density) * width == pytest.approx(1.0)
        assert mean == pytest.approx(sample.mean()) and size == sample.size


def test_densities_of_a_large_sample_span_its_central_range():
    # Over 200,000 values the span is read from an even subsample: still the central 99%.
    values = np.random.default_rng(5).normal(0, 1, 1_000_000)
    shape = drift.densities([values])
    width = shape.centres[1] - shape.centres[0]
    low, high = shape.centres[0] - width / 2, shape.centres[-1] + width / 2
    assert low == pytest.approx(stats.norm.ppf(0.005), abs=0.03)
    assert high == pytest.approx(stats.norm.ppf(0.995), abs=0.03)
