"""Quantile lifts against outside references: the asymptotic variance of a sample quantile,
``q (1 - q) / (n f(x_q)^2)`` (Serfling, "Approximation Theorems of Mathematical Statistics",
1980, sec. 2.3.3), written out for normal and exponential samples; scipy's exact
order-statistic interval (``scipy.stats.quantile_test``); and coverage by simulation, with
and without households, as Deng, Knoblich & Lu (KDD 2018, sec. 4.3) validate theirs."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis import quantiles
from sim.analysis.quantiles import quantile_lift, quantile_with_se
from sim.errors import DataError


def test_docstring_examples_run():
    assert doctest.testmod(quantiles).failed == 0


@pytest.mark.parametrize("q", [0.5, 0.9])
def test_the_standard_error_is_the_asymptotic_one(q):
    # One order-statistic spacing is itself noisy (about 6% at this size), so the mean over 30
    # samples is compared, within 4%.
    rng = np.random.default_rng(2)
    n = 20_000
    for draw, law in ((lambda: rng.standard_normal(n), stats.norm()),
                      (lambda: rng.exponential(3.0, n), stats.expon(scale=3.0))):
        mean_se = np.mean([quantile_with_se(draw(), q)[1] for _ in range(30)])
        expected = math.sqrt(q * (1 - q) / n) / law.pdf(law.ppf(q))
        assert mean_se == pytest.approx(expected, rel=0.04)


def test_the_interval_is_close_to_scipys_exact_order_statistic_interval():
    rng = np.random.default_rng(3)
    values = rng.lognormal(2.0, 0.8, 5_000)
    estimate, se = quantile_with_se(values, 0.9)
    exact = stats.quantile_test(values, q=estimate, p=0.9).confidence_interval(0.95)
    z = stats.norm.isf(0.025)
    assert 2 * z * se == pytest.approx(exact.high - exact.low, rel=0.1)


def _households(rng, homes, icc, shift):
    size = rng.integers(1, 5, homes)
    home = np.repeat(np.arange(homes), size)
    treated = np.repeat(rng.integers(0, 2, homes), size)
    score = (math.sqrt(icc) * np.repeat(rng.standard_normal(homes), size)
             + math.sqrt(1 - icc) * rng.standard_normal(home.size))
    values = np.exp(1.0 + 0.6 * score) + shift * treated
    return pd.DataFrame({"arm": np.where(treated == 1, "treatment", "control"), "home": home,
                         "minutes": values})


def test_intervals_cover_the_true_change_in_the_median_and_clustering_keeps_them_honest():
    # The population median of exp(1 + 0.6 Z) is e; a shift moves it by the shift exactly.
    runs, shift = 400, 0.2
    covered = {"clustered": 0, "naive": 0}
    for seed in range(runs):
        frame = _households(np.random.default_rng(100 + seed), 300, 0.4, shift)
        clustered = quantile_lift(frame, "minutes", 0.5, control="control", cluster="home")
        naive = quantile_lift(frame, "minutes", 0.5, control="control")
        covered["clustered"] += clustered.ci[0] <= shift <= clustered.ci[1]
        covered["naive"] += naive.ci[0] <= shift <= naive.ci[1]
    assert covered["clustered"] / runs >= 0.93
    assert covered["naive"] < covered["clustered"]


def test_bad_quantiles_and_binary_metrics_are_one_line():
    frame = pd.DataFrame({"arm": ["control", "treatment"] * 20, "x": np.arange(40.0),
                          "flag": [0, 1] * 20})
    with pytest.raises(DataError, match="above 0 and below 1"):
        quantile_lift(frame, "x", 1.5)
    with pytest.raises(DataError, match="0/1 metric"):
        quantile_lift(frame, "flag", 0.5)


def test_a_quantile_on_a_tie_reads_as_no_change_not_nan():
    frame = pd.DataFrame({"arm": ["control", "treatment"] * 200, "x": [3.0] * 400})
    result = quantile_lift(frame, "x", 0.5)
    assert result.p_value == 1.0 and "no change to read" in result.reading
    assert "nan" not in result.reading and "inf" not in result.reading
