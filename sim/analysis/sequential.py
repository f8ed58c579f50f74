"""Sequential monitoring: look at the experiment every day without fooling yourself.

A fixed-horizon 95 % interval checked every day will, sooner or later, exclude zero by
chance: with 30 daily looks at a null effect the false-alarm rate is several times 5 %.
An always-valid *confidence sequence* is a sequence of intervals that contains the true
difference at every look simultaneously with probability ``1 - alpha``, so stopping the
first time it excludes zero is honest.

This module implements the asymptotic confidence sequence of

    Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas (2024), "Time-uniform central limit
    theory and asymptotic confidence sequences", Annals of Statistics 52(6);
    arXiv:2103.06476,

whose boundary is Robbins' normal mixture (see also Howard, Ramdas, McAuliffe & Sekhon
(2021), "Time-uniform, nonparametric, nonasymptotic confidence sequences", Annals of
Statistics 49(2)). For a mean of ``t`` observations with estimated standard deviation
``σ̂_t`` the interval is

    μ̂_t ± σ̂_t · sqrt( 2 (t ρ² + 1) / (t² ρ²) · log( sqrt(t ρ² + 1) / α ) ).

For the difference of two arm means we use the influence function of the difference in
means, whose variance per device is ``t · v_t`` with ``v_t = s_c²/n_c + s_t²/n_t`` and
``t = n_c + n_t``. The half-width then becomes

    sqrt(v_t) · sqrt( (t ρ² + 1) / (t ρ²) · log( (t ρ² + 1) / α² ) ),

i.e. the fixed-horizon ``z`` is replaced by a multiplier that grows slowly (like
``sqrt(log t)``) with the sample. ``ρ`` tunes where the sequence is tightest; the choice
``ρ² = (-2 log α + log(-2 log α + 1)) / t*`` (the approximate optimum given by the same
authors) makes it nearly tightest at the planned final sample size ``t*``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim import messages
from sim.analysis.frame import (
    AnalysisResult,
    require_arm_counts,
    require_columns,
    require_numeric,
    require_probability,
    resolve_arms,
    to_plain,
    treatment_indicator,
)
from sim.errors import DataError


@dataclass(frozen=True)
class SequentialLook(AnalysisResult):
    """The cumulative comparison at one look.

    ``low``/``high`` is the always-valid interval; ``fixed_low``/``fixed_high`` is the
    ordinary fixed-horizon z interval, shown for contrast (it is only valid at one
    pre-planned look).
    """

    look: Any
    n_control: int
    n_treatment: int
    estimate: float
    low: float
    high: float
    fixed_low: float
    fixed_high: float


@dataclass(frozen=True)
class SequentialResult(AnalysisResult):
    """Always-valid confidence sequence for treatment minus control over all looks."""

    metric: str
    alpha: float
    planned_n: float
    rho: float
    looks: tuple[SequentialLook, ...]
    excludes_zero: bool
    first_exclusion_look: Any
    reading: str


def mixture_rho(planned_n: float, alpha: float) -> float:
    """Tuning parameter ``ρ`` that makes the sequence nearly tightest at ``planned_n``.

    >>> round(mixture_rho(10_000, 0.05), 5)
    0.02817
    """
    log_term = -2 * math.log(alpha)
    return math.sqrt((log_term + math.log(log_term + 1)) / planned_n)


def mixture_multiplier(n: float, alpha: float, rho: float) -> float:
    """Multiplier of the standard error at sample size ``n`` (replaces the fixed ``z``).

    >>> round(mixture_multiplier(10_000, 0.05, mixture_rho(10_000, 0.05)), 3)
    3.035
    """
    scaled = n * rho**2
    return math.sqrt((scaled + 1) / scaled * math.log((scaled + 1) / alpha**2))


def confidence_sequence(
    df: pd.DataFrame,
    metric: str,
    look_col: str = "day",
    arm_col: str = "arm",
    control: Any = None,
    alpha: float = 0.05,
    planned_n: float | None = None,
) -> SequentialResult:
    """Always-valid intervals for the difference in means at every look.

    Each row is one device with its metric and the look (e.g. the day it was enrolled or
    its data became final) at which it first counts; look ``k`` uses every row with a look
    value up to ``k``. ``planned_n`` is the planned total number of devices over both arms
    at the end (default: the number in the table, which is fine when enrolment does not
    depend on the results). Looks where an arm has fewer than two devices are skipped.

    >>> rng = np.random.default_rng(3)
    >>> frame = pd.DataFrame({"day": np.repeat(np.arange(1, 11), 200),
    ...                       "arm": np.tile(["control", "treatment"], 1000),
    ...                       "minutes": rng.normal(30, 5, 2000)})
    >>> result = confidence_sequence(frame, "minutes")
    >>> len(result.looks), result.excludes_zero
    (10, False)
    >>> last = result.looks[-1]
    >>> last.high - last.low > last.fixed_high - last.fixed_low
    True
    """
    require_probability("alpha", alpha)
    arms = resolve_arms(df, arm_col, control)
    require_numeric(df, metric)
    require_columns(df, look_col)
    indicator = treatment_indicator(df, arms)
    values = df[metric].to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(values) & ~np.isnan(indicator) & df[look_col].notna().to_numpy()
    # Shifting by a constant leaves variances unchanged and keeps sums of squares from
    # losing precision when the mean is large compared with the spread.
    shift = float(np.mean(values[keep])) if keep.any() else 0.0
    shifted = values[keep] - shift
    frame = pd.DataFrame(
        {
            "look": df[look_col].to_numpy()[keep],
            "treated": indicator[keep],
            "value": shifted,
            "square": shifted**2,
        }
    )
    sums = frame.groupby(["look", "treated"]).agg(
        n=("value", "size"), total=("value", "sum"), squares=("square", "sum")
    )
    cumulative = sums.unstack("treated", fill_value=0).sort_index().cumsum()
    if cumulative.empty:
        raise DataError(messages.COLUMN_ALL_MISSING.format(column=metric))
    n = {arm: cumulative[("n", arm)].to_numpy(dtype=float) for arm in (0.0, 1.0)}
    total = {arm: cumulative[("total", arm)].to_numpy(dtype=float) for arm in (0.0, 1.0)}
    squares = {arm: cumulative[("squares", arm)].to_numpy(dtype=float) for arm in (0.0, 1.0)}
    valid = (n[0.0] >= 2) & (n[1.0] >= 2)
    if not valid.any():
        # Counts only grow, so no usable look means the final look lacks two in an arm.
        require_arm_counts(metric, int(n[0.0][-1]), int(n[1.0][-1]), arms, 2)
    if planned_n is None:
        planned_n = float(n[0.0][-1] + n[1.0][-1])
    if not planned_n > 0:
        raise DataError(
            messages.VALUE_OUT_OF_RANGE.format(
                name="planned_n", requirement="above 0", value=planned_n
            )
        )
    rho = mixture_rho(planned_n, alpha)
    z = float(stats.norm.isf(alpha / 2))
    looks = []
    for index in np.flatnonzero(valid):
        means, variances = {}, {}
        for arm in (0.0, 1.0):
            count = n[arm][index]
            means[arm] = total[arm][index] / count
            variances[arm] = max(squares[arm][index] - count * means[arm] ** 2, 0.0) / (count - 1)
        estimate = means[1.0] - means[0.0]
        se = math.sqrt(variances[0.0] / n[0.0][index] + variances[1.0] / n[1.0][index])
        half_width = mixture_multiplier(n[0.0][index] + n[1.0][index], alpha, rho) * se
        looks.append(
            SequentialLook(
                look=to_plain(cumulative.index[index]),
                n_control=int(n[0.0][index]),
                n_treatment=int(n[1.0][index]),
                estimate=float(estimate),
                low=float(estimate - half_width),
                high=float(estimate + half_width),
                fixed_low=float(estimate - z * se),
                fixed_high=float(estimate + z * se),
            )
        )
    first = next((look.look for look in looks if look.low > 0 or look.high < 0), None)
    if first is None:
        reading = messages.READING_SEQUENTIAL_NO.format(level=1 - alpha, looks=len(looks))
    else:
        reading = messages.READING_SEQUENTIAL_YES.format(level=1 - alpha, look=first)
    return SequentialResult(
        metric=metric,
        alpha=alpha,
        planned_n=float(planned_n),
        rho=rho,
        looks=tuple(looks),
        excludes_zero=first is not None,
        first_exclusion_look=first,
        reading=reading,
    )
