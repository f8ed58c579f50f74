"""Altair charts used by the pages: every chart has a title, axis labels and units."""

from __future__ import annotations

import altair as alt
import pandas as pd

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


def forest(rows: pd.DataFrame, title: str, x_title: str, label: str = "label") -> alt.Chart:
    """Estimates with confidence intervals, one row each, against a zero line."""
    base = alt.Chart(rows, title=title).encode(y=alt.Y(f"{label}:N", title=None, sort=None))
    whiskers = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("low:Q", title=x_title, axis=alt.Axis(format="+%")), x2="high:Q",
        color=alt.Color("verdict:N", title=None,
                        scale=alt.Scale(domain=["better", "worse", "unclear"],
                                        range=["#2f855a", "#c53030", "#718096"])),
    )
    points = base.mark_point(filled=True, size=80).encode(
        x="estimate:Q", color="verdict:N",
        tooltip=[label, alt.Tooltip("estimate:Q", format="+.2%"),
                 alt.Tooltip("low:Q", format="+.2%"), alt.Tooltip("high:Q", format="+.2%"),
                 alt.Tooltip("p:Q", format=".3g")],
    )
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="black").encode(x="x:Q")
    return (whiskers + points + zero).properties(height=alt.Step(32))


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


def daily_lift(daily: pd.DataFrame) -> alt.Chart:
    """The day's difference in sessions per reporting device, with its 95% interval."""
    base = alt.Chart(daily, title="Lift over time: sessions per reporting device, treatment - control")
    band = base.mark_area(opacity=0.25).encode(
        x=alt.X("day:Q", title="Day of the experiment"),
        y=alt.Y("low:Q", title="Difference in sessions per device-day"), y2="high:Q",
    )
    line = base.mark_line(point=True).encode(x="day:Q", y="estimate:Q",
                                             tooltip=["day", "estimate", "low", "high"])
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="black").encode(y="y:Q")
    return band + line + zero


def distributions(frame: pd.DataFrame, value: str, group: str, title: str,
                  x_title: str) -> alt.Chart:
    """Overlaid histograms of ``value`` by ``group`` (density, so groups of any size compare)."""
    return (
        alt.Chart(frame, title=title)
        .transform_density(value, groupby=[group], as_=[value, "density"])
        .mark_area(opacity=0.45)
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
