"""Data quality: is the experiment's data fit to analyse?

Three checks come before any lift is read:

* :func:`srm` - sample ratio mismatch, a chi-square test of the arm sizes against the
  planned split. A mismatch means assignment or logging is broken and every lift is suspect.
* :func:`completeness` - the share of expected device-days that were actually reported,
  overall and by arm (missing reports that differ by arm bias the comparison).
* :func:`clean_daily` - removes exact duplicate report rows and counts late arrivals.

The module also holds the input checks and the result base class that every analysis
module shares, so each of them depends on this one only.

>>> srm(5_000, 5_000).alarm
False
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim import messages
from sim.errors import DataError

SRM_ALARM_P = 0.001
"""SRM p-value below which the split is treated as broken (a common industry threshold)."""


# --- shared result base and input checks ----------------------------------------------------
def to_plain(value: Any) -> Any:
    """Convert a result (or any nesting of them) into JSON-safe plain Python values.

    Tuples become lists, numpy scalars become ``int``/``float``/``bool`` and non-finite
    floats (NaN, infinity) become ``None`` because JSON has no spelling for them.

    >>> to_plain({"ci": (np.float64(0.5), float("nan")), "n": np.int64(3)})
    {'ci': [0.5, None], 'n': 3}
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: to_plain(getattr(value, field.name)) for field in dataclasses.fields(value)
        }
    if isinstance(value, Mapping):
        return {str(to_plain(key)): to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return [to_plain(item) for item in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    return value


class AnalysisResult:
    """Mixin for the frozen result dataclasses: ``to_dict()`` gives JSON-safe values."""

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain JSON-safe values (tuples as lists, NaN as ``None``).

        >>> srm(480, 520).to_dict()["n_treatment"]
        520
        """
        return to_plain(self)


def format_p(p_value: float) -> str:
    """A p-value as people read it.

    >>> format_p(0.0412), format_p(1e-9), format_p(float("nan"))
    ('p = 0.041', 'p < 0.001', 'p not available')
    """
    if p_value is None or not math.isfinite(p_value):
        return messages.P_VALUE_MISSING
    if p_value < 0.001:
        return messages.P_VALUE_SMALL
    return messages.P_VALUE.format(p=p_value)


def format_relative(value: float) -> str:
    """A relative change as a signed percentage, or ``n/a`` when undefined.

    >>> format_relative(0.0123), format_relative(float("nan"))
    ('+1.23%', 'n/a')
    """
    if value is None or not math.isfinite(value):
        return messages.NOT_AVAILABLE
    return f"{value:+.2%}"


def _list_names(names: Iterable[Any], limit: int = 12) -> str:
    names = [repr(name) for name in names]
    if len(names) > limit:
        return ", ".join(names[:limit]) + f", ... ({len(names) - limit} more)"
    return ", ".join(names) if names else "(none)"


def require_columns(df: pd.DataFrame, *columns: str | None) -> None:
    """Raise :class:`DataError` naming the first column that is not in ``df``.

    ``None`` entries are skipped so optional columns can be passed straight through.

    >>> require_columns(pd.DataFrame({"arm": ["a"]}), "arm", None)
    """
    for column in columns:
        if column is not None and column not in df.columns:
            raise DataError(
                messages.COLUMN_UNKNOWN.format(column=column, available=_list_names(df.columns))
            )


def require_numeric(df: pd.DataFrame, column: str) -> None:
    """Raise :class:`DataError` unless ``column`` exists, is numeric and has a value.

    >>> require_numeric(pd.DataFrame({"x": [1.0, None]}), "x")
    """
    require_columns(df, column)
    series = df[column]
    if not pd.api.types.is_numeric_dtype(series.dtype):
        raise DataError(messages.COLUMN_NOT_NUMERIC.format(column=column, dtype=series.dtype))
    if series.notna().sum() == 0:
        raise DataError(messages.COLUMN_ALL_MISSING.format(column=column))


def require_probability(name: str, value: float, *, closed: bool = False) -> None:
    """Raise :class:`DataError` unless ``0 < value < 1`` (``0 <= value <= 1`` when closed).

    >>> require_probability("alpha", 0.05)
    """
    is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    inside = is_number and (0 <= value <= 1 if closed else 0 < value < 1)
    if not inside:
        requirement = "from 0 to 1" if closed else "strictly between 0 and 1"
        raise DataError(
            messages.VALUE_OUT_OF_RANGE.format(name=name, requirement=requirement, value=value)
        )


def _sort_key(value: Any) -> tuple[int, Any]:
    # Arm labels may be numbers or text; numbers sort first, then text, without TypeError.
    if isinstance(value, (int, float, np.integer, np.floating)):
        return (0, float(value))
    return (1, str(value))


@dataclass(frozen=True)
class Arms:
    """The two arm labels of a table, resolved from its arm column."""

    arm_col: str
    control: Any
    treatment: Any


def resolve_arms(df: pd.DataFrame, arm_col: str = "arm", control: Any = None) -> Arms:
    """Find the control and treatment labels; exactly two arms are required.

    When ``control`` is ``None`` the arm named ``"control"`` is used if present, otherwise
    the first label in sorted order.

    >>> resolve_arms(pd.DataFrame({"arm": ["b", "a", "b"]}))
    Arms(arm_col='arm', control='a', treatment='b')
    """
    require_columns(df, arm_col)
    labels = sorted((to_plain(v) for v in df[arm_col].dropna().unique()), key=_sort_key)
    if not labels:
        raise DataError(messages.ARM_COLUMN_EMPTY.format(arm_col=arm_col))
    if len(labels) == 1:
        raise DataError(messages.ARM_ONLY_ONE.format(arm_col=arm_col, arms=_list_names(labels)))
    if len(labels) > 2:
        raise DataError(
            messages.ARM_TOO_MANY.format(
                arm_col=arm_col, count=len(labels), arms=_list_names(labels)
            )
        )
    if control is None:
        control = "control" if "control" in labels else labels[0]
    if control not in labels:
        raise DataError(
            messages.ARM_CONTROL_MISSING.format(
                control=control, arm_col=arm_col, arms=_list_names(labels)
            )
        )
    treatment = labels[1] if labels[0] == control else labels[0]
    return Arms(arm_col=arm_col, control=control, treatment=treatment)


def treatment_indicator(df: pd.DataFrame, arms: Arms) -> np.ndarray:
    """1.0 for treatment rows, 0.0 for control rows (rows of neither arm are NaN).

    >>> frame = pd.DataFrame({"arm": ["control", "treatment", None]})
    >>> treatment_indicator(frame, resolve_arms(frame))
    array([ 0.,  1., nan])
    """
    labels = df[arms.arm_col]
    indicator = np.full(len(df), np.nan)
    indicator[(labels == arms.control).to_numpy(dtype=bool, na_value=False)] = 0.0
    indicator[(labels == arms.treatment).to_numpy(dtype=bool, na_value=False)] = 1.0
    return indicator


def arm_samples(
    df: pd.DataFrame, column: str, arms: Arms, *, minimum: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """The non-missing values of ``column`` in the control and treatment arms, as floats.

    Rows with NaN in ``column`` are dropped for this column only. Raises :class:`DataError`
    when the column is missing, not numeric, empty, or an arm has fewer than ``minimum``
    values.

    >>> frame = pd.DataFrame({"arm": ["control", "treatment", "treatment"], "x": [1, 2, None]})
    >>> arm_samples(frame, "x", resolve_arms(frame))
    (array([1.]), array([2.]))
    """
    require_numeric(df, column)
    indicator = treatment_indicator(df, arms)
    values = df[column].to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(values)
    control_values = values[keep & (indicator == 0.0)]
    treatment_values = values[keep & (indicator == 1.0)]
    if min(control_values.size, treatment_values.size) < minimum:
        raise DataError(
            messages.COLUMN_TOO_FEW_VALUES.format(
                column=column,
                minimum=minimum,
                n_control=control_values.size,
                n_treatment=treatment_values.size,
                control=arms.control,
                treatment=arms.treatment,
            )
        )
    return control_values, treatment_values


def is_binary(values: np.ndarray) -> bool:
    """True when every value is 0 or 1 (so proportions apply).

    >>> is_binary(np.array([0.0, 1.0, 1.0])), is_binary(np.array([0.0, 2.0]))
    (True, False)
    """
    return bool(np.isin(values, (0.0, 1.0)).all())


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
                requirement=f"keyed by the same arms as expected ({_list_names(expected_by_arm)})",
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
    """
    key = tuple(key)
    require_columns(daily_df, *key)
    duplicated = daily_df.duplicated(keep="first")
    clean = daily_df.loc[~duplicated].reset_index(drop=True)
    conflicting = int(clean.duplicated(subset=list(key), keep=False).sum())
    late = 0
    if "received_day" in clean.columns and "day" in clean.columns:
        late = int((clean["received_day"] > clean["day"]).fillna(False).sum())
    removed = int(duplicated.sum())
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
    )
    return clean, report
