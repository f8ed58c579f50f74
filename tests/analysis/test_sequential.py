"""Tests for sim.analysis.sequential.

References: the multivariate normal probabilities of the boundary crossings computed with
scipy (``multivariate_normal.cdf``, Genz's algorithm), an independent route to the Lan-DeMets
boundaries; Welch standard errors from scipy and cluster-robust ones from statsmodels at each
look; and simulation of the guarantee itself on streams the boundaries were not computed
from: 1,000 and 10,000 looks with independent increments, and fleets whose looks re-read the
same devices' growing totals (Armitage, McPherson & Rowe 1969 for why fixed tests fail).
"""

import doctest
import itertools
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from sim.analysis import sequential
from sim.analysis.sequential import (
    group_sequential,
    obrien_fleming_spending,
    repeated_intervals,
    spending_boundaries,
)
from sim.errors import DataError

ALPHA = 0.05


def test_docstring_examples_run():
    assert doctest.testmod(sequential).failed == 0


def _crossing_probability(boundaries, correlation):
    """P(|Z_k| >= c_k for some k) for a zero-mean normal vector, by inclusion over the box."""
    looks = len(boundaries)
    law = stats.multivariate_normal(mean=np.zeros(looks), cov=correlation)
    inside = 0.0
    for signs in itertools.product((-1, 1), repeat=looks):
        corner = np.array(signs) * np.asarray(boundaries)
        inside += np.prod(signs) * law.cdf(corner)
    return 1 - inside


def test_the_spending_function_is_lan_demets_obrien_fleming():
    # Lan & DeMets (1983): alpha(t) = 2 - 2 Phi(z_{alpha/2} / sqrt(t)).
    t = np.array([0.2, 0.5, 0.8, 1.0])
    expected = 2 - 2 * stats.norm.cdf(stats.norm.isf(0.025) / np.sqrt(t))
    assert obrien_fleming_spending(t, 0.05) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("times", [(0.5, 1.0), (1 / 3, 2 / 3, 1.0), (0.25, 0.6, 1.0)])
def test_boundaries_spend_what_the_function_allows_under_independent_increments(times):
    times = np.array(times)
    boundaries = spending_boundaries(times, ALPHA)
    correlation = np.sqrt(np.minimum.outer(times, times) / np.maximum.outer(times, times))
    for k in range(1, len(times) + 1):
        spent = _crossing_probability(boundaries[:k], correlation[:k, :k])
        assert spent == pytest.approx(obrien_fleming_spending(times[k - 1], ALPHA), abs=6e-4)


def test_boundaries_follow_a_given_correlation():
    # Looks far more alike than independent increments would make them (a fleet re-reading
    # the same devices): the boundaries still spend exactly the plan.
    times = np.array([0.4, 0.7, 1.0])
    correlation = np.array([[1.0, 0.95, 0.9], [0.95, 1.0, 0.97], [0.9, 0.97, 1.0]])
    boundaries = spending_boundaries(times, ALPHA, correlation)
    assert _crossing_probability(boundaries, correlation) == pytest.approx(ALPHA, abs=6e-4)
    # More alike looks cost less: the last boundary is nearer the fixed 1.96.
    canonical = spending_boundaries(times, ALPHA)
    assert boundaries[-1] < canonical[-1]


def _null_stream_alarms(rng, looks, streams, effect=0.0):
    """Share of independent-increment streams whose repeated interval ever misses ``effect``."""
    times = np.arange(1, looks + 1) / looks
    boundaries = spending_boundaries(times, ALPHA)
    alarms = 0
    for _ in range(streams):
        walk = np.cumsum(rng.standard_normal(looks))
        # The estimate at look k is the mean of k unit increments: se 1 / sqrt(k).
        k = np.arange(1, looks + 1)
        estimate = walk / k + effect
        alarms += bool(np.any(np.abs(estimate - effect) >= boundaries / np.sqrt(k)))
    return alarms / streams


@pytest.mark.parametrize("looks, streams", [(1_000, 2_000), (10_000, 400)])
def test_peeking_on_a_thousand_or_ten_thousand_looks_keeps_the_false_alarm_rate(looks, streams):
    rate = _null_stream_alarms(np.random.default_rng(looks), looks, streams)
    assert rate <= ALPHA, rate
    # Coverage of a non-zero effect at every look at once is the same event.
    assert _null_stream_alarms(np.random.default_rng(looks + 1), looks, streams // 4,
                               effect=0.3) <= ALPHA + 2 * math.sqrt(ALPHA / (streams // 4))


def _fleet(rng, devices=600, days=28, households=None, icc=0.0, effect=0.0):
    """Devices reporting every day from day 0; looks are their growing totals."""
    home = (np.arange(devices) if households is None
            else np.sort(rng.integers(0, households, devices)))
    unit_arm = rng.integers(0, 2, home.max() + 1)
    treated = unit_arm[home] == 1
    shared = rng.standard_normal(home.max() + 1)[home]
    propensity = np.exp(0.5 * (math.sqrt(icc) * shared
                               + math.sqrt(1 - icc) * rng.standard_normal(devices)))
    daily = rng.poisson(5 * propensity[:, None] * (1 + effect * treated[:, None]),
                        (devices, days)).astype(float)
    return np.cumsum(daily, axis=1), treated, home


def test_each_look_has_the_welch_and_the_cluster_robust_standard_error():
    rng = np.random.default_rng(5)
    totals, treated, home = _fleet(rng, households=250, icc=0.3)
    included = np.ones_like(totals, dtype=bool)
    included[: 100, :5] = False  # some devices first seen on day 5
    times = np.arange(1, 29) / 28
    plain = repeated_intervals(totals, included, treated, ALPHA, times)
    clustered = repeated_intervals(totals, included, treated, ALPHA, times, clusters=home)
    for k in (2, 12, 27):
        rows = included[:, k]
        welch = stats.ttest_ind(totals[rows & treated, k], totals[rows & ~treated, k],
                                equal_var=False)
        look = plain.looks[k]
        assert look.estimate / look.se == pytest.approx(welch.statistic, rel=1e-9)
        fit = sm.OLS(totals[rows, k], sm.add_constant(treated[rows].astype(float))).fit(
            cov_type="cluster", cov_kwds={"groups": home[rows]})
        assert clustered.looks[k].se == pytest.approx(fit.bse[1], rel=1e-9)


@pytest.mark.slow
def test_peeking_on_a_fleets_growing_totals_keeps_the_false_alarm_rate():
    # The looks re-read the same devices, so they are far more alike than independent
    # increments; households make devices alike too. 300 null fleets of each kind.
    rng = np.random.default_rng(6)
    times = np.arange(1, 29) / 28
    alarms = {"devices": 0, "households": 0, "fixed": 0}
    runs = 300
    for _ in range(runs):
        totals, treated, _ = _fleet(rng)
        result = repeated_intervals(totals, np.ones_like(totals, dtype=bool), treated, ALPHA,
                                    times)
        alarms["devices"] += result.excludes_zero
        alarms["fixed"] += result.fixed_exclusions > 0
        totals, treated, home = _fleet(rng, households=200, icc=0.3)
        alarms["households"] += repeated_intervals(
            totals, np.ones_like(totals, dtype=bool), treated, ALPHA, times,
            clusters=home).excludes_zero
    slack = 2 * math.sqrt(ALPHA * (1 - ALPHA) / runs)
    assert alarms["devices"] / runs <= ALPHA + slack
    assert alarms["households"] / runs <= ALPHA + slack
    assert alarms["fixed"] / runs > 2 * ALPHA  # the fixed test, peeked at daily


def test_a_real_effect_is_found_and_the_reading_names_the_look():
    totals, treated, _ = _fleet(np.random.default_rng(7), devices=4_000, effect=0.05)
    result = repeated_intervals(totals, np.ones_like(totals, dtype=bool), treated, ALPHA,
                                np.arange(1, 29) / 28)
    assert result.excludes_zero
    first = result.first_exclusion_look
    assert all(look.low <= 0 <= look.high for look in result.looks if look.look < first)
    assert f"look {first}" in result.reading
    # The repeated interval is wider than the fixed one at every look, least at the last.
    widths = [(look.high - look.low) / (look.fixed_high - look.fixed_low)
              for look in result.looks]
    assert min(widths) >= 1 - 1e-9 and widths[-1] == min(widths)


def test_devices_enrolling_over_time_and_input_errors():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"day": np.repeat(np.arange(1, 11), 200),
                          "arm": np.tile(["control", "treatment"], 1000),
                          "minutes": rng.normal(30, 5, 2000)})
    result = group_sequential(frame, "minutes")
    assert [look.spending_time for look in result.looks] == pytest.approx(
        np.arange(1, 11) / 10)
    small = pd.DataFrame({"day": [1, 1, 2, 2, 2, 2, 3, 3],
                          "arm": ["control", "treatment", "control", "treatment"] * 2,
                          "y": [1.0, 2.0, 1.5, 2.5, 0.5, 1.0, 2.0, 3.0]})
    assert [look.look for look in group_sequential(small, "y").looks] == [2, 3]
    with pytest.raises(DataError, match="no column 'week'"):
        group_sequential(small, "y", look_col="week")
    with pytest.raises(DataError, match="at least 2 values"):
        group_sequential(small.iloc[:2], "y")
    with pytest.raises(DataError, match="nothing to monitor"):
        repeated_intervals(np.ones((4, 3)), np.ones((4, 3), dtype=bool),
                           np.array([0, 0, 1, 1], dtype=bool), ALPHA, np.array([0.3, 0.6, 1]))
