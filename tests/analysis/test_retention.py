"""Tests for sim.analysis.retention.

Main reference: the Freireich et al. (1963) 6-MP leukaemia remission trial (weeks in
remission, 21 patients per arm), the worked example of Kleinbaum & Klein, "Survival
Analysis: A Self-Learning Text" (3rd ed., ch. 2-3) and of R's MASS::gehan. Published values:
Kaplan-Meier for 6-MP 0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448; medians 23 (6-MP) and
8 (placebo) weeks; log-rank chi-square 16.79; Cox hazard ratio placebo vs 6-MP 4.82 with Efron
ties (R coxph default; coef 1.572). Each value is also recomputed here by an independent
hand-written route (product-limit, observed-minus-expected, Efron partial likelihood).
"""

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from sim.analysis import retention
from sim.analysis.retention import (
    at_risk_table,
    cox_hazard_ratio,
    discrete_hazard,
    kaplan_meier,
    logrank,
)
from sim.errors import DataError

SIX_MP_WEEKS = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
SIX_MP_RELAPSE = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
PLACEBO_WEEKS = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]


@pytest.fixture
def leukaemia():
    return pd.DataFrame(
        {
            "arm": ["6-MP"] * 21 + ["placebo"] * 21,
            "weeks": SIX_MP_WEEKS + PLACEBO_WEEKS,
            "relapse": SIX_MP_RELAPSE + [1] * 21,
        }
    )


def test_docstring_examples_run():
    assert doctest.testmod(retention).failed == 0


def test_kaplan_meier_matches_hand_product_limit_and_textbook(leukaemia):
    result = kaplan_meier(leukaemia, "weeks", "relapse", control="6-MP")
    curve = result.control
    # Product-limit by hand: at each event time multiply by (at risk - events) / at risk.
    hand = np.cumprod([18 / 21, 16 / 17, 14 / 15, 11 / 12, 10 / 11, 6 / 7, 5 / 6])
    assert curve.times == (6.0, 7.0, 10.0, 13.0, 16.0, 22.0, 23.0)
    assert curve.survival == pytest.approx(hand, rel=1e-12)
    assert curve.survival == pytest.approx(
        [0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448], abs=5e-4
    )
    assert curve.survival_at(12) == pytest.approx(hand[2])
    assert curve.median == 23.0 and result.treatment.median == 8.0
    # Greenwood at week 6: S * sqrt(d / (n (n - d))) = 0.857 * sqrt(3 / (21 * 18)) = 0.0764;
    # log(-log) interval: exp(-exp(log(-log S) -/+ z se / (S |log S|))).
    s = 18 / 21
    se = s * math.sqrt(3 / (21 * 18))
    spread = stats.norm.isf(0.025) * se / (s * abs(math.log(s)))
    assert curve.ci_low[0] == pytest.approx(math.exp(-math.exp(math.log(-math.log(s)) + spread)))
    assert curve.ci_high[0] == pytest.approx(math.exp(-math.exp(math.log(-math.log(s)) - spread)))
    assert min(result.treatment.ci_low) >= 0 and max(result.treatment.ci_high) <= 1


def logrank_by_hand(time, status, group):
    # Observed minus expected events in group 1 over distinct event times, hypergeometric
    # variance: V = sum n1 n0 d (n - d) / (n^2 (n - 1)).
    observed_minus_expected, variance = 0.0, 0.0
    for t in np.unique(time[status == 1]):
        at_risk = time >= t
        n = at_risk.sum()
        n1 = (at_risk & (group == 1)).sum()
        d = ((time == t) & (status == 1)).sum()
        d1 = ((time == t) & (status == 1) & (group == 1)).sum()
        observed_minus_expected += d1 - d * n1 / n
        if n > 1:
            variance += n1 * (n - n1) * d * (n - d) / (n**2 * (n - 1))
    return observed_minus_expected**2 / variance


def test_logrank_matches_hand_computation_and_published_value(leukaemia):
    result = logrank(leukaemia, "weeks", "relapse", control="6-MP")
    time = leukaemia["weeks"].to_numpy(float)
    status = leukaemia["relapse"].to_numpy(float)
    group = (leukaemia["arm"] == "placebo").to_numpy(int)
    hand = logrank_by_hand(time, status, group)
    assert result.chi2 == pytest.approx(hand, rel=1e-9)
    assert result.chi2 == pytest.approx(16.79, abs=0.005)
    assert result.p_value == pytest.approx(stats.chi2.sf(hand, 1), rel=1e-9)
    assert (result.events_control, result.events_treatment) == (9, 21)
    assert "differ" in result.reading


def efron_negative_log_likelihood(beta, time, status, x):
    # Efron (1977) tie correction written out: for d tied events at t with risk-set sum R and
    # tied-event sum D, the log term is sum_{j<d} log(R - (j/d) D).
    value = 0.0
    risk = np.exp(beta * x)
    for t in np.unique(time[status == 1]):
        tied = (time == t) & (status == 1)
        d = tied.sum()
        risk_sum = risk[time >= t].sum()
        tied_sum = risk[tied].sum()
        value += beta * x[tied].sum()
        value -= sum(math.log(risk_sum - (j / d) * tied_sum) for j in range(d))
    return -value


def test_cox_efron_matches_hand_partial_likelihood_and_published_value(leukaemia):
    result = cox_hazard_ratio(leukaemia, "weeks", "relapse", control="6-MP")
    time = leukaemia["weeks"].to_numpy(float)
    status = leukaemia["relapse"].to_numpy(float)
    x = (leukaemia["arm"] == "placebo").to_numpy(float)
    fit = optimize.minimize_scalar(
        efron_negative_log_likelihood,
        bounds=(-5, 5),
        method="bounded",
        args=(time, status, x),
        options={"xatol": 1e-10},
    )
    # Standard error from the numerical second derivative of the hand likelihood.
    h = 1e-4
    curvature = (
        efron_negative_log_likelihood(fit.x + h, time, status, x)
        - 2 * efron_negative_log_likelihood(fit.x, time, status, x)
        + efron_negative_log_likelihood(fit.x - h, time, status, x)
    ) / h**2
    se = 1 / math.sqrt(curvature)
    assert math.log(result.hazard_ratio) == pytest.approx(fit.x, abs=1e-6)
    assert result.hazard_ratio == pytest.approx(4.82, abs=0.005)
    z = stats.norm.isf(0.025)
    assert result.ci == pytest.approx(
        (math.exp(fit.x - z * se), math.exp(fit.x + z * se)), rel=1e-4
    )
    assert "sooner for treatment" in result.reading


def test_at_risk_table_counts_by_hand():
    frame = pd.DataFrame(
        {
            "arm": ["control"] * 3 + ["treatment"] * 2,
            "days": [1, 2.5, 3, 2, 3],
            "churned": [1, 0, 1, 1, 0],
        }
    )
    table = at_risk_table(frame, "days", "churned")
    expected = pd.DataFrame(
        {
            "day": [1, 1, 2, 2, 3, 3],
            "arm": ["control", "treatment"] * 3,
            # 2.5 rounds up to day 3: that device is at risk on days 1-3, censored on day 3.
            "at_risk": [3, 2, 2, 2, 2, 1],
            "events": [1, 0, 0, 1, 1, 0],
        }
    )
    pd.testing.assert_frame_equal(table, expected, check_dtype=False)


def test_discrete_hazard_logit_single_day_is_the_two_by_two_odds_ratio():
    # One day: the logit model's treatment coefficient is the log odds ratio of the 2x2
    # table, and its Wald interval is Woolf's: se = sqrt(1/a + 1/b + 1/c + 1/d).
    frame = pd.DataFrame(
        {"day": [1, 1], "arm": ["control", "treatment"], "at_risk": [500, 400], "events": [50, 60]}
    )
    result = discrete_hazard(frame, link="logit")
    log_or = math.log((60 / 340) / (50 / 450))
    se = math.sqrt(1 / 60 + 1 / 340 + 1 / 50 + 1 / 450)
    z = stats.norm.isf(0.025)
    assert result.hazard_ratio == pytest.approx(math.exp(log_or), rel=1e-8)
    assert result.ci == pytest.approx(
        (math.exp(log_or - z * se), math.exp(log_or + z * se)), rel=1e-6
    )
    assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(log_or) / se), rel=1e-6)


def test_discrete_hazard_cloglog_matches_hand_maximum_likelihood():
    frame = pd.DataFrame(
        {
            "day": [1, 1, 2, 2, 3, 3, 4, 4],
            "arm": ["control", "treatment"] * 4,
            "at_risk": [1000, 1000, 880, 920, 780, 850, 700, 790],
            "events": [120, 80, 100, 70, 80, 60, 0, 0],
        }
    )
    result = discrete_hazard(frame)
    # Grouped-time proportional hazards: h = 1 - exp(-exp(alpha_day + beta * treated)).
    # Day 4 has no events, so it carries no information and is left out of the fit.
    informative = frame[frame["day"] < 4]
    day_index = informative["day"].to_numpy() - 1
    treated = (informative["arm"] == "treatment").to_numpy(float)
    n = informative["at_risk"].to_numpy(float)
    d = informative["events"].to_numpy(float)

    def negative_log_likelihood(params):
        eta = params[day_index] + params[3] * treated
        log_survive = -np.exp(eta)
        log_hazard = np.log(-np.expm1(log_survive))
        return -np.sum(d * log_hazard + (n - d) * log_survive)

    fit = optimize.minimize(
        negative_log_likelihood, np.zeros(4), method="BFGS", options={"gtol": 1e-9}
    )
    assert math.log(result.hazard_ratio) == pytest.approx(fit.x[3], abs=1e-5)
    assert (result.n_control, result.events_control) == (1000, 300)


def test_discrete_hazard_agrees_with_cox_on_a_simulated_fleet():
    rng = np.random.default_rng(17)
    n = 20_000
    treated = rng.random(n) < 0.5
    true_hazard_ratio = 0.8
    rate = 0.05 * np.where(treated, true_hazard_ratio, 1.0)
    churn_time = rng.exponential(1 / rate)
    days = np.minimum(np.ceil(churn_time), 30)
    churned = (churn_time <= 30).astype(int)
    frame = pd.DataFrame(
        {"arm": np.where(treated, "treatment", "control"), "days": days, "churned": churned}
    )
    cox = cox_hazard_ratio(frame, "days", "churned")
    grouped = discrete_hazard(at_risk_table(frame, "days", "churned"))
    assert grouped.hazard_ratio == pytest.approx(cox.hazard_ratio, abs=0.01)
    assert grouped.ci[0] < true_hazard_ratio < grouped.ci[1]


def test_retention_input_errors():
    frame = pd.DataFrame({"arm": ["control", "treatment"], "days": [1, -2], "churned": [1, 0]})
    with pytest.raises(DataError, match="negative"):
        logrank(frame, "days", "churned")
    with pytest.raises(DataError, match="not binary"):
        logrank(frame.assign(days=[1, 2], churned=[1, 2]), "days", "churned")
    aggregated = pd.DataFrame(
        {"day": [1, 1], "arm": ["control", "treatment"], "at_risk": [5, 5], "events": [6, 1]}
    )
    with pytest.raises(DataError, match="more events than devices at risk"):
        discrete_hazard(aggregated)
    with pytest.raises(DataError, match="nothing to fit"):
        discrete_hazard(aggregated.assign(events=[0, 0]))
    with pytest.raises(DataError, match="link must be one of"):
        discrete_hazard(aggregated, link="probit")


def test_no_events_in_one_arm_reports_the_limit_with_the_log_rank_p_value():
    # The log-rank test is the Mantel-Haenszel test over event times, so the grouped model's
    # fallback (statsmodels StratifiedTable) must give the same p-value as survdiff.
    frame = pd.DataFrame(
        {"arm": ["control", "treatment"] * 10, "days": np.arange(1, 21), "churned": [1, 0] * 10}
    )
    reference = logrank(frame, "days", "churned")
    cox = cox_hazard_ratio(frame, "days", "churned")
    grouped = discrete_hazard(at_risk_table(frame, "days", "churned"))
    for result in (cox, grouped):
        assert result.hazard_ratio == 0.0
        assert all(math.isnan(bound) for bound in result.ci)
        assert result.p_value == pytest.approx(reference.p_value, rel=1e-9)
        assert "at its limit" in result.reading
        assert result.to_dict()["ci"] == [None, None]
    with pytest.raises(DataError, match="no events"):
        cox_hazard_ratio(frame.assign(churned=0), "days", "churned")


def test_at_risk_table_puts_zero_durations_on_day_one():
    frame = pd.DataFrame({"arm": ["control", "treatment"], "days": [0, 1], "churned": [1, 1]})
    table = at_risk_table(frame, "days", "churned")
    assert table.to_dict("list") == {
        "day": [1, 1],
        "arm": ["control", "treatment"],
        "at_risk": [1, 1],
        "events": [1, 1],
    }
