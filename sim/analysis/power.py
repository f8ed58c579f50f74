"""Power: how many devices, and how many days, does an experiment need?

Two-sided two-sample tests with equal arms, from statsmodels' power classes:
``NormalIndPower`` (z test; right for fleets of thousands) or ``TTestIndPower`` (t test;
slightly larger samples when arms are small). Effects are given relative to the baseline
(``mde_rel=0.02`` is a 2 % change) and converted to standardised effect sizes:
``(mde_rel * baseline) / sd`` for means and Cohen's ``h`` (arcsine difference, statsmodels
``proportion_effectsize``) for proportions.

* ``power_for_*`` - the chance of detecting a given change with a given sample.
* ``mde_for_*`` - the smallest change detectable with a given sample and power.
* ``sample_size_for_*`` - devices per arm for a given change and power.
* :func:`days_needed` - the same as days of enrolment, checked against the day budget.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import proportion_effectsize

from sim import messages
from sim.analysis.frame import AnalysisResult, require_probability
from sim.errors import DataError
from sim.limits import BUDGET_DAYS

POWER_TESTS = ("z", "t")


@dataclass(frozen=True)
class PowerResult(AnalysisResult):
    """A power calculation: any one of sample size, change and power given the others.

    ``kind`` is ``"means"`` or ``"proportions"``; ``sd`` is NaN for proportions.
    ``effect_size`` is the standardised effect (Cohen's d or h). ``n_per_arm`` is the number
    of devices in each arm (rounded up when it was solved for).
    """

    kind: str
    test: str
    n_per_arm: float
    baseline: float
    sd: float
    mde_abs: float
    mde_rel: float
    effect_size: float
    alpha: float
    power: float
    reading: str


@dataclass(frozen=True)
class DurationResult(AnalysisResult):
    """Days of enrolment needed to reach the sample size, against a budget of days."""

    daily_devices_per_arm: float
    n_per_arm_needed: int
    days_needed: int
    budget_days: int
    fits_budget: bool
    power_at_budget: float
    mde_rel_at_budget: float
    reading: str


def _solver(test: str) -> NormalIndPower | TTestIndPower:
    if test not in POWER_TESTS:
        raise DataError(
            messages.OPTION_UNKNOWN.format(name="test", options=POWER_TESTS, value=test)
        )
    return NormalIndPower() if test == "z" else TTestIndPower()


def _positive(name: str, value: float) -> float:
    if not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
        raise DataError(
            messages.VALUE_OUT_OF_RANGE.format(name=name, requirement="above 0", value=value)
        )
    return float(value)


def _check_rate(baseline_rate: float) -> None:
    require_probability("baseline_rate", baseline_rate)


def _treatment_rate(baseline_rate: float, mde_rel: float) -> float:
    rate = baseline_rate * (1 + mde_rel)
    if not 0 < rate < 1:
        raise DataError(
            messages.VALUE_OUT_OF_RANGE.format(
                name="mde_rel",
                requirement=f"a change that keeps the rate between 0 and 1 (baseline {baseline_rate:g})",
                value=mde_rel,
            )
        )
    return rate


def _result(
    kind: str,
    test: str,
    n_per_arm: float,
    baseline: float,
    sd: float,
    mde_abs: float,
    effect_size: float,
    alpha: float,
    power: float,
) -> PowerResult:
    mde_rel = mde_abs / baseline if baseline else math.nan
    return PowerResult(
        kind=kind,
        test=test,
        n_per_arm=float(n_per_arm),
        baseline=float(baseline),
        sd=float(sd),
        mde_abs=float(mde_abs),
        mde_rel=float(mde_rel),
        effect_size=float(effect_size),
        alpha=float(alpha),
        power=float(power),
        reading=messages.READING_POWER.format(
            n=math.ceil(n_per_arm),
            mde_rel=mde_rel,
            mde_abs=mde_abs,
            baseline=baseline,
            power=power,
            alpha=alpha,
        ),
    )


def power_for_means(
    n_per_arm: float,
    baseline_mean: float,
    sd: float,
    mde_rel: float,
    alpha: float = 0.05,
    test: str = "z",
) -> PowerResult:
    """Power to detect a relative change ``mde_rel`` in a mean with ``n_per_arm`` per arm.

    >>> round(power_for_means(1000, 10.0, 4.0, 0.05).power, 3)
    0.798
    """
    require_probability("alpha", alpha)
    _positive("n_per_arm", n_per_arm)
    _positive("sd", sd)
    mde_abs = abs(mde_rel * baseline_mean)
    effect = mde_abs / sd
    power = _solver(test).power(effect_size=effect, nobs1=n_per_arm, alpha=alpha, ratio=1.0)
    return _result("means", test, n_per_arm, baseline_mean, sd, mde_abs, effect, alpha, power)


def mde_for_means(
    n_per_arm: float,
    baseline_mean: float,
    sd: float,
    alpha: float = 0.05,
    power: float = 0.8,
    test: str = "z",
) -> PowerResult:
    """Smallest change in a mean detectable with ``n_per_arm`` per arm at ``power``.

    >>> round(mde_for_means(1000, 10.0, 4.0).mde_rel, 4)
    0.0501
    """
    require_probability("alpha", alpha)
    require_probability("power", power)
    _positive("n_per_arm", n_per_arm)
    _positive("sd", sd)
    effect = _solver(test).solve_power(nobs1=n_per_arm, alpha=alpha, power=power, ratio=1.0)
    return _result("means", test, n_per_arm, baseline_mean, sd, effect * sd, effect, alpha, power)


def sample_size_for_means(
    baseline_mean: float,
    sd: float,
    mde_rel: float,
    alpha: float = 0.05,
    power: float = 0.8,
    test: str = "z",
) -> PowerResult:
    """Devices per arm to detect a relative change ``mde_rel`` in a mean.

    >>> sample_size_for_means(10.0, 4.0, 0.05).n_per_arm
    1005.0
    """
    require_probability("alpha", alpha)
    require_probability("power", power)
    _positive("sd", sd)
    mde_abs = abs(mde_rel * baseline_mean)
    effect = _positive("the standardised effect mde_rel * baseline_mean / sd", mde_abs / sd)
    n = _solver(test).solve_power(effect_size=effect, alpha=alpha, power=power, ratio=1.0)
    return _result("means", test, math.ceil(n), baseline_mean, sd, mde_abs, effect, alpha, power)


def power_for_proportions(
    n_per_arm: float, baseline_rate: float, mde_rel: float, alpha: float = 0.05
) -> PowerResult:
    """Power to detect a relative change ``mde_rel`` in a rate (z test on Cohen's h).

    >>> round(power_for_proportions(5000, 0.10, 0.10).power, 3)
    0.371
    """
    require_probability("alpha", alpha)
    _positive("n_per_arm", n_per_arm)
    _check_rate(baseline_rate)
    treated = _treatment_rate(baseline_rate, mde_rel)
    effect = abs(proportion_effectsize(treated, baseline_rate))
    power = NormalIndPower().power(effect_size=effect, nobs1=n_per_arm, alpha=alpha, ratio=1.0)
    mde_abs = abs(treated - baseline_rate)
    return _result(
        "proportions", "z", n_per_arm, baseline_rate, math.nan, mde_abs, effect, alpha, power
    )


def mde_for_proportions(
    n_per_arm: float, baseline_rate: float, alpha: float = 0.05, power: float = 0.8
) -> PowerResult:
    """Smallest increase in a rate detectable with ``n_per_arm`` per arm at ``power``.

    The effect size ``h`` is solved first and mapped back to a rate above the baseline:
    ``p = sin(asin(sqrt(baseline)) + h / 2) ** 2``.

    >>> round(mde_for_proportions(5000, 0.10).mde_rel, 3)
    0.174
    """
    require_probability("alpha", alpha)
    require_probability("power", power)
    _positive("n_per_arm", n_per_arm)
    _check_rate(baseline_rate)
    effect = NormalIndPower().solve_power(nobs1=n_per_arm, alpha=alpha, power=power, ratio=1.0)
    angle = math.asin(math.sqrt(baseline_rate)) + effect / 2
    treated = math.sin(min(angle, math.pi / 2)) ** 2
    mde_abs = treated - baseline_rate
    return _result(
        "proportions", "z", n_per_arm, baseline_rate, math.nan, mde_abs, effect, alpha, power
    )


def sample_size_for_proportions(
    baseline_rate: float, mde_rel: float, alpha: float = 0.05, power: float = 0.8
) -> PowerResult:
    """Devices per arm to detect a relative change ``mde_rel`` in a rate.

    >>> sample_size_for_proportions(0.10, 0.10).n_per_arm
    14745.0
    """
    require_probability("alpha", alpha)
    require_probability("power", power)
    _check_rate(baseline_rate)
    treated = _treatment_rate(baseline_rate, mde_rel)
    effect = _positive("mde_rel", abs(proportion_effectsize(treated, baseline_rate)))
    n = NormalIndPower().solve_power(effect_size=effect, alpha=alpha, power=power, ratio=1.0)
    mde_abs = abs(treated - baseline_rate)
    return _result(
        "proportions", "z", math.ceil(n), baseline_rate, math.nan, mde_abs, effect, alpha, power
    )


def days_needed(
    daily_devices_per_arm: float,
    baseline_mean: float,
    sd: float | None,
    mde_rel: float,
    alpha: float = 0.05,
    power: float = 0.8,
    budget_days: int = BUDGET_DAYS,
) -> DurationResult:
    """Days of enrolment to detect ``mde_rel``, and whether that fits ``budget_days``.

    ``daily_devices_per_arm`` new devices join each arm per day and each contributes one
    value of the metric. Pass ``sd=None`` for a 0/1 metric, whose ``baseline_mean`` is then
    the baseline rate. The result also gives the power and the smallest detectable change
    if the experiment stops at the budget.

    >>> result = days_needed(50, 10.0, 4.0, 0.05)
    >>> result.n_per_arm_needed, result.days_needed, result.fits_budget
    (1005, 21, True)
    """
    _positive("daily_devices_per_arm", daily_devices_per_arm)
    if int(budget_days) != budget_days or budget_days < 1:
        raise DataError(
            messages.VALUE_OUT_OF_RANGE.format(
                name="budget_days", requirement="a whole number of at least 1", value=budget_days
            )
        )
    budget_n = daily_devices_per_arm * budget_days
    if sd is None:
        needed = sample_size_for_proportions(baseline_mean, mde_rel, alpha, power)
        at_budget = power_for_proportions(budget_n, baseline_mean, mde_rel, alpha)
        mde_at_budget = mde_for_proportions(budget_n, baseline_mean, alpha, power)
    else:
        needed = sample_size_for_means(baseline_mean, sd, mde_rel, alpha, power)
        at_budget = power_for_means(budget_n, baseline_mean, sd, mde_rel, alpha)
        mde_at_budget = mde_for_means(budget_n, baseline_mean, sd, alpha, power)
    n_needed = int(needed.n_per_arm)
    days = math.ceil(n_needed / daily_devices_per_arm)
    fits = days <= budget_days
    template = messages.READING_DURATION_FITS if fits else messages.READING_DURATION_TOO_LONG
    return DurationResult(
        daily_devices_per_arm=float(daily_devices_per_arm),
        n_per_arm_needed=n_needed,
        days_needed=days,
        budget_days=int(budget_days),
        fits_budget=fits,
        power_at_budget=at_budget.power,
        mde_rel_at_budget=abs(mde_at_budget.mde_rel),
        reading=template.format(
            n=n_needed,
            days=days,
            daily=daily_devices_per_arm,
            budget=int(budget_days),
            mde_budget=abs(mde_at_budget.mde_rel),
        ),
    )
