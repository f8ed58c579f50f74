"""Tests for sim.analysis.bayes.

References: conjugate normal updating written out; numerical integration (scipy ``quad`` /
``dblquad``) of the posterior densities; and the exact closed form for P(p_B > p_A) with
integer Beta parameters (Evan Miller, "Formulas for Bayesian A/B testing", 2015):
sum_{i=0}^{a_B-1} B(a_A+i, b_A+b_B) / ((b_B+i) B(1+i, b_B) B(a_A, b_A)).
"""

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special, stats

from sim.analysis import bayes
from sim.analysis.bayes import (
    bayes_lift,
    bayes_mean_diff,
    bayes_proportion_diff,
    normal_expected_shortfall,
)
from sim.errors import DataError


def test_docstring_examples_run():
    assert doctest.testmod(bayes).failed == 0


@pytest.fixture
def minutes():
    rng = np.random.default_rng(41)
    control = rng.normal(30, 6, 400)
    treatment = rng.normal(30.6, 6, 400)
    frame = pd.DataFrame(
        {"arm": np.repeat(["control", "treatment"], 400), "minutes": np.r_[control, treatment]}
    )
    return frame, control, treatment


def test_flat_prior_posterior_is_the_welch_normal(minutes):
    frame, control, treatment = minutes
    result = bayes_mean_diff(frame, "minutes")
    diff = treatment.mean() - control.mean()
    sd = math.sqrt(control.var(ddof=1) / 400 + treatment.var(ddof=1) / 400)
    assert result.posterior_mean == pytest.approx(diff)
    assert result.posterior_sd == pytest.approx(sd)
    assert result.prob_treatment_better == pytest.approx(stats.norm.cdf(diff / sd))
    z = stats.norm.isf(0.025)
    assert result.credible_interval == pytest.approx((diff - z * sd, diff + z * sd))
    # Expected loss of shipping: integral of max(0, -x) over the posterior density.
    loss, _ = integrate.quad(lambda x: -x * stats.norm.pdf(x, diff, sd), -np.inf, 0)
    gain, _ = integrate.quad(lambda x: x * stats.norm.pdf(x, diff, sd), 0, np.inf)
    assert result.expected_loss_ship == pytest.approx(loss, rel=1e-6)
    assert result.expected_loss_hold == pytest.approx(gain, rel=1e-6)


def test_weak_prior_shrinks_by_conjugate_normal_update(minutes):
    frame, control, treatment = minutes
    result = bayes_mean_diff(frame, "minutes", prior_sd=0.5)
    diff = treatment.mean() - control.mean()
    v = control.var(ddof=1) / 400 + treatment.var(ddof=1) / 400
    # Normal(0, tau^2) prior, Normal(diff, v) likelihood: mean = diff tau^2 / (tau^2 + v),
    # variance = v tau^2 / (tau^2 + v).
    tau2 = 0.25
    assert result.posterior_mean == pytest.approx(diff * tau2 / (tau2 + v))
    assert result.posterior_sd == pytest.approx(math.sqrt(v * tau2 / (tau2 + v)))
    assert abs(result.posterior_mean) < abs(diff)


def test_lower_is_better_flips_the_reading(minutes):
    frame, *_ = minutes
    higher = bayes_mean_diff(frame, "minutes")
    lower = bayes_mean_diff(frame, "minutes", higher_is_better=False)
    assert lower.prob_treatment_better == pytest.approx(1 - higher.prob_treatment_better)
    assert lower.expected_loss_ship == pytest.approx(higher.expected_loss_hold)


def test_expected_shortfall_closed_form():
    # E[max(0, -X)] for X ~ N(0, 1) is 1 / sqrt(2 pi).
    assert normal_expected_shortfall(0.0, 1.0) == pytest.approx(1 / math.sqrt(2 * math.pi))
    assert normal_expected_shortfall(-2.0, 0.0) == 2.0


def prob_b_beats_a(a_a, b_a, a_b, b_b):
    total = 0.0
    for i in range(a_b):
        total += math.exp(
            special.betaln(a_a + i, b_a + b_b)
            - math.log(b_b + i)
            - special.betaln(1 + i, b_b)
            - special.betaln(a_a, b_a)
        )
    return total


def test_beta_binomial_matches_exact_closed_form_and_integrals():
    frame = pd.DataFrame(
        {
            "arm": ["control"] * 50 + ["treatment"] * 50,
            "installed": [1] * 10 + [0] * 40 + [1] * 18 + [0] * 32,
        }
    )
    result = bayes_proportion_diff(frame, "installed")
    # Beta(1, 1) prior: control Beta(11, 41), treatment Beta(19, 33).
    exact = prob_b_beats_a(11, 41, 19, 33)
    assert result.prob_treatment_better == pytest.approx(exact, abs=0.005)  # MC error ~0.0005
    assert result.posterior_mean == pytest.approx(19 / 52 - 11 / 52, abs=0.001)
    loss, _ = integrate.dblquad(
        lambda t, c: (c - t) * stats.beta.pdf(c, 11, 41) * stats.beta.pdf(t, 19, 33),
        0,
        1,
        lambda c: 0,
        lambda c: c,
    )
    assert result.expected_loss_ship == pytest.approx(loss, abs=0.001)
    # The 2.5 % quantile of the difference: P(diff <= q) = 0.025 by integration.
    low = result.credible_interval[0]
    below, _ = integrate.quad(
        lambda c: stats.beta.pdf(c, 11, 41) * stats.beta.cdf(c + low, 19, 33), 0, 1
    )
    assert below == pytest.approx(0.025, abs=0.003)


def test_bayes_lift_dispatch_and_errors(minutes):
    frame, *_ = minutes
    assert bayes_lift(frame, "minutes").method.startswith("normal")
    binary = frame.assign(minutes=(frame["minutes"] > 30).astype(int))
    assert bayes_lift(binary, "minutes").method.startswith("beta-binomial")
    with pytest.raises(DataError, match="not binary"):
        bayes_proportion_diff(frame, "minutes")
    with pytest.raises(DataError, match="prior_sd"):
        bayes_mean_diff(frame, "minutes", prior_sd=-1)
    with pytest.raises(DataError, match="draws"):
        bayes_proportion_diff(binary, "minutes", draws=10)


def test_a_clustered_posterior_has_the_cluster_robust_variance():
    # Whole households randomised: the normal likelihood's variance is the CR1 variance of the
    # difference, which statsmodels' cluster-robust OLS gives independently.
    import statsmodels.api as sm

    rng = np.random.default_rng(41)
    size = rng.integers(1, 5, 300)
    home = np.repeat(np.arange(300), size)
    treated = np.repeat(rng.integers(0, 2, 300), size).astype(float)
    minutes = 10 + np.repeat(rng.normal(0, 1.2, 300), size) + rng.normal(0, 1.5, home.size)
    frame = pd.DataFrame({"arm": np.where(treated == 1, "treatment", "control"),
                          "home": home, "minutes": minutes, "active": (minutes > 10).astype(int)})
    for metric in ("minutes", "active"):
        fit = sm.OLS(frame[metric].to_numpy(dtype=float), sm.add_constant(treated)).fit(
            cov_type="cluster", cov_kwds={"groups": home})
        result = bayes_lift(frame, metric, control="control", cluster="home")
        assert result.posterior_mean == pytest.approx(fit.params[1], rel=1e-10)
        assert result.posterior_sd == pytest.approx(fit.bse[1], rel=1e-9)
        assert "cluster-robust variance" in result.method
