"""Data quality: is the experiment's data fit to analyse?

Three checks come before any lift is read:

* :func:`srm` - sample ratio mismatch, a chi-square test of the arm sizes against the
  planned split. A mismatch means assignment or logging is broken and every lift is suspect.
* :func:`completeness` - the share of expected device-days that were actually reported,
  overall and by arm (missing reports that differ by arm bias the comparison).
* :func:`clean_daily` - removes exact duplicate report rows and counts late arrivals.
* :func:`outlier_check` - devices far beyond the rest (rigs, bots, crash loops) that a mean
  would let swing the lift.

>>> srm(5_000, 5_000).alarm
False
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim import messages
from sim.analysis.frame import (
    AnalysisResult,
    format_p,
    list_names,
    require_columns,
    require_numeric,
    require_probability,
    resolve_arms,
    treatment_indicator,
)
from sim.errors import DataError

SRM_ALARM_P = 0.001
"""SRM p-value below which the split is treated as broken (a common industry threshold)."""


# --- sample ratio mismatch ------------------------------------------------------------------
@dataclass(frozen=True)
class SRMResult(AnalysisResult):
    """Chi-square goodness-of-fit test of the arm sizes against the planned split."""

    chi2: float
    p_value: float
    n_control: int
    n_treatment: int
    expected_treatment_share: float
    observed_treatment_share: float
    alarm: bool
    reading: str


def srm(
    n_control: int,
    n_treatment: int,
    expected_treatment_share: float = 0.5,
    alarm_p: float = SRM_ALARM_P,
) -> SRMResult:
    """Sample ratio mismatch check (``scipy.stats.chisquare``, one degree of freedom).

    ``alarm`` is set when the p-value is below ``alarm_p`` (0.001 by default): with that
    threshold a healthy experiment raises a false alarm once in a thousand checks.

    >>> result = srm(50_000, 51_500)
    >>> round(result.chi2, 2), result.alarm
    (22.17, True)
    """
    for name, count in (("n_control", n_control), ("n_treatment", n_treatment)):
        if int(count) != count or count < 0:
            raise DataError(
                messages.VALUE_OUT_OF_RANGE.format(
                    name=name, requirement="a whole number of at least 0", value=count
                )
            )
    require_probability("expected_treatment_share", expected_treatment_share)
    total = n_control + n_treatment
    if total == 0:
        raise DataError(messages.SAMPLE_EMPTY.format(which="experiment"))
    expected = [total * (1 - expected_treatment_share), total * expected_treatment_share]
    chi2, p_value = stats.chisquare([n_control, n_treatment], f_exp=expected)
    share = n_treatment / total
    alarm = bool(p_value < alarm_p)
    template = messages.READING_SRM_ALARM if alarm else messages.READING_SRM_OK
    return SRMResult(
        chi2=float(chi2),
        p_value=float(p_value),
        n_control=int(n_control),
        n_treatment=int(n_treatment),
        expected_treatment_share=float(expected_treatment_share),
        observed_treatment_share=float(share),
        alarm=alarm,
        reading=template.format(
            share=share, expected=expected_treatment_share, p=format_p(p_value)
        ),
    )


# --- completeness ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CompletenessResult(AnalysisResult):
    """Reported versus expected device-days, overall and by arm."""

    reported: int
    expected: int
    share: float
    share_by_arm: Mapping[str, float]
    p_value_arms_differ: float
    reading: str


def completeness(
    reported: int | Mapping[Any, int], expected: int | Mapping[Any, int]
) -> CompletenessResult:
    """Share of expected device-days that were reported.

    Pass plain counts, or mappings from arm to count. With two or more arms the result also
    tests whether the reporting share differs between arms (``scipy.stats.chi2_contingency``
    on reported/missing by arm): missing reports that depend on the arm bias every metric.

    >>> completeness(950, 1000).share
    0.95
    >>> result = completeness({"control": 990, "treatment": 900}, {"control": 1000, "treatment": 1000})
    >>> result.p_value_arms_differ < 0.001
    True
    """
    reported_by_arm = dict(reported) if isinstance(reported, Mapping) else {"all": reported}
    expected_by_arm = dict(expected) if isinstance(expected, Mapping) else {"all": expected}
    if set(reported_by_arm) != set(expected_by_arm):
        raise DataError(
            messages.VALUE_OUT_OF_RANGE.format(
                name="reported",
                requirement=f"keyed by the same arms as expected ({list_names(expected_by_arm)})",
                value=list(reported_by_arm),
            )
        )
    for arm, count in (*reported_by_arm.items(), *expected_by_arm.items()):
        if int(count) != count or count < 0:
            raise DataError(
                messages.VALUE_OUT_OF_RANGE.format(
                    name=f"device-day count for {arm!r}",
                    requirement="a whole number of at least 0",
                    value=count,
                )
            )
    for arm in expected_by_arm:
        if reported_by_arm[arm] > expected_by_arm[arm]:
            raise DataError(
                messages.VALUE_OUT_OF_RANGE.format(
                    name=f"reported device-days for {arm!r}",
                    requirement=f"at most the expected {expected_by_arm[arm]}",
                    value=reported_by_arm[arm],
                )
            )
    total_reported = int(sum(reported_by_arm.values()))
    total_expected = int(sum(expected_by_arm.values()))
    if total_expected == 0:
        raise DataError(messages.SAMPLE_EMPTY.format(which="expected device-day"))
    share = total_reported / total_expected
    share_by_arm = {
        str(arm): (reported_by_arm[arm] / count if count else math.nan)
        for arm, count in expected_by_arm.items()
    }
    p_value = math.nan
    arms = [arm for arm, count in expected_by_arm.items() if count > 0]
    if len(arms) >= 2:
        table = np.array(
            [[reported_by_arm[a], expected_by_arm[a] - reported_by_arm[a]] for a in arms]
        )
        # A column of zeros (nothing missing anywhere, or nothing reported) means no evidence
        # of a difference; chi2_contingency would divide by zero.
        if (table.sum(axis=0) > 0).all():
            p_value = float(stats.chi2_contingency(table, correction=False).pvalue)
        else:
            p_value = 1.0
    if len(expected_by_arm) >= 2:
        by_arm = ", ".join(f"{arm} {value:.1%}" for arm, value in share_by_arm.items())
        reading = messages.READING_COMPLETENESS_BY_ARM.format(
            share=share,
            reported=total_reported,
            expected=total_expected,
            by_arm=by_arm,
            p=format_p(p_value),
        )
    else:
        reading = messages.READING_COMPLETENESS.format(
            share=share, reported=total_reported, expected=total_expected
        )
    return CompletenessResult(
        reported=total_reported,
        expected=total_expected,
        share=float(share),
        share_by_arm=share_by_arm,
        p_value_arms_differ=p_value,
        reading=reading,
    )


# --- cleaning daily reports -----------------------------------------------------------------
@dataclass(frozen=True)
class CleaningReport(AnalysisResult):
    """What :func:`clean_daily` removed and what it found but kept."""

    rows_in: int
    rows_out: int
    exact_duplicates_removed: int
    conflicting_key_rows: int
    late_rows: int
    key: tuple[str, ...]
    reading: str
    rows_received: tuple[tuple[int, int, int], ...] = ()
    """``(day received, rows, rows after removing duplicates)`` per day, when the rows say
    when they were received: what the reports-per-day chart draws."""

    def rows_received_frame(self) -> pd.DataFrame:
        """:attr:`rows_received` as a table (``received_day``, ``raw``, ``cleaned``)."""
        return pd.DataFrame(list(self.rows_received),
                            columns=["received_day", "raw", "cleaned"], dtype="int64")


def clean_daily(
    daily_df: pd.DataFrame, key: Sequence[str] = ("device_id", "day")
) -> tuple[pd.DataFrame, CleaningReport]:
    """Remove exact duplicate report rows and count the problems that remain.

    * Exact duplicates (every column equal) are re-sent reports: the first copy is kept.
    * Rows that share a ``key`` but differ elsewhere are conflicting reports; they are kept
      (which one is right is a judgement) and counted in ``conflicting_key_rows``.
    * If a ``received_day`` column exists, rows with ``received_day > day`` are counted as
      late; they are kept, since an analysis run after they arrived can use them.

    >>> daily = pd.DataFrame({"device_id": [1, 1, 2], "day": [0, 0, 0], "crashes": [0, 0, 1]})
    >>> clean, report = clean_daily(daily)
    >>> len(clean), report.exact_duplicates_removed
    (2, 1)
    >>> clean_daily(daily.assign(received_day=[0, 0, 1]))[1].rows_received
    ((0, 2, 1), (1, 1, 1))
    """
    key = tuple(key)
    require_columns(daily_df, *key)
    # Exact copies share their key, so every column is compared only among the rows whose
    # key repeats (a few percent of them): comparing all columns of every row was most of the
    # quality checks' time.
    repeats = daily_df.duplicated(subset=list(key), keep=False).to_numpy()
    candidates = daily_df.loc[repeats]
    copies = candidates.duplicated(keep="first").to_numpy()
    duplicated = pd.Series(False, index=daily_df.index)
    duplicated.iloc[np.flatnonzero(repeats)[copies]] = True
    clean = daily_df.loc[~duplicated].reset_index(drop=True)
    conflicting = int(candidates.loc[~copies].duplicated(subset=list(key), keep=False).sum())
    late = 0
    if "received_day" in clean.columns and "day" in clean.columns:
        late = int((clean["received_day"] > clean["day"]).fillna(False).sum())
    removed = int(duplicated.sum())
    received = ()
    if "received_day" in daily_df.columns:
        day = daily_df["received_day"]
        raw = day.value_counts(sort=False)
        kept = day[~duplicated].value_counts(sort=False).reindex(raw.index, fill_value=0)
        received = tuple((int(d), int(raw[d]), int(kept[d])) for d in sorted(raw.index))
    report = CleaningReport(
        rows_in=len(daily_df),
        rows_out=len(clean),
        exact_duplicates_removed=removed,
        conflicting_key_rows=conflicting,
        late_rows=late,
        key=key,
        reading=messages.READING_CLEANING.format(
            rows_out=len(clean),
            rows_in=len(daily_df),
            duplicates=removed,
            conflicts=conflicting,
            key=" × ".join(key),
            late=late,
        ),
        rows_received=received,
    )
    return clean, report


# --- outlier devices ------------------------------------------------------------------------
OUTLIER_FENCE_IQRS = 3.0
"""Tukey's far-out fence, on the log scale: above Q3 + 3 IQR of log(1 + value)."""
OUTLIER_SHARE = 0.01
"""Share of a metric's total held by outlier devices from which they swing its mean."""
OUTLIER_BALANCE_P = 0.01
"""Below this binomial p-value the outliers are crowded into one arm: an effect, not noise."""


@dataclass(frozen=True)
class OutlierCheck(AnalysisResult):
    """Devices whose value is far beyond anything the rest report, by arm, and their weight.

    On the log scale a heavy user is a few IQRs out; a test rig or a bot that reports twenty
    people's sessions a day is far beyond. ``share_of_total`` is the part of the metric's
    total these devices hold: when it is large, a mean is their number, not the people's.
    """

    metric: str
    fence: float
    devices: int
    control: int
    treatment: int
    share_of_total: float
    flagged: bool
    balance_p: float
    reading: str

    @property
    def noise(self) -> bool:
        """Outliers that hold a visible share of the total and sit in both arms alike (a rig
        or a bot is as likely in either arm): noise to cap. Outliers crowded into one arm are
        what the feature did - out-of-memory crash loops on small phones - and are the
        finding, never to be capped away."""
        return self.share_of_total >= OUTLIER_SHARE and self.balance_p >= OUTLIER_BALANCE_P


def outlier_check(df: pd.DataFrame, metric: str, arm_col: str = "arm",
                  control: Any = None) -> OutlierCheck:
    """Count the devices above the far-out fence of ``metric`` (see :class:`OutlierCheck`).

    >>> frame = pd.DataFrame({"arm": ["control", "treatment"] * 500,
    ...                       "sessions": [120.0, 130.0, 90.0, 150.0] * 249 + [140.0] * 3
    ...                                   + [40_000.0]})
    >>> check = outlier_check(frame, "sessions")
    >>> check.devices, check.treatment, round(check.share_of_total, 2), check.noise
    (1, 1, 0.25, True)
    """
    require_numeric(df, metric)
    arms = resolve_arms(df, arm_col, control)
    indicator = treatment_indicator(df, arms)
    values = df[metric].to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(values) & (values >= 0)
    if not keep.any():
        raise DataError(messages.COLUMN_ALL_MISSING.format(column=metric))
    logged = np.log1p(values[keep])
    q1, q3 = np.percentile(logged, [25, 75])
    fence = float(np.expm1(q3 + OUTLIER_FENCE_IQRS * max(q3 - q1, np.log(2))))
    beyond = keep & (values > fence)
    total = float(values[keep].sum())
    share = float(values[beyond].sum() / total) if total > 0 else 0.0
    count = int(beyond.sum())
    in_control, in_treatment = int((beyond & (indicator == 0)).sum()), \
        int((beyond & (indicator == 1)).sum())
    # Under no effect an outlier is in treatment with the treatment arm's share of the rows.
    treated_share = float((indicator[keep] == 1).mean())
    balance_p = float(stats.binomtest(in_treatment, count, treated_share).pvalue) if count else 1.0
    if not count:
        template = messages.READING_NO_OUTLIERS
    elif balance_p < OUTLIER_BALANCE_P:
        template = messages.READING_OUTLIERS_ONE_ARM
    else:
        template = messages.READING_OUTLIERS
    return OutlierCheck(
        metric=metric, fence=fence, devices=count, control=in_control, treatment=in_treatment,
        share_of_total=share, flagged=count > 0, balance_p=balance_p,
        reading=template.format(metric=metric, fence=fence, devices=count, control=in_control,
                                treatment=in_treatment, share=share, p=format_p(balance_p)))
