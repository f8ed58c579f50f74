"""Did a reading step at an update? The same devices before and after, against control.

A firmware update can move what a sensor reports without anything changing in the world. The
devices that took the update are measured twice, before and after, so the right comparison is
within each device (a paired test on its change), and the change must be set against the
change in devices that did not update over the same time (a difference-in-differences):
anything that moves every device - the season, an app release - cancels. Comparing the before
and after values as two independent samples (a two-sample KS or t-test) ignores that each
device is its own control, and gets the error rate wrong both ways.

* :func:`paired_shift` - the mean within-device change and its paired t-test
  (``scipy.stats.ttest_rel``).
* :func:`difference_in_differences` - the change in updated devices minus the change in
  control devices: Welch's test on the per-device changes, or cluster-robust when whole
  households were randomised (:func:`~sim.analysis.lift.mean_lift`).

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> before = rng.normal(50, 8, 400)
>>> frame = pd.DataFrame({"group": ["control"] * 200 + ["updated"] * 200, "before": before,
...                       "after": before + rng.normal(0, 1, 400) + np.r_[np.zeros(200),
...                                                                       np.full(200, 2.5)]})
>>> step = difference_in_differences(frame, "before", "after", "group", "control")
>>> round(step.abs_diff, 1), step.p_value < 0.001
(2.5, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim import messages
from sim.analysis.frame import (
    AnalysisResult,
    format_p,
    require_columns,
    require_numeric,
    require_probability,
)
from sim.analysis.lift import LiftResult, mean_lift
from sim.errors import DataError

CHANGE = "change"


@dataclass(frozen=True)
class PairedShiftResult(AnalysisResult):
    """Mean within-device change ``after - before`` with its paired t interval."""

    metric: str
    n: int
    mean_change: float
    ci: tuple[float, float]
    p_value: float
    alpha: float
    reading: str


def paired_shift(df: pd.DataFrame, before: str, after: str, alpha: float = 0.05,
                 metric: str | None = None) -> PairedShiftResult:
    """Paired t-test of ``after - before`` over the rows that have both.

    >>> frame = pd.DataFrame({"before": [1.0, 2.0, 3.0, 4.0], "after": [2.0, 2.5, 4.0, 5.5]})
    >>> result = paired_shift(frame, "before", "after")
    >>> result.mean_change, round(result.p_value, 4)
    (1.0, 0.0163)
    """
    require_probability("alpha", alpha)
    require_numeric(df, before)
    require_numeric(df, after)
    pairs = df[[before, after]].astype(float).dropna()
    if len(pairs) < 2:
        raise DataError(messages.PAIRS_TOO_FEW.format(before=before, after=after,
                                                      count=len(pairs)))
    test = stats.ttest_rel(pairs[after], pairs[before])
    change = float((pairs[after] - pairs[before]).mean())
    if np.isnan(test.pvalue):
        # Every device changed by exactly the same amount: certain, or no change at all.
        p_value, low, high = (1.0 if change == 0 else 0.0), change, change
    else:
        interval = test.confidence_interval(1 - alpha)
        p_value, low, high = float(test.pvalue), float(interval.low), float(interval.high)
    name = metric or after
    return PairedShiftResult(
        metric=name, n=len(pairs), mean_change=change, ci=(low, high), p_value=p_value,
        alpha=alpha,
        reading=messages.READING_PAIRED_SHIFT.format(
            metric=name, n=len(pairs), change=change, level=1 - alpha, low=low, high=high,
            p=format_p(p_value)))


def difference_in_differences(
    df: pd.DataFrame,
    before: str,
    after: str,
    group_col: str,
    control: Any,
    alpha: float = 0.05,
    cluster: str | None = None,
) -> LiftResult:
    """The mean change ``after - before`` of the treated group minus that of ``control``.

    ``group_col`` tells the groups apart (the updated devices and the control devices); the
    result is a :class:`~sim.analysis.lift.LiftResult` on the per-device change, so its
    ``abs_diff`` is the difference in differences.
    """
    require_columns(df, group_col, cluster)
    require_numeric(df, before)
    require_numeric(df, after)
    changes = df.assign(**{CHANGE: df[after].astype(float) - df[before].astype(float)})
    return mean_lift(changes, CHANGE, group_col, control, alpha, cluster)
