"""Turn analysis results into the small frames the pages show and chart (no statistics here)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim.analysis import KaplanMeierResult, SegmentLiftsResult
from sim.decide import Scorecard
from sim.export.dictionary import COLUMNS


def lift_table(metrics: Mapping, cuped: Mapping, guardrails: Mapping | None = None) -> pd.DataFrame:
    """One row a metric: means, absolute and relative lift with CIs, p, CUPED and guardrail."""
    rows = []
    for name, plain in metrics.items():
        result = cuped.get(name, plain)
        guardrail = (guardrails or {}).get(name)
        rows.append({
            "metric": name,
            "method": "CUPED" if name in cuped else plain.method,
            "control": result.control_mean,
            "treatment": result.treatment_mean,
            "difference": result.abs_diff,
            "95% CI": f"{result.abs_ci[0]:+.4g} to {result.abs_ci[1]:+.4g}",
            "relative": f"{result.rel_lift:+.2%}" if np.isfinite(result.rel_lift) else "n/a",
            "p-value": result.p_value,
            "guardrail": "" if guardrail is None else (
                "holds" if guardrail.non_inferior else "not shown to hold"),
        })
    return pd.DataFrame(rows)


def segment_table(segments: SegmentLiftsResult) -> pd.DataFrame:
    """Per segment: means, lift, raw and corrected p-values."""
    frame = segments.to_frame()
    keep = ["segment", "n_control", "n_treatment", "control_mean", "treatment_mean", "abs_diff",
            "rel_lift", "p_value", "p_holm", "p_bh"]
    return frame[[c for c in keep if c in frame.columns]]


def survival_frame(curves: KaplanMeierResult) -> pd.DataFrame:
    """Kaplan-Meier steps of both arms in one long frame (starting at 1 on day 0)."""
    parts = []
    for curve in (curves.control, curves.treatment):
        parts.append(pd.DataFrame({"day": [0.0, *curve.times], "survival": [1.0, *curve.survival],
                                   "arm": str(curve.arm)}))
    return pd.concat(parts, ignore_index=True)


DRIFT_BINS = 60
"""Bins of the drift chart's densities."""


def drift_frame(devices: pd.DataFrame, bins: int = DRIFT_BINS) -> pd.DataFrame:
    """Sensor scores before and after, for updated treatment devices and for control, as
    densities over shared bins (``sensor_score`` the bin's centre, ``when``, ``density``).

    Binned here, not in the browser: a chart of every device's score sends megabytes of rows
    (5 MB at 100,000 devices) for a curve of a few dozen points.

    >>> devices = pd.DataFrame({"arm": ["control", "treatment"] * 50,
    ...     "installed_day": [None, 1.0] * 50, "pre_sensor_score": np.arange(100.0),
    ...     "sensor_score": np.arange(100.0) + 1})
    >>> frame = drift_frame(devices, bins=10)
    >>> sorted(frame["when"].unique())[:2], len(frame)
    (['control: after', 'control: before'], 40)
    """
    updated = devices[(devices["arm"] == "treatment") & devices["installed_day"].notna()]
    control = devices[devices["arm"] == "control"]
    groups = {f"{label}: {when}": rows[column].dropna().to_numpy(dtype=float)
              for label, rows in (("updated devices", updated), ("control", control))
              for when, column in (("before", "pre_sensor_score"), ("after", "sensor_score"))}
    groups = {name: values for name, values in groups.items() if values.size}
    if not groups:
        return pd.DataFrame({"sensor_score": [], "when": [], "density": []})
    pooled = np.concatenate(list(groups.values()))
    low, high = np.percentile(pooled, [0.5, 99.5])
    edges = np.histogram_bin_edges(pooled, bins=bins, range=(low, high))
    centres = (edges[:-1] + edges[1:]) / 2
    return pd.concat([pd.DataFrame({"sensor_score": centres, "when": name,
                                    "density": np.histogram(values, edges, density=True)[0]})
                      for name, values in groups.items()], ignore_index=True)


def score_items(card: Scorecard) -> pd.DataFrame:
    """The scorecard's criteria: points out of the maximum, and why."""
    return pd.DataFrame([
        {"criterion": item.criterion, "points": f"{item.points:.0f} / {item.max_points:.0f}",
         "why": item.explanation}
        for item in card.items
    ])


def truth_by_segment(truth: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The true effect of the primary metric overall and per segment (after the reveal)."""
    rows = truth[truth["metric"] == metric]
    return pd.DataFrame({
        "segment": rows["segment_kind"].str.replace("_", " ") + ": " + rows["segment"],
        "devices": rows["devices"],
        "control mean": rows["control_mean"],
        "treatment mean": rows["treatment_mean"],
        "true effect": rows["abs_effect"],
        "true relative effect": rows["rel_effect"].map(lambda v: f"{v:+.2%}"),
    })


def column_guide(table: str) -> pd.DataFrame:
    """A run table's columns with their unit and meaning (the export's data dictionary)."""
    return pd.DataFrame([{"column": name, "unit": entry.unit, "meaning": entry.meaning}
                         for name, entry in COLUMNS[table].items()])
