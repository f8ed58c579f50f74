"""The hidden truth: each metric's mean under each arm for this very sample, per segment.

Every device has both potential outcomes (control and treatment, drawn from common random
numbers), so the true effect is an exact property of the sample, not an estimate.

>>> import numpy as np
>>> codes = {"chip_tier": (np.array([0, 0, 1]), ("a", "b"))}
>>> table = truth_table({"x": np.array([1.0, 2.0, 3.0])}, {"x": np.array([1.0, 2.0, 4.5])}, codes)
>>> table[["segment_kind", "segment", "abs_effect"]].values.tolist()
[['all', 'all', 0.5], ['chip_tier', 'a', 0.0], ['chip_tier', 'b', 1.5]]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

TRUTH_COLUMNS = (
    "metric",
    "segment_kind",
    "segment",
    "devices",
    "control_mean",
    "treatment_mean",
    "abs_effect",
    "rel_effect",
)


def truth_table(
    control: Mapping[str, np.ndarray],
    treatment: Mapping[str, np.ndarray],
    segments: Mapping[str, tuple[np.ndarray, tuple[str, ...]]],
    mapper: Callable[[Callable, Iterable], Iterator] = map,
) -> pd.DataFrame:
    """A long table of true means and effects per metric, overall and per segment.

    ``segments`` maps a segment kind to (per-device codes, names). Means skip devices whose
    value is undefined (NaN), such as battery drain on a mains-powered TV. ``mapper`` computes
    each metric's per-cell sums (``map``, or an executor's ``map`` to use several cores; the
    table is the same).
    """
    n = len(next(iter(control.values())))
    # One pass per metric over the finest cells (every combination of segment codes); each
    # segment kind is then a cheap sum over those cells.
    cell = np.zeros(n, dtype=np.int64)
    cells = 1
    for codes, names in segments.values():
        cell = cell * len(names) + codes
        cells *= len(names)
    cell_codes = np.arange(cells)
    kinds: dict[str, tuple[np.ndarray, tuple[str, ...]]] = {
        "all": (np.zeros(cells, dtype=np.int64), ("all",))
    }
    radix = cells
    for kind, (_, names) in segments.items():
        radix //= len(names)
        kinds[kind] = ((cell_codes // radix) % len(names), names)
    devices = np.bincount(cell, minlength=cells)

    rows: list[tuple] = []
    arms = [(values, cell, cells) for metric, y0 in control.items()
            for values in (y0, treatment[metric])]
    sums = iter(list(mapper(lambda job: _cell_sums(*job), arms)))
    for metric in control:
        (sums0, counts0), (sums1, counts1) = next(sums), next(sums)
        for kind, (codes, names) in kinds.items():
            groups = len(names)
            in_group = np.bincount(codes, weights=devices, minlength=groups)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean0 = np.bincount(codes, sums0, groups) / np.bincount(codes, counts0, groups)
                mean1 = np.bincount(codes, sums1, groups) / np.bincount(codes, counts1, groups)
            for index, name in enumerate(names):
                if in_group[index] == 0:
                    continue
                effect = mean1[index] - mean0[index]
                relative = effect / mean0[index] if mean0[index] else np.nan
                rows.append(
                    (metric, kind, name, int(in_group[index]), mean0[index], mean1[index],
                     effect, relative)
                )
    table = pd.DataFrame(rows, columns=list(TRUTH_COLUMNS))
    for column in ("metric", "segment_kind", "segment"):
        table[column] = table[column].astype("string")
    return table


def _cell_sums(values: np.ndarray, cell: np.ndarray, cells: int) -> tuple[np.ndarray, np.ndarray]:
    values = values.astype(np.float64)
    defined = np.isfinite(values)
    if defined.all():
        return np.bincount(cell, weights=values, minlength=cells), np.bincount(
            cell, minlength=cells
        ).astype(np.float64)
    return (
        np.bincount(cell, weights=np.where(defined, values, 0.0), minlength=cells),
        np.bincount(cell, weights=defined.astype(np.float64), minlength=cells),
    )


class TruthTable:
    """Lookups into a run's truth table (relative effects; a zero control mean handled).

    >>> import pandas as pd
    >>> table = pd.DataFrame({"metric": ["x", "x"], "segment_kind": ["all", "tier"],
    ...     "segment": ["all", "a"], "devices": [10, 4], "control_mean": [2.0, 0.0],
    ...     "treatment_mean": [2.5, 1.0], "abs_effect": [0.5, 1.0], "rel_effect": [0.25, None]})
    >>> truth = TruthTable(table)
    >>> truth.rel("x"), truth.rel("x", "tier", "a")
    (0.25, inf)
    """

    def __init__(self, table: pd.DataFrame) -> None:
        # A dictionary, not an indexed frame: a readout looks rows up by the hundred, and a
        # MultiIndex lookup costs a hundred times a dictionary's.
        columns = [table[column].tolist() for column in TRUTH_COLUMNS]
        keys = ("metric", "segment_kind", "segment")
        self._rows: dict[tuple[str, str, str], dict[str, Any]] = {}
        for values in zip(*columns, strict=True):
            row = dict(zip(TRUTH_COLUMNS, values, strict=True))
            self._rows[tuple(str(row[key]) for key in keys)] = row
        self.metrics = frozenset(metric for metric, _, _ in self._rows)

    def row(self, metric: str, kind: str = "all", segment: str = "all") -> dict[str, Any] | None:
        """The truth row of one metric in one segment, column by column (``None`` when the
        table has none)."""
        return self._rows.get((metric, kind, segment))

    def rel(self, metric: str, kind: str = "all", segment: str = "all") -> float:
        """The true relative change (NaN when the table has no such row)."""
        row = self.row(metric, kind, segment)
        if row is None:
            return math.nan
        return relative_change(float(row["control_mean"]), float(row["abs_effect"]))

    def segments(self, kind: str) -> list[tuple[str, int]]:
        """``(segment, devices)`` for every segment of one kind, in the segments' sorted order."""
        found = [(metric, segment, row["devices"])
                 for (metric, row_kind, segment), row in self._rows.items() if row_kind == kind]
        if not found:
            return []
        first = min(metric for metric, _, _ in found)
        return sorted((segment, int(devices)) for metric, segment, devices in found
                      if metric == first)

    def pooled_rel(self, metric: str, kind: str, segments: Sequence[str]) -> float:
        """The true relative effect over several segments of one kind (device-weighted)."""
        rows = [self.row(metric, kind, s) for s in segments]
        rows = [r for r in rows if r is not None]
        if not rows:
            return math.nan
        devices = np.array([float(r["devices"]) for r in rows])
        effect = float(np.sum(devices * [float(r["abs_effect"]) for r in rows]))
        base = float(np.sum(devices * [float(r["control_mean"]) for r in rows]))
        return relative_change(base, effect)


def relative_change(control_mean: float, abs_effect: float) -> float:
    """``abs_effect / control_mean``; no change when the effect is zero or undefined, and an
    infinite one when something appears from a zero baseline.

    >>> relative_change(4.0, 0.2), relative_change(0.0, 0.0), relative_change(0.0, -1.0)
    (0.05, 0.0, -inf)
    """
    if abs_effect == 0 or not math.isfinite(abs_effect):
        return 0.0
    if control_mean == 0 or not math.isfinite(control_mean):
        return math.copysign(math.inf, abs_effect)
    return abs_effect / abs(control_mean)
