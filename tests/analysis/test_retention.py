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
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats
from statsmodels.duration.survfunc import survdiff

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


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, 1.0, 1.5, 2.0, 3.0, 7.0, 28.0]),
                          st.integers(0, 1), st.integers(0, 1)), min_size=4, max_size=80))
def test_logrank_is_statsmodels_survdiff_with_ties_and_censoring(rows):
    # Reference: statsmodels' survdiff on the same subjects (logrank computes the statistic
    # from each distinct time's counts instead of sorting every subject).
    frame = pd.DataFrame(rows, columns=["days", "churned", "treated"])
    frame["arm"] = np.where(frame["treated"] == 1, "treatment", "control")
    if frame["arm"].nunique() < 2 or frame["churned"].sum() == 0:
        return
    try:
        chi2, p_value = survdiff(frame["days"].to_numpy(float),
                                 frame["churned"].to_numpy(float), frame["treated"].to_numpy())
    except np.linalg.LinAlgError:  # no event time with both arms at risk: so for both
        with pytest.raises(np.linalg.LinAlgError):
            logrank(frame, "days", "churned")
        return
    result = logrank(frame, "days", "churned")
    assert result.chi2 == pytest.approx(chi2, rel=1e-9, abs=1e-12)
    assert result.p_value == pytest.approx(p_value, rel=1e-9, abs=1e-12)


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


def test_no_events_in_one_arm_names_the_reason_instead_of_a_ratio_at_infinity():
    # No treatment device churned: the partial likelihood (and the grouped GLM's) keeps rising
    # as the ratio goes to 0, so there is no estimate to print - one sentence says why, and
    # the log-rank test, which needs no ratio, still reads.
    frame = pd.DataFrame(
        {"arm": ["control", "treatment"] * 10, "days": np.arange(1, 21), "churned": [1, 0] * 10}
    )
    assert logrank(frame, "days", "churned").p_value < 0.05
    for fit in (lambda: cox_hazard_ratio(frame, "days", "churned"),
                lambda: discrete_hazard(at_risk_table(frame, "days", "churned"))):
        with pytest.raises(DataError, match="no device had the event in the treatment arm "
                                            r"\(10 did in control\)") as raised:
            fit()
        assert "nan" not in str(raised.value) and "inf" not in str(raised.value)
    swapped = frame.assign(arm=frame["arm"].map({"control": "treatment", "treatment": "control"}))
    with pytest.raises(DataError, match="in the control arm"):
        cox_hazard_ratio(swapped, "days", "churned")
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


def _household_durations(seed: int, homes: int = 400, frailty_sd: float = 0.8) -> pd.DataFrame:
    # Whole households randomised together, sharing a frailty: their devices churn alike.
    rng = np.random.default_rng(seed)
    size = rng.integers(1, 5, homes)
    home = np.repeat(np.arange(homes), size)
    treated = np.repeat(rng.integers(0, 2, homes), size)
    frailty = np.repeat(rng.normal(0, frailty_sd, homes), size)
    latent = rng.exponential(30 / np.exp(frailty))
    days = np.minimum(np.ceil(latent), 28.0)
    return pd.DataFrame({"arm": np.where(treated == 1, "treatment", "control"), "home": home,
                         "days": days, "churned": (latent <= 28).astype(int)})


def test_clustered_cox_is_the_lin_wei_robust_sandwich():
    # Lin & Wei (JASA 1989): the robust variance is D' (Σ_g U_g U_g') D from the score
    # residuals U summed by cluster, D the inverse information - built here from statsmodels'
    # own score residuals and Hessian, an independent route to PHReg.fit(groups=...).
    from statsmodels.duration.hazard_regression import PHReg

    frame = _household_durations(31)
    ours = cox_hazard_ratio(frame, "days", "churned", control="control", cluster="home")
    treated = (frame["arm"] == "treatment").to_numpy(dtype=float)[:, None]
    model = PHReg(frame["days"].to_numpy(), treated, status=frame["churned"].to_numpy(),
                  ties="efron")
    beta = model.fit().params
    residuals = model.score_residuals(beta)[:, 0]
    meat = np.sum(np.bincount(frame["home"].to_numpy(), weights=residuals) ** 2)
    inverse_information = 1 / -model.hessian(beta)[0, 0]
    robust_se = math.sqrt(inverse_information * meat * inverse_information)
    assert ours.hazard_ratio == pytest.approx(math.exp(beta[0]), rel=1e-9)
    z = stats.norm.isf(0.025)
    assert ours.ci == pytest.approx((math.exp(beta[0] - z * robust_se),
                                     math.exp(beta[0] + z * robust_se)), rel=1e-6)
    naive = cox_hazard_ratio(frame, "days", "churned", control="control")
    assert ours.ci[1] / ours.ci[0] > naive.ci[1] / naive.ci[0]
    assert "cluster-robust" in ours.method


def test_clustered_logrank_scores_are_statsmodels_cox_score_residuals_at_zero():
    # The log-rank statistic is Cox's score test at a hazard ratio of one; its clustered
    # version sums each household's score residuals (statsmodels PHReg.score_residuals,
    # Breslow ties, at beta = 0) and squares the sums (Lin & Wei 1989).
    from statsmodels.duration.hazard_regression import PHReg

    frame = _household_durations(32)
    treated = (frame["arm"] == "treatment").to_numpy(dtype=float)
    time, status = frame["days"].to_numpy(), frame["churned"].to_numpy(dtype=float)
    residuals = PHReg(time, treated[:, None], status=status,
                      ties="breslow").score_residuals(np.zeros(1))[:, 0]
    expected_chi2 = residuals.sum() ** 2 / np.sum(
        np.bincount(frame["home"].to_numpy(), weights=residuals) ** 2)
    ours = logrank(frame, "days", "churned", control="control", cluster="home")
    assert ours.chi2 == pytest.approx(expected_chi2, rel=1e-9)
    assert ours.p_value == pytest.approx(stats.chi2.sf(expected_chi2, 1), rel=1e-9)
    # With every device its own household the robust test is close to the classical one.
    singletons = logrank(frame.assign(home=np.arange(len(frame))), "days", "churned",
                         control="control", cluster="home")
    classical = logrank(frame, "days", "churned", control="control")
    assert singletons.chi2 == pytest.approx(classical.chi2, rel=0.1)


def test_clustered_logrank_holds_its_size_when_households_churn_alike():
    # Across 300 null datasets with a shared household frailty the classical log-rank test
    # rejects too often; the clustered one stays near 5% (binomial 99% band for 300 runs).
    rejections = {"classical": 0, "clustered": 0}
    for seed in range(300):
        frame = _household_durations(1000 + seed, homes=200, frailty_sd=1.0)
        rejections["classical"] += logrank(frame, "days", "churned", control="control").p_value < 0.05
        rejections["clustered"] += logrank(frame, "days", "churned", control="control",
                                           cluster="home").p_value < 0.05
    assert rejections["clustered"] / 300 < 0.085
    assert rejections["classical"] > rejections["clustered"]
