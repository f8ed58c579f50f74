"""Analyse any user-level table: the entry point for "bring your own data".

* :func:`load_table` reads a ``.csv`` or ``.parquet`` file into a DataFrame, turning every
  way that can fail into a one-line :class:`~sim.errors.DataError`.
* :func:`analyse_table` runs the standard readout on a table with one row per device or
  user and an arm column: SRM, the lift of every metric (proportions for 0/1 metrics,
  Welch otherwise), CUPED when a pre-period covariate is named, and retention (log-rank and
  Cox hazard ratio) when a duration and an event column are named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO

import pandas as pd

from sim import messages
from sim.analysis.capping import CappedLift, capped_lift, check_cap_percentile
from sim.analysis.cuped import CupedResult, cuped_lift
from sim.analysis.frame import (
    AnalysisResult,
    ReadingLog,
    require_columns,
    require_numeric,
    require_probability,
    resolve_arms,
    to_plain,
    treatment_indicator,
)
from sim.analysis.lift import LiftResult, metric_lift
from sim.analysis.quality import SRMResult, srm
from sim.analysis.quantiles import QuantileLift, check_quantile, quantile_lift, quantile_name
from sim.analysis.retention import (
    HazardRatioResult,
    LogRankResult,
    cox_hazard_ratio,
    logrank,
)
from sim.errors import DataError

TABLE_READERS = {
    # index_col=False: a row with more fields than the header must not become the index.
    ".csv": ("CSV", lambda source: pd.read_csv(source, index_col=False)),
    ".parquet": ("Parquet", pd.read_parquet),
}
LIFT_FIELDS = (
    "control_mean",
    "treatment_mean",
    "abs_diff",
    "abs_ci",
    "rel_lift",
    "rel_ci",
    "p_value",
    "rel_p_value",
    "test",
)
QUANTILE_FIELDS = ("q", "control", "treatment", "diff", "ci", "p_value", "rel_diff", "rel_ci",
                   "rel_p_value")


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    detail = text[0] if text else type(error).__name__
    return detail if len(detail) <= 200 else detail[:197] + "..."


def load_table(path: str | Path, data: BinaryIO | None = None) -> pd.DataFrame:
    r"""Read a ``.csv`` or ``.parquet`` table; raise :class:`DataError` on any problem.

    ``data`` reads an uploaded file instead of the disk; ``path`` then only names it (its
    extension picks the reader).

    >>> load_table("no/such/table.csv")
    Traceback (most recent call last):
    ...
    sim.errors.DataError: no/such/table.csv: file not found
    >>> import io
    >>> load_table("upload.csv", io.BytesIO(b"arm,x\ncontrol,1\ntreatment,2\n")).shape
    (2, 2)
    """
    path = Path(path)
    if data is None and not path.exists():
        raise DataError(messages.FILE_NOT_FOUND.format(path=path))
    if data is None and path.is_dir():
        raise DataError(messages.TABLE_IS_FOLDER.format(path=path))
    suffix = path.suffix.lower()
    if suffix not in TABLE_READERS:
        raise DataError(
            messages.TABLE_UNSUPPORTED_FORMAT.format(path=path, suffix=suffix or "(no extension)")
        )
    kind, reader = TABLE_READERS[suffix]
    if suffix == ".csv":
        data = _check_ragged(path, data)
    try:
        table = reader(path if data is None else data)
    except pd.errors.EmptyDataError:
        raise DataError(messages.TABLE_FILE_EMPTY.format(path=path)) from None
    # pandas and pyarrow report bad files as ValueError (parser, Arrow, encoding errors) or
    # OSError; a missing Parquet engine is an ImportError.
    except (ValueError, OSError, ImportError) as error:
        raise DataError(
            messages.TABLE_UNREADABLE.format(path=path, kind=kind, detail=_one_line(error))
        ) from None
    if table.empty:
        raise DataError(messages.TABLE_FILE_EMPTY.format(path=path))
    return table


def _check_ragged(path: Path, data: BinaryIO | None) -> BinaryIO | None:
    """Refuse a CSV whose rows do not all have one field per header column, naming the first
    line that differs (pandas would silently shift a wider file's columns into the index or
    fill a shorter row with NaN). Returns the upload rewound for reading again."""
    import csv
    import io

    raw = data.read() if data is not None else path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return io.BytesIO(raw) if data is not None else None  # the reader says what is wrong
    records = csv.reader(io.StringIO(text, newline=""))
    header = next(records, None)
    if header is not None:
        for record in records:
            if record and len(record) != len(header):
                raise DataError(messages.TABLE_RAGGED.format(
                    path=path, line=records.line_num, found=len(record), expected=len(header)))
    return io.BytesIO(raw) if data is not None else None


@dataclass(frozen=True)
class TableReport(AnalysisResult):
    """The standard readout of a table.

    ``metrics`` and ``cuped`` map metric names to results (``cuped`` is empty without a
    covariate); ``logrank`` and ``hazard`` are ``None`` without duration and event columns.
    """

    arm: str
    control: Any
    treatment: Any
    alpha: float
    srm: SRMResult
    metrics: Mapping[str, LiftResult]
    cuped: Mapping[str, CupedResult]
    logrank: LogRankResult | None
    hazard: HazardRatioResult | None
    reading: str
    capped: Mapping[str, CappedLift] = field(default_factory=dict)
    quantiles: Mapping[str, Mapping[str, QuantileLift]] = field(default_factory=dict)
    skipped_columns: tuple[str, ...] = ()
    unavailable: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-safe values, in this exact shape::

            {"srm": {"chi2", "p_value", "n_control", "n_treatment"},
             "metrics": {name: {"control_mean", "treatment_mean", "abs_diff", "abs_ci",
                                "rel_lift", "rel_ci", "p_value", "rel_p_value", "test",
                                "cuped": {...the same..., "variance_reduction"},
                                "capped": {...the same..., "percentile", "cap",
                                           "devices_capped", "moved_by", "reading"},
                                "quantiles": {"median": {"q", "control", "treatment",
                                              "diff", "ci", "p_value", "rel_diff",
                                              "rel_ci", "rel_p_value", "reading"}}}},
             "retention": {"logrank_chi2", "logrank_p", "hazard_ratio", "hazard_ratio_ci"}}

        ``cuped`` appears only with a covariate, ``capped`` and ``quantiles`` only when
        asked for, ``retention`` only with duration and event. ``p_value`` belongs to the
        test ``test`` names; ``rel_p_value`` is the relative lift's, by the delta method. Intervals are two-element lists; undefined numbers (a relative lift when the
        control mean is zero) are ``null``. ``skipped_columns`` (non-numeric columns left out)
        and ``unavailable`` (readings the data could not give, with why) appear when there
        are any.

        >>> frame = pd.DataFrame({"arm": ["control", "treatment"] * 3, "x": [1, 5, 2, 6, 1, 6]})
        >>> analyse_table(frame, "arm").to_dict()["srm"]
        {'chi2': 0.0, 'p_value': 1.0, 'n_control': 3, 'n_treatment': 3}
        """
        payload = readout_dict(self.srm, self.metrics, self.cuped, self.logrank, self.hazard,
                               self.capped, self.quantiles)
        if self.skipped_columns:
            payload["skipped_columns"] = list(self.skipped_columns)
        if self.unavailable:
            payload["unavailable"] = dict(self.unavailable)
        return payload


def readout_dict(
    split: SRMResult,
    metrics: Mapping[str, LiftResult],
    cuped: Mapping[str, CupedResult],
    survival_test: LogRankResult | None,
    hazard: HazardRatioResult | None,
    capped: Mapping[str, CappedLift] | None = None,
    quantiles: Mapping[str, Mapping[str, QuantileLift]] | None = None,
) -> dict[str, Any]:
    """The command line's JSON readout (see :meth:`TableReport.to_dict`), from the results."""
    entries = {}
    capped, quantiles = capped or {}, quantiles or {}
    for name, result in metrics.items():
        entry = {field: to_plain(getattr(result, field)) for field in LIFT_FIELDS}
        if name in cuped:
            entry["cuped"] = {
                field: to_plain(getattr(cuped[name], field))
                for field in (*LIFT_FIELDS, "variance_reduction")
            }
        if name in capped:
            robust = capped[name]
            entry["capped"] = {
                **{field: to_plain(getattr(robust.capped, field)) for field in LIFT_FIELDS},
                "percentile": robust.percentile, "cap": to_plain(robust.cap),
                "devices_capped": robust.devices_capped, "moved_by": to_plain(robust.moved_by),
                "reading": robust.reading,
            }
        if name in quantiles:
            entry["quantiles"] = {
                label: {**{field: to_plain(getattr(q, field)) for field in QUANTILE_FIELDS},
                        "reading": q.reading}
                for label, q in quantiles[name].items()
            }
        entries[name] = entry
    report: dict[str, Any] = {
        "srm": {
            "chi2": to_plain(split.chi2),
            "p_value": to_plain(split.p_value),
            "n_control": split.n_control,
            "n_treatment": split.n_treatment,
        },
        "metrics": entries,
    }
    if survival_test is not None and hazard is not None:
        report["retention"] = {
            "logrank_chi2": to_plain(survival_test.chi2),
            "logrank_p": to_plain(survival_test.p_value),
            "hazard_ratio": to_plain(hazard.hazard_ratio),
            "hazard_ratio_ci": to_plain(hazard.ci),
        }
    return report


def _metric_columns(
    df: pd.DataFrame, metrics: Sequence[str] | None, excluded: Sequence[str]
) -> tuple[list[str], tuple[str, ...]]:
    """The metric columns to read, and the columns left out for not holding numbers."""
    skipped: tuple[str, ...] = ()
    if metrics is None:
        candidates = [column for column in df.columns if column not in excluded]
        chosen = [c for c in candidates if pd.api.types.is_numeric_dtype(df[c].dtype)]
        skipped = tuple(str(c) for c in candidates if c not in chosen)
        if not chosen:
            raise DataError(
                messages.NO_METRIC_COLUMNS.format(excluded=", ".join(repr(c) for c in excluded))
            )
    else:
        chosen = [metrics] if isinstance(metrics, str) else list(metrics)
        require_columns(df, *chosen)
    for column in chosen:
        require_numeric(df, column)
    return chosen, skipped


def arm_value(df: pd.DataFrame, arm: str, text: str | None) -> Any:
    """The arm value as it appears in the column, for an arm typed as text (``"0"`` matches
    the number 0); ``None`` stays ``None`` (the default control).

    >>> int(arm_value(pd.DataFrame({"group": [0, 1]}), "group", "0"))
    0
    >>> arm_value(pd.DataFrame({"group": [0, 1]}), "group", "2")
    Traceback (most recent call last):
    ...
    sim.errors.DataError: no arm '2' in column 'group'; arms present: 0, 1
    """
    if text is None:
        return None
    require_columns(df, arm)
    values = df[arm].dropna().unique()
    if not len(values):
        raise DataError(messages.ARM_COLUMN_EMPTY.format(arm_col=arm))
    for value in values:
        if str(value) == str(text):
            return value
    raise DataError(messages.ARM_VALUE_UNKNOWN.format(
        value=text, arm_col=arm, arms=", ".join(sorted(str(v) for v in values))))


def analyse_table(
    df: pd.DataFrame,
    arm: str,
    control: Any = None,
    metrics: Sequence[str] | None = None,
    covariate: str | None = None,
    duration: str | None = None,
    event: str | None = None,
    alpha: float = 0.05,
    expected_treatment_share: float = 0.5,
    cap_percentile: float | None = None,
    quantiles: Sequence[float] = (),
    cluster: str | None = None,
) -> TableReport:
    """Standard readout of a user-level table with an arm column.

    ``control`` defaults to the arm named ``"control"`` when present, otherwise the first
    arm in sorted order; exactly two arms are required. ``metrics`` defaults to every
    numeric column except the arm, covariate, duration and event columns. Rows with NaN in a
    metric are left out for that metric only. ``cap_percentile`` adds each non-binary
    metric's lift capped at that percentile, ``quantiles`` (e.g. ``(0.5, 0.9)``) its
    quantile lifts, and ``cluster`` names a column of randomised clusters (households) that
    every reading's errors cluster on. Every problem with the input raises
    :class:`DataError` with one line naming it.

    >>> frame = pd.DataFrame({
    ...     "arm": ["control", "treatment"] * 50,
    ...     "minutes": [10.0, 11.0, 12.0, 14.0] * 25,
    ...     "crashed": [0, 0, 1, 0] * 25,
    ... })
    >>> report = analyse_table(frame, arm="arm")
    >>> sorted(report.to_dict()), sorted(report.to_dict()["metrics"])
    (['metrics', 'srm'], ['crashed', 'minutes'])
    >>> report.to_dict()["metrics"]["minutes"]["abs_diff"]
    1.5
    """
    require_probability("alpha", alpha)
    if cap_percentile is not None:
        check_cap_percentile(cap_percentile)
    levels = [check_quantile(q) for q in quantiles]
    if df.empty:
        raise DataError(messages.TABLE_EMPTY)
    require_columns(df, arm, covariate, duration, event, cluster)
    if (duration is None) != (event is None):
        given, missing = ("duration", "event") if duration is not None else ("event", "duration")
        raise DataError(messages.ARGUMENT_NEEDS_PARTNER.format(given=given, missing=missing))
    excluded = [column for column in (arm, covariate, duration, event, cluster)
                if column is not None]
    chosen, skipped = _metric_columns(df, metrics, excluded)
    if covariate is not None:
        require_numeric(df, covariate)
    arms = resolve_arms(df, arm, control)
    indicator = treatment_indicator(df, arms)
    if cluster is None:
        split = srm(int((indicator == 0).sum()), int((indicator == 1).sum()),
                    expected_treatment_share)
    else:
        # The sample-ratio check counts what was randomised: the clusters.
        units = df[cluster].to_numpy()
        split = srm(int(pd.unique(units[indicator == 0]).size),
                    int(pd.unique(units[indicator == 1]).size), expected_treatment_share)
    log = ReadingLog()

    def each(kind: str, compute, names=chosen) -> dict:
        found = {name: log.attempt(f"{kind}.{name}", lambda name=name: compute(name))
                 for name in names}
        return {name: value for name, value in found.items() if value is not None}

    lifts = each("metrics", lambda name: metric_lift(df, name, "auto", arm, arms.control, alpha,
                                                     cluster))
    adjusted = {}
    if covariate is not None:
        adjusted = each("cuped", lambda name: cuped_lift(df, name, covariate, arm, arms.control,
                                                           alpha, cluster=cluster))
    continuous = [name for name, lift in lifts.items() if not lift.method.startswith(
        "difference in proportions")]
    capped = {} if cap_percentile is None else each("capped", lambda name: capped_lift(
        df, name, cap_percentile, arm, arms.control, alpha, cluster), continuous)
    by_quantile = {} if not levels else each("quantiles", lambda name: {
        quantile_name(q): quantile_lift(df, name, q, arm, arms.control, alpha, cluster)
        for q in levels}, continuous)
    survival_test = hazard = None
    if duration is not None and event is not None:
        survival_test = log.attempt("logrank", lambda: logrank(df, duration, event, arm,
                                                                arms.control, alpha, cluster))
        hazard = log.attempt("hazard", lambda: cox_hazard_ratio(df, duration, event, arm,
                                                                 arms.control, alpha, cluster))
    clear = sum(result.p_value < alpha for result in lifts.values())
    return TableReport(
        arm=arm,
        control=arms.control,
        treatment=arms.treatment,
        alpha=alpha,
        srm=split,
        metrics=MappingProxyType(lifts),
        cuped=MappingProxyType(adjusted),
        logrank=survival_test,
        hazard=hazard,
        capped=MappingProxyType(capped),
        quantiles=MappingProxyType(by_quantile),
        reading=messages.READING_TABLE.format(
            count=len(lifts),
            treatment=arms.treatment,
            control=arms.control,
            clear=clear,
            srm=split.reading,
        ) + (" " + messages.COLUMNS_SKIPPED.format(columns=", ".join(skipped)) if skipped else ""),
        skipped_columns=skipped,
        unavailable=MappingProxyType(log.unavailable),
    )
