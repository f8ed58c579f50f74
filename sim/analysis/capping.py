"""Percentile capping (winsorising): a lift that a handful of extreme devices cannot swing.

A test rig that opens the camera ten thousand times a day, or a bot, can move a mean by more
than the feature does. Capping replaces every value above the ``percentile``-th percentile of
both arms pooled with that percentile, as GrowthBook's percentile capping does (the cap comes
from all variations together, so it is the same for each arm), and reads the lift again. The
reading says how far capping moved the estimate: a large move means the raw mean was the
outliers' number, a small one that it was the people's.

Capping changes the estimand - the capped mean is not the mean - so a capped interval is not
an interval for the uncapped truth; the bias is small when few devices are capped.

>>> import numpy as np, pandas as pd
>>> values = np.r_[np.full(99, 10.0), 10_000.0, np.full(100, 11.0)]
>>> frame = pd.DataFrame({"arm": ["control"] * 100 + ["treatment"] * 100, "sessions": values})
>>> result = capped_lift(frame, "sessions", 99)
>>> round(result.raw.abs_diff, 2), round(result.capped.abs_diff, 2), result.devices_capped
(-98.9, 0.99, 1)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim import messages
from sim.analysis.frame import AnalysisResult, require_numeric
from sim.analysis.lift import LiftResult, metric_lift
from sim.errors import DataError

# The capping percentiles a person may choose: at or above the median, below the maximum.
LOWEST_CAP_PERCENTILE = 50.0
HIGHEST_CAP_PERCENTILE = 99.99


@dataclass(frozen=True)
class CappedLift(AnalysisResult):
    """The lift before and after capping ``metric`` at its pooled ``percentile``."""

    metric: str
    percentile: float
    cap: float
    devices_capped: int
    raw: LiftResult
    capped: LiftResult
    moved_by: float
    reading: str


def check_cap_percentile(percentile: float) -> float:
    """The percentile, or one line naming the range.

    >>> check_cap_percentile(99.9)
    99.9
    >>> check_cap_percentile(100)
    Traceback (most recent call last):
    ...
    sim.errors.DataError: the capping percentile must be from 50 to 99.99, got 100
    """
    if (isinstance(percentile, bool) or not isinstance(percentile, int | float)
            or not math.isfinite(percentile)
            or not LOWEST_CAP_PERCENTILE <= percentile <= HIGHEST_CAP_PERCENTILE):
        raise DataError(messages.CAP_PERCENTILE.format(
            low=f"{LOWEST_CAP_PERCENTILE:g}", high=f"{HIGHEST_CAP_PERCENTILE:g}", value=percentile))
    return float(percentile)


def winsorise(values: np.ndarray, percentile: float) -> tuple[np.ndarray, float]:
    """``values`` with everything above their ``percentile``-th percentile set to it (NaN
    stays NaN), and the cap.

    >>> winsorise(np.array([1.0, 2.0, 3.0, 100.0, np.nan]), 75)
    (array([ 1.  ,  2.  ,  3.  , 27.25,   nan]), 27.25)
    """
    cap = float(np.nanpercentile(values, percentile))
    return np.where(values > cap, cap, values), cap


def capped_lift(
    df: pd.DataFrame,
    metric: str,
    percentile: float,
    arm_col: str = "arm",
    control: Any = None,
    alpha: float = 0.05,
    cluster: str | None = None,
) -> CappedLift:
    """The lift of ``metric`` as it is and capped at its pooled ``percentile`` (see the module).

    ``cluster`` makes both readings cluster-robust, as in :func:`~sim.analysis.lift.metric_lift`.
    """
    percentile = check_cap_percentile(percentile)
    require_numeric(df, metric)
    values = df[metric].to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(values).all():
        raise DataError(messages.COLUMN_ALL_MISSING.format(column=metric))
    capped_values, cap = winsorise(values, percentile)
    raw = metric_lift(df, metric, "mean", arm_col, control, alpha, cluster)
    capped = metric_lift(df.assign(**{metric: capped_values}), metric, "mean", arm_col, control,
                         alpha, cluster)
    moved_by = capped.abs_diff - raw.abs_diff
    devices_capped = int(np.sum(values > cap))
    return CappedLift(
        metric=metric,
        percentile=percentile,
        cap=cap,
        devices_capped=devices_capped,
        raw=raw,
        capped=capped,
        moved_by=moved_by,
        reading=messages.READING_CAPPED.format(
            metric=metric, percentile=f"{percentile:g}", cap=cap, devices=devices_capped,
            raw=raw.abs_diff, capped=capped.abs_diff, moved=moved_by,
            share=_share_of(moved_by, raw.abs_diff), level=1 - alpha,
            low=capped.abs_ci[0], high=capped.abs_ci[1], raw_width=_width(raw),
            capped_width=_width(capped)),
    )


def _width(lift: LiftResult) -> float:
    return lift.abs_ci[1] - lift.abs_ci[0]


def _share_of(moved: float, raw: float) -> str:
    if raw == 0:
        return messages.CAPPED_MOVE_FROM_ZERO
    return messages.CAPPED_MOVE_SHARE.format(share=abs(moved / raw))
