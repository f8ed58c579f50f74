"""Altair charts of the pages: every chart has a title, axis labels and units.

The figures the memo shares (the forest plot, the daily lift) live in :mod:`sim.export.charts`.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from sim.sweeps import lab

ARM_COLOURS = alt.Scale(domain=["control", "treatment"], range=["#718096", "#2b6cb0"])


def rollout_progress(rollout: pd.DataFrame) -> alt.Chart:
    """Treatment devices offered, installed and on the build, day by day."""
    long = rollout.melt(id_vars="day", value_vars=["offered", "downloaded", "installed", "on_build"],
                        var_name="stage of delivery", value_name="devices")
    return (
        alt.Chart(long, title="Delivery: treatment devices offered, downloaded and installed")
        .mark_line(point=True)
        .encode(
            x=alt.X("day:Q", title="Day of the experiment"),
            y=alt.Y("devices:Q", title="Treatment devices (cumulative)"),
            color=alt.Color("stage of delivery:N", title=None),
            tooltip=["day", "stage of delivery", "devices"],
        )
    )


def ota_backlog(rollout: pd.DataFrame) -> alt.Chart:
    """Downloads served per day against the server's daily capacity, and the backlog."""
    frame = rollout.assign(capacity_per_day=rollout["capacity_per_hour"] * 24)
    bars = alt.Chart(frame).mark_bar(opacity=0.7).encode(
        x=alt.X("day:O", title="Day of the experiment"),
        y=alt.Y("served:Q", title="Downloads per day"),
        tooltip=["day", "served", "backlog"],
    )
    capacity = alt.Chart(frame).mark_rule(color="#c53030", strokeDash=[4, 4]).encode(
        y="mean(capacity_per_day):Q"
    )
    backlog = alt.Chart(frame).mark_line(color="#dd6b20", point=True).encode(
        x="day:O", y=alt.Y("backlog:Q", title="Backlog at the end of the day (downloads)"),
    )
    return alt.layer(bars + capacity, backlog).resolve_scale(y="independent").properties(
        title="OTA server: downloads served (bars), capacity (dashed) and backlog (line)"
    )


def survival_curves(curves: pd.DataFrame) -> alt.Chart:
    """Kaplan-Meier: the share of devices still active, per arm, by day."""
    return (
        alt.Chart(curves, title="Retention (Kaplan-Meier): devices not yet churned")
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X("day:Q", title="Day"),
            y=alt.Y("survival:Q", title="Share still active", scale=alt.Scale(zero=False),
                    axis=alt.Axis(format="%")),
            color=alt.Color("arm:N", scale=ARM_COLOURS, title=None),
        )
    )


def distributions(frame: pd.DataFrame, value: str, group: str, title: str,
                  x_title: str) -> alt.Chart:
    """Overlaid densities of ``value`` by ``group`` from binned rows (a ``density`` column, as
    :func:`ui.tables.drift_frame` makes), so groups of any size compare."""
    return (
        alt.Chart(frame, title=title)
        .mark_area(opacity=0.45, interpolate="step")
        .encode(x=alt.X(f"{value}:Q", title=x_title), y=alt.Y("density:Q", title="Density"),
                color=alt.Color(f"{group}:N", title=None))
    )


def tier_bars(table: pd.DataFrame, value: str, limit: str, title: str, y_title: str) -> alt.Chart:
    """One bar per chip tier with a tick at its limit (latency budget, free RAM)."""
    bars = alt.Chart(table, title=title).mark_bar().encode(
        x=alt.X("chip_tier:N", title="Chip tier", sort=None),
        y=alt.Y(f"{value}:Q", title=y_title),
        color=alt.condition(f"datum.{value} <= datum.{limit}", alt.value("#2f855a"),
                            alt.value("#c53030")),
        tooltip=["chip_tier", alt.Tooltip(f"{value}:Q", format=".1f"),
                 alt.Tooltip(f"{limit}:Q", format=".1f")],
    )
    ticks = alt.Chart(table).mark_tick(color="black", thickness=3, size=40).encode(
        x=alt.X("chip_tier:N", sort=None), y=f"{limit}:Q"
    )
    return bars + ticks


def mde_curve(mde: pd.DataFrame, decision_day: int) -> alt.Chart:
    """The minimum detectable relative effect after each day, with the decision day marked."""
    line = alt.Chart(mde, title="Minimum detectable effect (80% power) by days run").mark_line(
        point=True).encode(
        x=alt.X("days_run:Q", title="Days run"),
        y=alt.Y("mde_rel:Q", title="Smallest detectable relative change", axis=alt.Axis(format="%")),
        tooltip=["days_run", alt.Tooltip("mde_rel:Q", format=".2%")],
    )
    marker = alt.Chart(pd.DataFrame({"day": [decision_day]})).mark_rule(
        color="#c53030", strokeDash=[4, 4]).encode(x="day:Q")
    return line + marker


def reports_per_day(daily: pd.DataFrame, cleaned: bool) -> alt.Chart:
    """Report rows received per day (with or without the duplicate rows)."""
    counts = daily.groupby("received_day").size().rename("rows").reset_index()
    title = "Report rows received per day" + (" (duplicates removed)" if cleaned else " (raw)")
    return alt.Chart(counts, title=title).mark_bar().encode(
        x=alt.X("received_day:O", title="Day received"),
        y=alt.Y("rows:Q", title="Rows"),
    )


# --- the metric lab (Learn page) ------------------------------------------------------------
def _series(field: str, colours: dict[str, str]) -> alt.Color:
    """A colour per named series, with a legend that shows the whole names."""
    return alt.Color(f"{field}:N", title=None,
                     scale=alt.Scale(domain=list(colours), range=list(colours.values())),
                     legend=alt.Legend(orient="bottom", labelLimit=0))


def _percent_band(base: alt.Chart, x: alt.X, y: alt.Y, colour: alt.Color) -> alt.LayerChart:
    """A line with points and a shaded 95% band (``low``..``high``) for each colour."""
    field = y.shorthand.split(":")[0]
    band = base.mark_area(opacity=0.15).encode(x=x, y="low:Q", y2="high:Q", color=colour)
    line = base.mark_line(point=True).encode(
        x=x, y=y, color=colour,
        tooltip=[alt.Tooltip(x.shorthand), alt.Tooltip(colour.shorthand),
                 alt.Tooltip(f"{field}:Q", format=".1%"),
                 alt.Tooltip("low:Q", format=".1%"), alt.Tooltip("high:Q", format=".1%")],
    )
    return line + band


def _rule(axis: str, value: float, colour: str = "black", dash: tuple = (4, 4)) -> alt.Chart:
    return alt.Chart(pd.DataFrame({axis: [value]})).mark_rule(
        color=colour, strokeDash=list(dash)).encode(**{axis: f"{axis}:Q"})


def lab_peeking(table: pd.DataFrame, alpha: float, runs: int) -> alt.LayerChart:
    """Share of A/A fleets flagged by each day: daily fixed-horizon checks vs the sequence."""
    base = alt.Chart(table, title=f"A/A fleets that looked significant by each day ({runs:,} fleets)")
    colour = _series("method", {lab.FIXED: "#c53030", lab.SEQUENTIAL: "#2f855a"})
    lines = _percent_band(base, alt.X("day:Q", title="Days run (one look a day)"),
                          alt.Y("share:Q", title=["Share of fleets", "flagged so far"],
                                axis=alt.Axis(format="%")), colour)
    return lines + _rule("y", alpha)


def lab_power(table: pd.DataFrame, budget: int) -> alt.LayerChart:
    """Power by days run, plain and CUPED, with 80% power and the day budget marked."""
    base = alt.Chart(table, title="Power to detect the lift, by days run")
    colour = _series("method", {lab.PLAIN: "#718096", lab.CUPED: "#2b6cb0"})
    lines = _percent_band(base, alt.X("days:Q", title="Days run"),
                          alt.Y("power:Q", title=["Power: share of runs", "with a significant lift"],
                                axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
                          colour)
    return lines + _rule("y", 0.8) + _rule("x", budget, "#c53030", (2, 2))


def lab_cuped(table: pd.DataFrame) -> alt.LayerChart:
    """The same runs' 95% intervals without and with CUPED, against each run's true effect."""
    base = alt.Chart(table, title="95% intervals of the same runs, plain and with CUPED")
    x = alt.X("run:O", title="Run")
    colour = _series("method", {lab.PLAIN: "#a0aec0", lab.CUPED: "#2b6cb0"})
    whiskers = base.mark_rule(strokeWidth=2).encode(
        x=x, xOffset="method:N", y=alt.Y("low:Q", title=["Difference in sessions", "per device"]),
        y2="high:Q", color=colour)
    points = base.mark_point(filled=True).encode(
        x=x, xOffset="method:N", y="estimate:Q", color=colour,
        tooltip=["run", "method", alt.Tooltip("estimate:Q", format=".2f"),
                 alt.Tooltip("low:Q", format=".2f"), alt.Tooltip("high:Q", format=".2f"),
                 alt.Tooltip("truth:Q", format=".2f")])
    truth = base.mark_tick(color="black", thickness=2).encode(x=x, y="truth:Q")
    return whiskers + points + truth


def lab_srm(table: pd.DataFrame) -> alt.LayerChart:
    """SRM alarms and false lifts by the share of failed installs that stop reporting."""
    base = alt.Chart(table, title="Failed installs that stop reporting: SRM alarms and false lifts")
    colour = _series("measure", {lab.SRM_ALARM: "#dd6b20", lab.FALSE_LIFT: "#c53030"})
    return _percent_band(
        base,
        alt.X("silent:Q", title="Share of failed installs whose telemetry never returns",
              axis=alt.Axis(format="%")),
        alt.Y("share:Q", title="Share of runs", axis=alt.Axis(format="%"),
              scale=alt.Scale(domain=[0, 1])),
        colour)


def lab_simpson(table: pd.DataFrame) -> alt.LayerChart:
    """On the build minus control in sessions: pooled, mix-adjusted and tier by tier."""
    base = alt.Chart(table, title="Phones on the build minus control: pooled against tier by tier")
    y = alt.Y("group:N", title=None, sort=None, axis=alt.Axis(labelLimit=0))
    bars = base.mark_bar().encode(
        y=y, x=alt.X("difference:Q", title="Difference in sessions per device (mean of runs)"),
        color=alt.condition("datum.difference > 0", alt.value("#2f855a"), alt.value("#c53030")),
        tooltip=["group", alt.Tooltip("difference:Q", format="+.2f"),
                 alt.Tooltip("low:Q", format="+.2f"), alt.Tooltip("high:Q", format="+.2f")])
    whiskers = base.mark_rule(color="black").encode(y=y, x="low:Q", x2="high:Q")
    return (bars + whiskers + _rule("x", 0.0, dash=(1, 0))).properties(height=alt.Step(30))


def lab_mix(mix: pd.DataFrame) -> alt.Chart:
    """Each chip tier's share of the phones on the build and of control."""
    return alt.Chart(mix, title="Tier mix: phones on the build against control").mark_bar().encode(
        y=alt.Y("tier:N", title="Chip tier", sort=None),
        yOffset="group:N",
        x=alt.X("share:Q", title="Share of the group", axis=alt.Axis(format="%")),
        color=_series("group", {"control": "#718096", "on the build": "#2b6cb0"}),
        tooltip=["tier", "group", alt.Tooltip("share:Q", format=".1%")],
    )


def lab_novelty(table: pd.DataFrame, lasting: float, budget: int) -> alt.LayerChart:
    """The relative lift by days run (measured and true) against the lasting effect."""
    base = alt.Chart(table, title="Relative lift in sessions by the day you stop")
    colour = _series("series", {lab.MEASURED: "#2b6cb0", lab.TRUE: "#4a5568"})
    lines = _percent_band(base, alt.X("days:Q", title="Days run"),
                          alt.Y("lift:Q", title=["Relative lift", "(treatment / control - 1)"],
                                axis=alt.Axis(format="%")), colour)
    return lines + _rule("y", lasting) + _rule("x", budget, "#c53030", (2, 2))
