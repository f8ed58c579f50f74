"""The Altair figures shared by the memo and the app: the lift forest plot and the daily lift.

Rows for a forest plot carry a ``verdict`` read from the metric catalogue: a change whose
interval excludes zero is ``better`` or ``worse`` for a metric the catalogue knows, ``higher``
or ``lower`` for a column it does not (a person's own table), and ``unclear`` otherwise.

A chart is made in one call (``alt.LayerChart(data, layer=[...], title=..., ...)``), never
grown with ``+`` or ``.properties``: Altair deep-copies every layer each time, which was two
thirds of the time a forest panel took to build.

>>> verdict("distraction_events", 0.02, 0.09), verdict("sessions", 0.02, 0.09)
('worse', 'better')
>>> verdict("revenue", -0.3, -0.1), verdict("sessions", -0.1, 0.2)
('lower', 'unclear')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import altair as alt
import pandas as pd

from sim.case.metrics import direction

if TYPE_CHECKING:
    from sim.analysis.segments import SegmentLiftsResult

VERDICTS = {"better": "#2f855a", "worse": "#c53030", "higher": "#2b6cb0",
            "lower": "#dd6b20", "unclear": "#718096"}
"""Each verdict's colour in a forest plot."""
REFERENCE = "#8c8c8c"
"""Reference lines (zero, margins): a mid grey that reads on a light and on a dark page."""
DAILY_LIFT_TITLE = "Lift over time: sessions per reporting device, treatment - control"


def verdict(metric: str, low: float, high: float) -> str:
    """What an interval says about a metric's change (see the module docstring)."""
    if not (math.isfinite(low) and math.isfinite(high)) or low <= 0 <= high:
        return "unclear"
    up = low > 0
    good = direction(metric)
    if good is None:
        return "higher" if up else "lower"
    return "better" if up == good else "worse"


def lift_rows(metrics: Mapping[str, Any], cuped: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Relative lift and CI per metric (CUPED-adjusted where given), for :func:`forest`.

    >>> from sim import load_scenario, simulate, analyse
    >>> report = analyse(simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=2_000))
    >>> lift_rows(report.metrics, report.cuped).columns.tolist()
    ['label', 'estimate', 'low', 'high', 'p', 'verdict']
    """
    rows = []
    for name, plain in metrics.items():
        result = (cuped or {}).get(name, plain)
        low, high = result.rel_ci
        if not math.isfinite(result.rel_lift):
            continue
        rows.append({"label": name, "estimate": result.rel_lift, "low": low, "high": high,
                     "p": result.p_value, "verdict": verdict(name, low, high)})
    return pd.DataFrame(rows, columns=["label", "estimate", "low", "high", "p", "verdict"])


def segment_rows(segments: SegmentLiftsResult, alpha: float = 0.05) -> pd.DataFrame:
    """Relative lift and CI per segment, for :func:`forest`; a segment whose Holm-adjusted
    p-value is not below ``alpha`` reads ``unclear``."""
    return pd.DataFrame([
        {"segment": str(s.segment), "estimate": s.rel_lift, "low": s.rel_ci[0],
         "high": s.rel_ci[1], "p": s.p_holm,
         "verdict": verdict(segments.metric, *s.rel_ci) if s.p_holm < alpha else "unclear"}
        for s in segments.segments
    ], columns=["segment", "estimate", "low", "high", "p", "verdict"])


def forest(rows: pd.DataFrame, title: str | alt.Title, x_title: str, label: str = "label",
           extra_layers: Sequence[alt.Chart] = (), **properties: Any) -> alt.LayerChart:
    """Estimates with confidence intervals, one row each, against a zero line;
    ``extra_layers`` are drawn on top and ``properties`` (``width``, ``autosize``,
    ``config``...) are the chart's.

    >>> rows = pd.DataFrame({"label": ["a"], "estimate": [0.02], "low": [0.01], "high": [0.03],
    ...                      "p": [0.01], "verdict": ["better"]})
    >>> forest(rows, "t", "x").to_dict()["layer"][0]["mark"]["type"]
    'rule'
    """
    rows = rows[rows[["estimate", "low", "high"]].map(math.isfinite).all(axis=1)]
    y = alt.Y(f"{label}:N", title=None, sort=None)
    shown = [name for name in VERDICTS if name in set(rows["verdict"])]  # legend: only these
    colour = alt.Color("verdict:N", title=None,
                       scale=alt.Scale(domain=shown, range=[VERDICTS[name] for name in shown]))
    whiskers = alt.Chart().mark_rule(strokeWidth=2).encode(
        y=y, x=alt.X("low:Q", title=x_title, axis=alt.Axis(format="+%")), x2=alt.X2("high:Q"),
        color=colour,
    )
    points = alt.Chart().mark_point(filled=True, size=80).encode(
        y=y, x=alt.X("estimate:Q"), color=colour,
        tooltip=[alt.Tooltip(label), alt.Tooltip("estimate:Q", format="+.2%"),
                 alt.Tooltip("low:Q", format="+.2%"), alt.Tooltip("high:Q", format="+.2%"),
                 alt.Tooltip("p:Q", format=".3g")],
    )
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color=REFERENCE).encode(x=alt.X("x:Q"))
    return alt.LayerChart(rows, layer=[whiskers, points, zero, *extra_layers], title=title,
                          height=alt.Step(32), **properties)


def daily_lift(daily: pd.DataFrame, day: str = "day", axis: str = "Day of the experiment",
               title: str | alt.Title = DAILY_LIFT_TITLE, **properties: Any) -> alt.LayerChart:
    """The day's difference in sessions per reporting device, with its 95% interval; ``day``
    names the time column (``"days_since_install"`` for the effect by device age);
    ``properties`` (``height``, ``autosize``...) are the chart's.

    >>> frame = pd.DataFrame({"day": [0, 1], "estimate": [0.1, 0.2], "low": [0.0, 0.1],
    ...                       "high": [0.2, 0.3]})
    >>> daily_lift(frame).to_dict()["layer"][1]["mark"]["type"]
    'line'
    """
    frame = daily[[day, "estimate", "low", "high"]].dropna()
    band = alt.Chart().mark_area(opacity=0.25).encode(
        x=alt.X(f"{day}:Q", title=axis),
        y=alt.Y("low:Q", title="Difference in sessions per device-day"), y2=alt.Y2("high:Q"),
    )
    line = alt.Chart().mark_line(point=True).encode(
        x=alt.X(f"{day}:Q"), y=alt.Y("estimate:Q"),
        tooltip=[alt.Tooltip(day), alt.Tooltip("estimate:Q", format="+.3f"),
                 alt.Tooltip("low:Q", format="+.3f"), alt.Tooltip("high:Q", format="+.3f")])
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color=REFERENCE).encode(y=alt.Y("y:Q"))
    return alt.LayerChart(frame, layer=[band, line, zero], title=title, **properties)
