"""Bayesian reading: how likely is treatment better, and what does shipping risk?

A p-value answers "how surprising is this if nothing changed?". A launch decision wants
"how likely is treatment better, and how much do we lose if we ship and it is not?". This
module gives that reading for the difference treatment minus control:

* :func:`bayes_mean_diff` - normal approximation: the estimated difference is normal around
  the true one with the Welch variance; flat prior, or a weak normal prior centred on zero
  (``prior_sd``) that shrinks small noisy differences.
* :func:`bayes_proportion_diff` - beta-binomial: each arm's rate gets a Beta posterior
  (``Beta(1, 1)`` uniform prior by default); summaries come from seeded Monte Carlo draws.
* :func:`bayes_lift` - picks one of the two from the values.

``expected_loss_ship`` is E[max(0, -Δ)] for a metric where higher is better: the average
amount given up by shipping, counting only the worlds where treatment is worse.
``expected_loss_hold`` is the same for keeping control.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim import messages
from sim.analysis.compare import clustered_means, independent_means
from sim.analysis.frame import (
    AnalysisResult,
    arm_samples,
    is_binary,
    require_columns,
    require_probability,
    resolve_arms,
    treatment_indicator,
)
from sim.analysis.lift import LIFT_KINDS
from sim.errors import DataError

DEFAULT_DRAWS = 200_000


@dataclass(frozen=True)
class BayesResult(AnalysisResult):
    """Posterior summary of the difference treatment minus control.

    ``credible_interval`` is the central ``1 - alpha`` interval of the posterior.
    "Better" means higher when ``higher_is_better`` and lower otherwise; both expected
    losses are in the metric's units and are zero or more.
    """

    metric: str
    method: str
    control_mean: float
    treatment_mean: float
    posterior_mean: float
    posterior_sd: float
    credible_interval: tuple[float, float]
    prob_treatment_better: float
    expected_loss_ship: float
    expected_loss_hold: float
    higher_is_better: bool
    n_control: int
    n_treatment: int
    alpha: float
    reading: str


def _reading(
    metric: str,
    prob: float,
    loss_ship: float,
    loss_hold: float,
    interval: tuple[float, float],
    alpha: float,
) -> str:
    return messages.READING_BAYES.format(
        metric=metric,
        prob=prob,
        loss_ship=loss_ship,
        loss_hold=loss_hold,
        level=1 - alpha,
        low=interval[0],
        high=interval[1],
    )


def normal_expected_shortfall(mean: float, sd: float) -> float:
    """E[max(0, -X)] for X ~ Normal(mean, sd²): ``sd φ(mean/sd) - mean Φ(-mean/sd)``.

    >>> round(normal_expected_shortfall(0.0, 1.0), 4)  # 1 / sqrt(2 pi)
    0.3989
    """
    if sd == 0:
        return max(0.0, -mean)
    ratio = mean / sd
    return float(sd * stats.norm.pdf(ratio) - mean * stats.norm.cdf(-ratio))


def bayes_mean_diff(
    df: pd.DataFrame,
    metric: str,
    arm_col: str = "arm",
    control: Any = None,
    alpha: float = 0.05,
    prior_sd: float | None = None,
    higher_is_better: bool = True,
    cluster: str | None = None,
) -> BayesResult:
    """Normal-approximation posterior of the difference in means.

    The likelihood is ``Δ̂ ~ Normal(Δ, v)`` with ``Δ̂`` the observed difference and ``v``
    its Welch variance (``s_c²/n_c + s_t²/n_t``), or its cluster-robust variance with
    ``cluster`` (whole households randomised together; :mod:`sim.analysis.compare`). With ``prior_sd=None`` the prior is flat
    and the posterior is ``Normal(Δ̂, v)``; otherwise the prior ``Normal(0, prior_sd²)``
    gives posterior precision ``1/v + 1/prior_sd²``.

    >>> frame = pd.DataFrame({"arm": ["control"] * 4 + ["treatment"] * 4,
    ...                       "minutes": [10.0, 12.0, 11.0, 13.0, 14.0, 15.0, 13.0, 16.0]})
    >>> result = bayes_mean_diff(frame, "minutes")
    >>> result.posterior_mean, round(result.prob_treatment_better, 4)
    (3.0, 0.9995)
    """
    require_probability("alpha", alpha)
    if prior_sd is not None and not prior_sd > 0:
        raise DataError(
            messages.VALUE_OUT_OF_RANGE.format(
                name="prior_sd", requirement="above 0", value=prior_sd
            )
        )
    arms = resolve_arms(df, arm_col, control)
    control_values, treatment_values = arm_samples(df, metric, arms, minimum=2)
    if cluster is None:
        compare = independent_means(control_values, treatment_values)
    else:
        require_columns(df, cluster)
        indicator = treatment_indicator(df, arms)
        values = df[metric].to_numpy(dtype=float, na_value=np.nan)
        keep = ~np.isnan(values) & ~np.isnan(indicator) & df[cluster].notna().to_numpy()
        compare = clustered_means(values[keep], indicator[keep], df[cluster].to_numpy()[keep])
    observed, variance = float(compare.difference), float(compare.se**2)
    if prior_sd is None:
        mean, sd = observed, math.sqrt(variance)
        method = "normal approximation, flat prior"
    else:
        precision = (1 / variance if variance > 0 else math.inf) + 1 / prior_sd**2
        mean = observed / variance / precision if variance > 0 else observed
        sd = math.sqrt(1 / precision)
        method = f"normal approximation, Normal(0, {prior_sd:g}²) prior"
    if cluster is not None:
        method += ", cluster-robust variance"
    sign = 1.0 if higher_is_better else -1.0
    if sd > 0:
        prob = float(stats.norm.sf(0, loc=sign * mean, scale=sd))
        low, high = (float(v) for v in stats.norm.interval(1 - alpha, loc=mean, scale=sd))
    else:
        prob = float(sign * mean > 0)
        low = high = mean
    loss_ship = normal_expected_shortfall(sign * mean, sd)
    loss_hold = normal_expected_shortfall(-sign * mean, sd)
    return BayesResult(
        metric=metric,
        method=method,
        control_mean=float(control_values.mean()),
        treatment_mean=float(treatment_values.mean()),
        posterior_mean=float(mean),
        posterior_sd=float(sd),
        credible_interval=(low, high),
        prob_treatment_better=prob,
        expected_loss_ship=loss_ship,
        expected_loss_hold=loss_hold,
        higher_is_better=higher_is_better,
        n_control=int(control_values.size),
        n_treatment=int(treatment_values.size),
        alpha=alpha,
        reading=_reading(metric, prob, loss_ship, loss_hold, (low, high), alpha),
    )


def bayes_proportion_diff(
    df: pd.DataFrame,
    metric: str,
    arm_col: str = "arm",
    control: Any = None,
    alpha: float = 0.05,
    prior_successes: float = 1.0,
    prior_failures: float = 1.0,
    higher_is_better: bool = True,
    draws: int = DEFAULT_DRAWS,
    seed: int = 0,
) -> BayesResult:
    """Beta-binomial posterior of the difference in rates of a 0/1 metric.

    Each arm's rate is ``Beta(prior_successes + successes, prior_failures + failures)``;
    the difference is summarised from ``draws`` seeded Monte Carlo draws (the Monte Carlo
    error of the probability is at most ``0.5 / sqrt(draws)``, about 0.001 by default).

    >>> frame = pd.DataFrame({"arm": ["control"] * 200 + ["treatment"] * 200,
    ...                       "installed": [1] * 40 + [0] * 160 + [1] * 60 + [0] * 140})
    >>> result = bayes_proportion_diff(frame, "installed")
    >>> round(result.prob_treatment_better, 2), round(result.posterior_mean, 2)
    (0.99, 0.1)
    """
    require_probability("alpha", alpha)
    for name, value in (("prior_successes", prior_successes), ("prior_failures", prior_failures)):
        if not value > 0:
            raise DataError(
                messages.VALUE_OUT_OF_RANGE.format(name=name, requirement="above 0", value=value)
            )
    if int(draws) != draws or draws < 1000:
        raise DataError(
            messages.VALUE_OUT_OF_RANGE.format(
                name="draws", requirement="a whole number of at least 1000", value=draws
            )
        )
    arms = resolve_arms(df, arm_col, control)
    control_values, treatment_values = arm_samples(df, metric, arms)
    if not (is_binary(control_values) and is_binary(treatment_values)):
        raise DataError(messages.COLUMN_NOT_BINARY.format(column=metric))
    rng = np.random.default_rng(seed)
    posteriors = []
    for values in (control_values, treatment_values):
        successes = values.sum()
        posteriors.append(
            rng.beta(
                prior_successes + successes, prior_failures + values.size - successes, int(draws)
            )
        )
    difference = posteriors[1] - posteriors[0]
    oriented = difference if higher_is_better else -difference
    low, high = (float(v) for v in np.quantile(difference, [alpha / 2, 1 - alpha / 2]))
    prob = float(np.mean(oriented > 0))
    loss_ship = float(np.mean(np.maximum(0.0, -oriented)))
    loss_hold = float(np.mean(np.maximum(0.0, oriented)))
    return BayesResult(
        metric=metric,
        method=f"beta-binomial, Beta({prior_successes:g}, {prior_failures:g}) prior",
        control_mean=float(control_values.mean()),
        treatment_mean=float(treatment_values.mean()),
        posterior_mean=float(difference.mean()),
        posterior_sd=float(difference.std(ddof=1)),
        credible_interval=(low, high),
        prob_treatment_better=prob,
        expected_loss_ship=loss_ship,
        expected_loss_hold=loss_hold,
        higher_is_better=higher_is_better,
        n_control=int(control_values.size),
        n_treatment=int(treatment_values.size),
        alpha=alpha,
        reading=_reading(metric, prob, loss_ship, loss_hold, (low, high), alpha),
    )


def bayes_lift(
    df: pd.DataFrame,
    metric: str,
    kind: str = "auto",
    arm_col: str = "arm",
    control: Any = None,
    alpha: float = 0.05,
    higher_is_better: bool = True,
    cluster: str | None = None,
) -> BayesResult:
    """Bayesian reading of ``metric``: beta-binomial for 0/1 values, normal otherwise; with
    ``cluster`` always the normal approximation on the cluster-robust variance (the
    beta-binomial assumes independent devices).

    >>> frame = pd.DataFrame({"arm": ["control", "treatment"] * 100, "clicked": [0, 1, 1, 1] * 50})
    >>> bayes_lift(frame, "clicked").method
    'beta-binomial, Beta(1, 1) prior'
    """
    if kind not in LIFT_KINDS:
        raise DataError(messages.OPTION_UNKNOWN.format(name="kind", options=LIFT_KINDS, value=kind))
    if kind == "auto":
        arms = resolve_arms(df, arm_col, control)
        control_values, treatment_values = arm_samples(df, metric, arms)
        both = np.concatenate([control_values, treatment_values])
        kind = "binary" if is_binary(both) else "mean"
    if kind == "binary" and cluster is None:
        return bayes_proportion_diff(
            df, metric, arm_col, control, alpha, higher_is_better=higher_is_better
        )
    return bayes_mean_diff(df, metric, arm_col, control, alpha, higher_is_better=higher_is_better,
                           cluster=cluster)
