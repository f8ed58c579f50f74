"""Mix: when two groups hold different shares of each stratum, pooled means can mislead.

:func:`stratified_difference` compares a metric between two groups overall (pooled) and
inside each stratum (a chip tier, a region), and standardises the comparison to one common
mix. When the groups' mixes differ and the strata differ in level, the pooled difference can
even take the opposite sign of every within-stratum difference: Simpson's paradox. Randomised
arms have the same mix up to chance; groups formed after assignment (devices that installed
the update against control, early adopters against the rest) need not.
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
    treatment_indicator,
)


@dataclass(frozen=True)
class StratumDifference(AnalysisResult):
    """One stratum: the difference in means and each group's share of its rows."""

    stratum: Any
    control_mean: float
    treatment_mean: float
    difference: float
    se: float
    control_share: float
    treatment_share: float
    weight: float


@dataclass(frozen=True)
class StratifiedResult(AnalysisResult):
    """Pooled against mix-adjusted difference in means (treatment minus control).

    ``adjusted`` weights each stratum's difference by its share of both groups together
    (direct standardisation), with the interval from the strata's independent variances.
    ``reversal`` is true when every stratum difference has one sign and the pooled
    difference the other: Simpson's paradox.
    """

    metric: str
    stratum_col: str
    pooled: float
    pooled_ci: tuple[float, float]
    adjusted: float
    adjusted_ci: tuple[float, float]
    strata: tuple[StratumDifference, ...]
    reversal: bool
    alpha: float
    reading: str

    def to_frame(self) -> pd.DataFrame:
        """One row per stratum.

        >>> frame = pd.DataFrame({"arm": ["control", "treatment"] * 4,
        ...                       "tier": ["a"] * 4 + ["b"] * 4, "x": [1, 2, 1, 2, 5, 6, 5, 6]})
        >>> stratified_difference(frame, "x", "tier").to_frame()["difference"].tolist()
        [1.0, 1.0]
        """
        return pd.DataFrame([s.to_dict() for s in self.strata])


def stratified_difference(
    df: pd.DataFrame,
    metric: str,
    stratum: str,
    arm_col: str = "arm",
    control: Any = None,
    alpha: float = 0.05,
) -> StratifiedResult:
    """Difference in means pooled, inside each stratum, and standardised to a common mix.

    Strata where either group has fewer than two rows are left out of the adjusted
    difference (their weight is zero). Rows missing the metric are dropped.

    >>> # Within each tier treatment is lower by 1, but treatment holds mostly the
    >>> # high-usage tier: pooled, it looks higher.
    >>> frame = pd.DataFrame({
    ...     "arm": ["control"] * 10 + ["treatment"] * 10,
    ...     "tier": ["high"] * 2 + ["low"] * 8 + ["high"] * 8 + ["low"] * 2,
    ...     "x": [10.0, 10.2] + [2.0, 2.2] * 4 + [9.0, 9.2] * 4 + [1.0, 1.2],
    ... })
    >>> result = stratified_difference(frame, "x", "tier")
    >>> round(result.pooled, 2), round(result.adjusted, 2), result.reversal
    (3.8, -1.0, True)
    """
    require_probability("alpha", alpha)
    require_columns(df, stratum)
    require_numeric(df, metric)
    arms = resolve_arms(df, arm_col, control)
    indicator = treatment_indicator(df, arms)
    values = df[metric].to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(values) & ~np.isnan(indicator)
    frame = pd.DataFrame({
        "stratum": df[stratum].to_numpy()[keep],
        "treated": indicator[keep] == 1.0,
        "value": values[keep],
    })
    treated, control_rows = frame[frame["treated"]], frame[~frame["treated"]]
    require_arm_counts(metric, len(control_rows), len(treated), arms, 2)
    z = float(stats.norm.isf(alpha / 2))
    pooled = float(treated["value"].mean() - control_rows["value"].mean())
    pooled_se = math.sqrt(treated["value"].var(ddof=1) / len(treated)
                          + control_rows["value"].var(ddof=1) / len(control_rows))
    grouped = frame.groupby(["stratum", "treated"], observed=True, sort=False)["value"]
    stats_frame = grouped.agg(["size", "mean", "var"])
    names = list(dict.fromkeys(frame["stratum"]))
    if isinstance(df[stratum].dtype, pd.CategoricalDtype):
        names = [c for c in df[stratum].cat.categories if c in set(names)]
    counts = {name: (_get(stats_frame, name, False, "size"), _get(stats_frame, name, True, "size"))
              for name in names}
    usable = [name for name in names if min(counts[name]) >= 2]
    total = sum(sum(counts[name]) for name in usable)
    strata = []
    for name in names:
        n_c, n_t = counts[name]
        ok = name in usable
        m_c = _get(stats_frame, name, False, "mean")
        m_t = _get(stats_frame, name, True, "mean")
        se = (math.sqrt(_get(stats_frame, name, True, "var") / n_t
                        + _get(stats_frame, name, False, "var") / n_c) if ok else math.nan)
        strata.append(StratumDifference(
            stratum=name,
            control_mean=m_c,
            treatment_mean=m_t,
            difference=m_t - m_c if ok else math.nan,
            se=se,
            control_share=n_c / len(control_rows),
            treatment_share=n_t / len(treated),
            weight=(n_c + n_t) / total if ok and total else 0.0,
        ))
    used = [s for s in strata if s.weight > 0]
    adjusted = float(sum(s.weight * s.difference for s in used)) if used else math.nan
    adjusted_se = math.sqrt(sum((s.weight * s.se) ** 2 for s in used)) if used else math.nan
    signs = {np.sign(s.difference) for s in used}
    reversal = bool(len(used) >= 2 and len(signs) == 1 and 0 not in signs
                    and np.sign(pooled) == -signs.pop())
    template = messages.READING_MIX_REVERSAL if reversal else messages.READING_MIX
    return StratifiedResult(
        metric=metric,
        stratum_col=stratum,
        pooled=pooled,
        pooled_ci=(pooled - z * pooled_se, pooled + z * pooled_se),
        adjusted=adjusted,
        adjusted_ci=(adjusted - z * adjusted_se, adjusted + z * adjusted_se),
        strata=tuple(strata),
        reversal=reversal,
        alpha=alpha,
        reading=template.format(metric=metric, pooled=pooled, adjusted=adjusted,
                                stratum=stratum.replace("_", " ")),
    )


def _get(frame: pd.DataFrame, name: Any, treated: bool, column: str) -> float:
    try:
        value = frame.loc[(name, treated), column]
    except KeyError:
        return 0 if column == "size" else math.nan
    return int(value) if column == "size" else float(value)
