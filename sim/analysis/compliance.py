"""Compliance: intention-to-treat versus the effect on devices that really installed.

Devices assigned to treatment do not all get the feature - downloads fail, storage runs
out, installs are rolled back - and sometimes control devices get it anyway. Comparing the
arms as assigned (intention-to-treat, ITT) is always unbiased for the effect of *offering*
the feature, but dilutes the effect of *having* it. Comparing installed with not-installed
devices is biased, because the devices whose installs fail are not like the others.

The Wald / instrumental-variable estimator uses random assignment as the instrument:

    effect on installed = ITT on the metric / ITT on the install share

which estimates the effect among devices that install exactly when assigned (compliers;
Angrist, Imbens & Rubin 1996), assuming assignment affects the metric only through the
install.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim import messages
from sim.analysis.compare import clustered_mean_covariance
from sim.analysis.frame import (
    AnalysisResult,
    format_p,
    is_binary,
    require_arm_counts,
    require_columns,
    require_numeric,
    require_probability,
    resolve_arms,
    treatment_indicator,
)
from sim.analysis.lift import difference_in_means, mean_lift
from sim.errors import DataError


@dataclass(frozen=True)
class ComplianceResult(AnalysisResult):
    """ITT effect and the effect on devices that installed (complier average effect)."""

    metric: str
    itt: float
    itt_ci: tuple[float, float]
    itt_p_value: float
    install_share_control: float
    install_share_treatment: float
    install_share_diff: float
    effect_on_installed: float
    effect_on_installed_ci: tuple[float, float]
    p_value: float
    n_control: int
    n_treatment: int
    alpha: float
    reading: str


def itt_vs_installed(
    df: pd.DataFrame,
    metric: str,
    installed_col: str,
    arm_col: str = "arm",
    control: Any = None,
    alpha: float = 0.05,
    cluster: str | None = None,
) -> ComplianceResult:
    """Intention-to-treat effect and the Wald (IV) effect on devices that installed.

    ``installed_col`` is 1 for devices that really ran the feature, 0 otherwise. The ITT is
    the Welch difference in means; the effect on installed devices is
    ``β = ITT_metric / ITT_install`` with a delta-method interval that accounts for the
    correlation between metric and install within each arm:
    ``var(β) ≈ (var(ITT_y) - 2 β cov(ITT_y, ITT_d) + β² var(ITT_d)) / ITT_d²``.
    Rows missing the metric or the install flag are dropped. With ``cluster`` (whole
    households randomised) each arm's covariance is cluster-robust
    (:func:`~sim.analysis.compare.clustered_mean_covariance`).

    >>> rng = np.random.default_rng(5)
    >>> arm = np.repeat(["control", "treatment"], 2000)
    >>> installed = (arm == "treatment") & (rng.random(4000) < 0.6)
    >>> minutes = rng.normal(30, 5, 4000) + 2.0 * installed
    >>> frame = pd.DataFrame({"arm": arm, "installed": installed.astype(int), "minutes": minutes})
    >>> result = itt_vs_installed(frame, "minutes", "installed")
    >>> low, high = result.effect_on_installed_ci
    >>> round(result.install_share_diff, 1), low < 2.0 < high
    (0.6, True)
    """
    require_probability("alpha", alpha)
    arms = resolve_arms(df, arm_col, control)
    require_numeric(df, metric)
    require_numeric(df, installed_col)
    indicator = treatment_indicator(df, arms)
    y = df[metric].to_numpy(dtype=float, na_value=np.nan)
    d = df[installed_col].to_numpy(dtype=float, na_value=np.nan)
    keep = ~(np.isnan(y) | np.isnan(d) | np.isnan(indicator))
    if cluster is not None:
        require_columns(df, cluster)
        keep &= df[cluster].notna().to_numpy()
    if not is_binary(d[keep]):
        raise DataError(messages.COLUMN_NOT_BINARY.format(column=installed_col))
    in_arm = {arm_value: keep & (indicator == arm_value) for arm_value in (0.0, 1.0)}
    if cluster is None:
        # Welch on each arm's values, without a frame of them to read back.
        control_y, treatment_y = y[in_arm[0.0]], y[in_arm[1.0]]
        require_arm_counts(metric, control_y.size, treatment_y.size, arms, 2)
        itt = difference_in_means(metric, control_y, treatment_y, alpha)
    else:
        subset = pd.DataFrame(
            {"arm": pd.Categorical.from_codes(indicator[keep].astype(np.int8),
                                              ["control", "treatment"]), "y": y[keep],
             "cluster": df[cluster].to_numpy()[keep]})
        itt = mean_lift(subset, "y", control="control", alpha=alpha, cluster="cluster")
    arm_parts = {}
    for arm_value, rows in in_arm.items():
        arm_y, arm_d = y[rows], d[rows]
        if cluster is None:
            covariance = np.cov(arm_y, arm_d, ddof=1) / arm_y.size
        else:
            covariance = clustered_mean_covariance(np.column_stack([arm_y, arm_d]),
                                                   df[cluster].to_numpy()[rows])
        arm_parts[arm_value] = (arm_d.mean(), covariance)
    share_c, cov_c = arm_parts[0.0]
    share_t, cov_t = arm_parts[1.0]
    uptake = float(share_t - share_c)
    if abs(uptake) < 1e-12:
        raise DataError(messages.INSTALLS_DO_NOT_DIFFER.format(diff=uptake))
    # Each arm's (mean y, mean d) covariance matrix; arms are independent, so they add.
    covariance = cov_c + cov_t
    var_itt_y, cov_yd, var_itt_d = covariance[0, 0], covariance[0, 1], covariance[1, 1]
    effect = itt.abs_diff / uptake
    variance = (var_itt_y - 2 * effect * cov_yd + effect**2 * var_itt_d) / uptake**2
    se = math.sqrt(max(variance, 0.0))
    z = float(stats.norm.isf(alpha / 2))
    interval = (effect - z * se, effect + z * se)
    p_value = float(2 * stats.norm.sf(abs(effect) / se)) if se > 0 else float(effect == 0)
    return ComplianceResult(
        metric=metric,
        itt=itt.abs_diff,
        itt_ci=itt.abs_ci,
        itt_p_value=itt.p_value,
        install_share_control=float(share_c),
        install_share_treatment=float(share_t),
        install_share_diff=uptake,
        effect_on_installed=float(effect),
        effect_on_installed_ci=(float(interval[0]), float(interval[1])),
        p_value=p_value,
        n_control=itt.n_control,
        n_treatment=itt.n_treatment,
        alpha=alpha,
        reading=messages.READING_COMPLIANCE.format(
            metric=metric,
            itt=itt.abs_diff,
            uptake=uptake,
            effect=effect,
            level=1 - alpha,
            low=interval[0],
            high=interval[1],
            p=format_p(p_value),
        ),
    )
