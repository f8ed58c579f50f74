"""Non-inferiority: is treatment no worse than control by more than a margin?

:func:`non_inferiority` is a one-sided test against a shifted null, for binary metrics
(proportions) and numeric ones (means), with the margin absolute or relative to control.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    test_proportions_2indep,
)
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from sim import messages
from sim.analysis.frame import (
    AnalysisResult,
    arm_samples,
    format_p,
    is_binary,
    require_probability,
    resolve_arms,
)
from sim.analysis.lift import LIFT_KINDS, relative_ci_delta
from sim.errors import DataError


@dataclass(frozen=True)
class NonInferiorityResult(AnalysisResult):
    """One-sided test that treatment is not worse than control by more than ``margin``.

    ``estimate`` is the absolute difference (or relative lift when ``relative``); ``bound``
    is the one-sided ``1 - alpha`` confidence bound on the side that matters (lower when
    higher is better). ``non_inferior`` is true when the bound clears ``-margin`` (or stays
    below ``+margin`` when lower is better), which is the same as ``p_value < alpha``.
    """

    metric: str
    method: str
    margin: float
    relative: bool
    higher_is_better: bool
    estimate: float
    bound: float
    p_value: float
    non_inferior: bool
    alpha: float
    reading: str


def non_inferiority(
    df: pd.DataFrame,
    metric: str,
    margin: float,
    higher_is_better: bool = True,
    relative: bool = True,
    arm_col: str = "arm",
    control: Any = None,
    alpha: float = 0.05,
    kind: str = "auto",
) -> NonInferiorityResult:
    """One-sided test that treatment is no worse than control by more than ``margin``.

    The null hypothesis is "treatment is worse by at least the margin". With
    ``relative=True`` the margin is a fraction of the control value (0.02 = 2 %). Binary
    metrics use statsmodels ``test_proportions_2indep`` against a shifted null (difference,
    or ratio ``1 ∓ margin``); means use Welch's ``ttest_ind(value=...)`` for absolute margins
    and a delta-method z test on ``t / c - 1`` for relative ones.

    >>> frame = pd.DataFrame({
    ...     "arm": ["control"] * 2000 + ["treatment"] * 2000,
    ...     "crashed": [1] * 100 + [0] * 1900 + [1] * 102 + [0] * 1898,
    ... })
    >>> result = non_inferiority(frame, "crashed", margin=0.02, higher_is_better=False,
    ...                          relative=False)
    >>> result.non_inferior, round(result.bound, 4)
    (True, 0.0124)
    """
    require_probability("alpha", alpha)
    if not (isinstance(margin, numbers.Real) and margin > 0):
        raise DataError(
            messages.VALUE_OUT_OF_RANGE.format(name="margin", requirement="above 0", value=margin)
        )
    if kind not in LIFT_KINDS:
        raise DataError(messages.OPTION_UNKNOWN.format(name="kind", options=LIFT_KINDS, value=kind))
    arms = resolve_arms(df, arm_col, control)
    control_values, treatment_values = arm_samples(df, metric, arms, minimum=2)
    if kind == "auto":
        kind = "binary" if is_binary(np.concatenate([control_values, treatment_values])) else "mean"
    # "larger" alternative: treatment - control > -margin when higher is better. Every
    # one-sided bound below is one end of the two-sided interval at level 1 - 2 alpha.
    alternative = "larger" if higher_is_better else "smaller"
    sign = -1.0 if higher_is_better else 1.0
    n_c, n_t = control_values.size, treatment_values.size
    m_c, m_t = control_values.mean(), treatment_values.mean()
    if kind == "binary":
        if not (is_binary(control_values) and is_binary(treatment_values)):
            raise DataError(messages.COLUMN_NOT_BINARY.format(column=metric))
        # statsmodels also computes odds ratios, which divide by zero for all-0/all-1 arms.
        with np.errstate(divide="ignore", invalid="ignore"):
            x_c, x_t = control_values.sum(), treatment_values.sum()
            if relative:
                method = "ratio of proportions (log)"
                estimate = m_t / m_c - 1 if m_c > 0 else math.nan
                p_value = test_proportions_2indep(
                    x_t,
                    n_t,
                    x_c,
                    n_c,
                    value=1 + sign * margin,
                    method="log",
                    compare="ratio",
                    alternative=alternative,
                ).pvalue
                low, high = confint_proportions_2indep(
                    x_t, n_t, x_c, n_c, method="log", compare="ratio", alpha=2 * alpha
                )
                bound = (low if higher_is_better else high) - 1
            else:
                method = "difference in proportions (Wald)"
                estimate = m_t - m_c
                p_value = test_proportions_2indep(
                    x_t,
                    n_t,
                    x_c,
                    n_c,
                    value=sign * margin,
                    method="wald",
                    compare="diff",
                    alternative=alternative,
                ).pvalue
                low, high = confint_proportions_2indep(
                    x_t, n_t, x_c, n_c, method="wald", compare="diff", alpha=2 * alpha
                )
                bound = low if higher_is_better else high
    else:
        comparison = CompareMeans(DescrStatsW(treatment_values), DescrStatsW(control_values))
        var_c = control_values.var(ddof=1) / n_c
        var_t = treatment_values.var(ddof=1) / n_t
        if relative:
            method = "relative difference in means (delta method)"
            estimate, low, high = relative_ci_delta(m_c, m_t, var_c, var_t, 2 * alpha)
            se = (high - low) / (2 * stats.norm.isf(alpha))
            # z for H0: rel = sign * margin against the one-sided alternative.
            z = (estimate - sign * margin) / se if se > 0 else math.nan
            p_value = stats.norm.sf(z) if higher_is_better else stats.norm.cdf(z)
            bound = low if higher_is_better else high
        else:
            method = "difference in means (Welch)"
            estimate = m_t - m_c
            _, p_value, _ = comparison.ttest_ind(
                alternative=alternative, usevar="unequal", value=sign * margin
            )
            low, high = comparison.tconfint_diff(alpha=2 * alpha, usevar="unequal")
            bound = low if higher_is_better else high
    p_value = float(p_value)
    non_inferior = bool(p_value < alpha)
    margin_text = f"{sign * margin:+.2%}" if relative else f"{sign * margin:+.4g}"
    bound_text = f"{bound:+.2%}" if relative else f"{bound:+.4g}"
    template = messages.READING_NON_INFERIOR if non_inferior else messages.READING_NOT_NON_INFERIOR
    return NonInferiorityResult(
        metric=metric,
        method=method,
        margin=float(margin),
        relative=relative,
        higher_is_better=higher_is_better,
        estimate=float(estimate),
        bound=float(bound),
        p_value=p_value,
        non_inferior=non_inferior,
        alpha=alpha,
        reading=template.format(
            metric=metric,
            level=1 - alpha,
            bound=bound_text,
            margin=margin_text,
            p=format_p(p_value),
        ),
    )
