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

from sim import messages
from sim.analysis.compare import clustered_means, independent_means, independent_proportions
from sim.analysis.frame import (
    AnalysisResult,
    arm_samples,
    format_p,
    is_binary,
    require_columns,
    require_probability,
    resolve_arms,
    treatment_indicator,
)
from sim.analysis.lift import LIFT_KINDS
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
    cluster: str | None = None,
) -> NonInferiorityResult:
    """One-sided test that treatment is no worse than control by more than ``margin``.

    The null hypothesis is "treatment is worse by at least the margin". With
    ``relative=True`` the margin is a fraction of the control value (0.02 = 2 %) and the test
    is the delta-method test on ``t / c - 1`` (the same relative interval the lift reports);
    with ``relative=False`` it is the Wald z-test (binary metrics) or Welch's t-test (means)
    against the shifted null. With ``cluster`` the variances are cluster-robust (t on
    ``G - 1`` degrees of freedom, :mod:`sim.analysis.compare`). The bound is the one-sided
    ``1 - alpha`` confidence bound on the worse side.

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
    if kind == "binary" and not (is_binary(control_values) and is_binary(treatment_values)):
        raise DataError(messages.COLUMN_NOT_BINARY.format(column=metric))
    if cluster is not None:
        require_columns(df, cluster)
        indicator = treatment_indicator(df, arms)
        values = df[metric].to_numpy(dtype=float, na_value=np.nan)
        keep = ~np.isnan(values) & ~np.isnan(indicator) & df[cluster].notna().to_numpy()
        compare = clustered_means(values[keep], indicator[keep], df[cluster].to_numpy()[keep])
    elif kind == "binary":
        compare = independent_proportions(control_values, treatment_values)
    else:
        compare = independent_means(control_values, treatment_values)
    # "larger" alternative: treatment - control > -margin when higher is better. The bound
    # is one end of the two-sided interval at level 1 - 2 alpha.
    alternative = "larger" if higher_is_better else "smaller"
    sign = -1.0 if higher_is_better else 1.0
    side = 0 if higher_is_better else 1
    if relative:
        method = "relative difference (delta method)"
        estimate = compare.relative
        p_value = compare.relative_p_value(null=sign * margin, alternative=alternative)
        bound = compare.relative_interval(2 * alpha)[side]
    else:
        method = ("difference in proportions (Wald)" if kind == "binary"
                  else "difference in means (Welch)")
        estimate = compare.difference
        p_value = compare.p_value(null=sign * margin, alternative=alternative)
        bound = compare.interval(2 * alpha)[side]
    if cluster is not None:
        method += ", cluster-robust"
    p_value = float(p_value)
    non_inferior = bool(p_value < alpha)
    if not math.isfinite(estimate):
        raise DataError(messages.NI_UNDEFINED.format(metric=metric))
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
