"""Analysis of experiment tables: pure functions in, small frozen results out.

Every function takes a user-level DataFrame (one row per device or user, an arm column,
metric columns) or plain counts, and returns a frozen dataclass with estimates, intervals
as ``(low, high)`` tuples, p-values, a one-line plain-language ``reading`` and
``to_dict()`` for JSON. Bad input raises :class:`sim.errors.DataError` with one line.

>>> import pandas as pd
>>> frame = pd.DataFrame({"arm": ["control", "treatment"] * 50, "crashed": [0, 0, 1, 0] * 25})
>>> proportion_lift(frame, "crashed").abs_diff
-0.5
"""

from sim.analysis.bayes import (
    BayesResult,
    bayes_lift,
    bayes_mean_diff,
    bayes_proportion_diff,
)
from sim.analysis.compliance import ComplianceResult, itt_vs_installed
from sim.analysis.cuped import CupedResult, cuped_lift
from sim.analysis.drift import (
    KSResult,
    NoveltyResult,
    PSIResult,
    ks_drift,
    novelty,
    psi,
)
from sim.analysis.lift import (
    LiftResult,
    mean_lift,
    metric_lift,
    proportion_lift,
    ratio_metric_lift,
)
from sim.analysis.noninferiority import NonInferiorityResult, non_inferiority
from sim.analysis.power import (
    DurationResult,
    PowerResult,
    days_needed,
    mde_for_means,
    mde_for_proportions,
    power_for_means,
    power_for_proportions,
    sample_size_for_means,
    sample_size_for_proportions,
)
from sim.analysis.quality import (
    CleaningReport,
    CompletenessResult,
    SRMResult,
    clean_daily,
    completeness,
    srm,
)
from sim.analysis.retention import (
    HazardRatioResult,
    KaplanMeierResult,
    LogRankResult,
    SurvivalCurve,
    at_risk_table,
    cox_hazard_ratio,
    discrete_hazard,
    kaplan_meier,
    logrank,
)
from sim.analysis.segments import (
    InteractionResult,
    SegmentLift,
    SegmentLiftsResult,
    interaction_test,
    segment_lifts,
)
from sim.analysis.sequential import (
    SequentialLook,
    SequentialResult,
    group_sequential,
    repeated_intervals,
)
from sim.analysis.table import TableReport, analyse_table, load_table

__all__ = [
    "BayesResult",
    "CleaningReport",
    "CompletenessResult",
    "ComplianceResult",
    "CupedResult",
    "DurationResult",
    "HazardRatioResult",
    "InteractionResult",
    "KSResult",
    "KaplanMeierResult",
    "LiftResult",
    "LogRankResult",
    "NonInferiorityResult",
    "NoveltyResult",
    "PSIResult",
    "PowerResult",
    "SRMResult",
    "SegmentLift",
    "SegmentLiftsResult",
    "SequentialLook",
    "SequentialResult",
    "SurvivalCurve",
    "TableReport",
    "analyse_table",
    "at_risk_table",
    "bayes_lift",
    "bayes_mean_diff",
    "bayes_proportion_diff",
    "clean_daily",
    "completeness",
    "group_sequential",
    "repeated_intervals",
    "cox_hazard_ratio",
    "cuped_lift",
    "days_needed",
    "discrete_hazard",
    "interaction_test",
    "itt_vs_installed",
    "kaplan_meier",
    "ks_drift",
    "load_table",
    "logrank",
    "mde_for_means",
    "mde_for_proportions",
    "mean_lift",
    "metric_lift",
    "non_inferiority",
    "novelty",
    "power_for_means",
    "power_for_proportions",
    "proportion_lift",
    "psi",
    "ratio_metric_lift",
    "sample_size_for_means",
    "sample_size_for_proportions",
    "segment_lifts",
    "srm",
]
