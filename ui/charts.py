"""Altair charts of the pages: every chart has a title that says what to look for, axis
labels and units, and colours that read on the light and on the dark theme.

The figures the memo shares (the forest plot, the daily lift) live in :mod:`sim.export.charts`.

Every channel is an object (``alt.X("day:Q")``, ``alt.Tooltip("day")``), never a bare string
or a dict: Altair turns each of those into a channel by first hashing all of its ~570 schema
classes (5-13 ms a string here; a quarter to a third of the Run page's two charts). The tests
of the pages fail if a chart makes Altair do it (``tests/app/conftest.py``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from sim.case.metrics import label
from sim.export.charts import REFERENCE, daily_lift, forest
from sim.sweeps import lab
from ui import texts

CONTROL_COLOUR = "#dd6b20"
TREATMENT_COLOUR = "#3182ce"
GOOD, BAD = "#38a169", "#e53e3e"
ARM_WORDS = {"control": "control (not offered the update)",
             "treatment": "treatment (offered the update)"}
"""Each arm in words, for legends."""
ARM_COLOURS = alt.Scale(domain=list(ARM_WORDS.values()), range=[CONTROL_COLOUR, TREATMENT_COLOUR])
LEGEND = alt.Legend(orient="bottom", labelLimit=0, title=None)
"""Legends below the chart with whole labels: they never squeeze a phone-wide plot."""


FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")
"""Fill the page's width; the height is the plot's own, so titles and legends never squeeze
the plot (Streamlit's default, ``fit``, counts them into the height)."""
TITLE_CHARACTERS = 40
"""Title and subtitle lines wrap at about this many characters, so a phone-wide chart shows
them whole (Vega does not wrap titles; it cuts them)."""


def titled(text: str, look_for: str) -> alt.Title:
    """A chart title that says what the chart shows and, below it, what to look for, both
    wrapped into lines a phone-wide chart shows whole.

    >>> titled("Latency", "Look for red bars.").to_dict()["subtitle"]
    ['Look for red bars.']
    """
    return alt.Title(textwrap.wrap(text, TITLE_CHARACTERS), anchor="start",
                     subtitle=textwrap.wrap(look_for, TITLE_CHARACTERS + 14),
                     subtitleColor=REFERENCE)  # Streamlit's theme colours titles, not subtitles


DELIVERY = {"offered": "offered the update", "downloaded": "downloaded",
            "on_build": "on the build now", "installed": "installed"}
_DELIVERY_STYLE = {  # colour, dash, point shape: drawn in this order, installed on top
    "offered the update": ("#718096", [6, 3], "triangle-up"),
    "downloaded": ("#3182ce", [1, 0], "circle"),
    "on the build now": ("#38a169", [1, 0], "square"),
    "installed": ("#dd6b20", [4, 3], "diamond"),
}


def rollout_progress(rollout: pd.DataFrame) -> alt.LayerChart:
    """Treatment devices offered, downloaded, installed (and on the build, when a halt or a
    rollback makes it differ from installed), day by day: each series its own colour, dash
    and marker, installed drawn last, so lines that coincide stay visible."""
    series = [name for name in DELIVERY
              if name != "on_build" or not rollout["on_build"].equals(rollout["installed"])]
    long = rollout.melt(id_vars="day", value_vars=series, var_name="series", value_name="devices")
    long["stage of delivery"] = long["series"].map(DELIVERY)
    names = [DELIVERY[name] for name in series]
    colours, dashes, shapes = (list(values) for values in zip(
        *(_DELIVERY_STYLE[name] for name in names), strict=True))
    # One encoding for every layer, on the chart: Altair copies and validates each layer's
    # own (this chart's conversion took about twice as long with an encoding per layer).
    encoding = alt.SharedEncoding(
        x=alt.X("day:Q", title="Day of the experiment"),
        y=alt.Y("devices:Q", title=["Treatment devices", "(cumulative)"]),
        color=alt.Color("stage of delivery:N", legend=LEGEND,
                        scale=alt.Scale(domain=names, range=colours)),
        strokeDash=alt.StrokeDash("stage of delivery:N", legend=LEGEND,
                                  scale=alt.Scale(domain=names, range=dashes)),
        shape=alt.Shape("stage of delivery:N", legend=LEGEND,
                        scale=alt.Scale(domain=names, range=shapes)),
        tooltip=[alt.Tooltip("day:Q"), alt.Tooltip("stage of delivery:N"),
                 alt.Tooltip("devices:Q", format=",")],
    )
    layers = [alt.Chart(long[long["stage of delivery"] == name]).mark_line(
        point=alt.OverlayMarkDef(size=40, filled=True),
        strokeWidth=3 if name == "installed" else 2) for name in names]
    return alt.LayerChart(layer=layers, encoding=encoding, height=240, autosize=FIT_WIDTH,
                          title=titled(
                              "Delivery: treatment devices offered, downloaded and installed",
                              "Look for the gap between offered and installed (orange, "
                              "dashed): devices count as exposed only once installed."))


def ota_backlog(rollout: pd.DataFrame) -> alt.LayerChart:
    """Downloads served per day against the server's daily capacity, and the backlog (on its
    own axis, from zero, in whole downloads).

    >>> quiet = pd.DataFrame({"day": [0, 1], "served": [5, 0], "backlog": [0, 0],
    ...                       "capacity_per_hour": [40, 40]})
    >>> ota_backlog(quiet).to_dict()["layer"][1]["encoding"]["y"]["scale"]["domain"]
    [0, 1]
    """
    frame = rollout.assign(capacity_per_day=rollout["capacity_per_hour"] * 24)
    bars = alt.Chart().mark_bar(opacity=0.7, color=TREATMENT_COLOUR).encode(
        x=alt.X("day:O", title="Day of the experiment"),
        y=alt.Y("served:Q", title=["Downloads served", "per day"]),
        tooltip=[alt.Tooltip("day"), alt.Tooltip("served:Q", format=","),
                 alt.Tooltip("backlog:Q", format=",")],
    )
    capacity = alt.Chart().mark_rule(color=BAD, strokeDash=[4, 4]).encode(
        y=alt.Y("mean(capacity_per_day):Q")
    )
    # From zero, in whole downloads: with no backlog at all, Vega would centre a flat line on
    # an axis labelled 0.000000, level with a backlog of thousands on the left axis.
    backlog = alt.Chart().mark_line(
        color=CONTROL_COLOUR, point=alt.OverlayMarkDef(color=CONTROL_COLOUR)).encode(
        x=alt.X("day:O"),
        y=alt.Y("backlog:Q", title=["Backlog at the end", "of the day (downloads)"],
                scale=alt.Scale(domain=[0, max(1, int(frame["backlog"].max()))], nice=True),
                axis=alt.Axis(format=",d", tickMinStep=1)),
    )
    return alt.LayerChart(
        frame, layer=[alt.LayerChart(layer=[bars, capacity]), backlog],
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(y="independent")), height=220,
        autosize=FIT_WIDTH, title=titled(
            "OTA server: downloads served (bars), capacity (dashed), backlog (line)",
            "Look for bars at the dashed capacity and a rising line: a backlog delays installs."))


def survival_curves(curves: pd.DataFrame) -> alt.Chart:
    """Kaplan-Meier: the share of devices still active, per arm, by day (arms in clearly
    different colours and dashes, named in words)."""
    frame = curves.assign(group=curves["arm"].map(lambda arm: ARM_WORDS.get(str(arm), str(arm))))
    frame = frame.sort_values("arm", ascending=False, kind="stable")  # control drawn on top
    return (
        alt.Chart(frame, height=240, autosize=FIT_WIDTH, title=titled(
            "Retention (Kaplan-Meier): devices not yet churned, by arm",
            "Look for the curves drifting apart: a lower treatment curve means the build "
            "costs retention."))
        .mark_line(interpolate="step-after", strokeWidth=2.5, opacity=0.9)
        .encode(
            x=alt.X("day:Q", title="Day of the experiment"),
            y=alt.Y("survival:Q", title="Share still active", scale=alt.Scale(zero=False),
                    axis=alt.Axis(format="%")),
            color=alt.Color("group:N", scale=ARM_COLOURS, legend=LEGEND),
            strokeDash=alt.StrokeDash("group:N", legend=LEGEND, scale=alt.Scale(
                domain=list(ARM_WORDS.values()), range=[[6, 3], [1, 0]])),
            tooltip=[alt.Tooltip("group"), alt.Tooltip("day"),
                     alt.Tooltip("survival:Q", format=".2%")],
        )
    )


def drift_densities(frame: pd.DataFrame, group: str, x_title: str,
                    before: str, after: str) -> alt.LayerChart:
    """One group's reading before and after the update as two overlaid densities (not
    stacked) from binned rows (:func:`ui.tables.drift_frame`), each mean marked, and the shift
    between the means (``after`` minus ``before``, the ``period`` values) in the title."""
    rows = frame[frame["group"] == group]
    means = rows.drop_duplicates("period").set_index("period")["mean"]
    periods = [period for period in (before, after) if period in means.index]
    shift = float(means[after] - means[before]) if len(periods) == 2 else float("nan")
    colours = alt.Scale(domain=periods, range=[REFERENCE, TREATMENT_COLOUR][: len(periods)])
    domain = [float(frame["value"].min()), float(frame["value"].max())] if len(frame) else None
    x = alt.X("value:Q", title=x_title, scale=alt.Scale(domain=domain) if domain else
              alt.Undefined)
    area = alt.Chart().mark_area(opacity=0.25, interpolate="monotone").encode(
        x=x, y=alt.Y("density:Q", title="Density", stack=None),
        color=alt.Color("period:N", scale=colours, legend=LEGEND))
    line = alt.Chart().mark_line(strokeWidth=2, interpolate="monotone").encode(
        x=x, y=alt.Y("density:Q", stack=None), color=alt.Color("period:N", scale=colours))
    marks = alt.Chart(means.reset_index()).mark_rule(
        strokeDash=[5, 3], strokeWidth=2).encode(
        x=alt.X("mean:Q"), color=alt.Color("period:N", scale=colours),
        tooltip=[alt.Tooltip("period"), alt.Tooltip("mean:Q", format=".2f")])
    title = titled(
        f"{group.capitalize()}: shift of the mean {shift:+.2f}",
        "Overlaid, not stacked; dashed lines mark each mean. A shift here and not in the other "
        "panel is the update's doing.")
    return alt.LayerChart(rows, layer=[area, line, marks], title=title, height=200,
                          autosize=FIT_WIDTH)


def latency_bars(table: pd.DataFrame, budget: float) -> alt.LayerChart:
    """Latency per use on each chip tier against the latency budget (dashed line)."""
    frame = table.assign(fits=table["latency_ms"] <= budget)
    bars = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("chip_tier:N", title=None, sort=None),
        x=alt.X("latency_ms:Q", title="Milliseconds per use"),
        color=alt.Color("fits:N", legend=None,
                        scale=alt.Scale(domain=[True, False], range=[GOOD, BAD])),
        tooltip=[alt.Tooltip("chip_tier"), alt.Tooltip("latency_ms:Q", format=".1f")],
    )
    rule = alt.Chart(pd.DataFrame({"budget": [budget]})).mark_rule(
        color=REFERENCE, strokeDash=[5, 3], strokeWidth=2).encode(x=alt.X("budget:Q"))
    return alt.LayerChart(layer=[bars, rule], height=alt.Step(28), autosize=FIT_WIDTH, title=titled(
        f"Latency per use against the {budget:g} ms budget (dashed)",
        "Red bars miss the budget: people on those chips use the feature less."))


def memory_chart(table: pd.DataFrame) -> alt.LayerChart:
    """Model memory against each tier's typical free RAM on a log scale, so a 7 MB model and
    5,000 MB of RAM are both visible; red where the model does not fit."""
    frame = table.assign(fits=table["footprint_mb"] <= table["typical_free_ram_mb"])
    long = pd.concat([
        frame.assign(what="free RAM (typical)", mb=frame["typical_free_ram_mb"]),
        frame.assign(what="model memory", mb=frame["footprint_mb"]),
    ], ignore_index=True)
    y = alt.Y("chip_tier:N", title=None, sort=None)
    x = alt.X("mb:Q", title="Megabytes (log scale)", scale=alt.Scale(type="log"))
    link = alt.Chart(frame).mark_rule(color=REFERENCE, strokeWidth=2).encode(
        y=y, x=alt.X("footprint_mb:Q", scale=alt.Scale(type="log")),
        x2=alt.X2("typical_free_ram_mb:Q"))
    points = alt.Chart(long).mark_point(filled=True, size=140).encode(
        y=y, x=x,
        shape=alt.Shape("what:N", legend=LEGEND, scale=alt.Scale(
            domain=["model memory", "free RAM (typical)"], range=["circle", "diamond"])),
        color=alt.condition("datum.what == 'free RAM (typical)'", alt.value(REFERENCE),
                            alt.Color("fits:N", legend=None, scale=alt.Scale(
                                domain=[True, False], range=[GOOD, BAD]))),
        tooltip=[alt.Tooltip("chip_tier"), alt.Tooltip("what"), alt.Tooltip("mb:Q", format=",.0f")],
    )
    title = titled(
        "Model memory against typical free RAM (log scale)",
        "The model fits where its dot sits left of the free-RAM diamond; red means it does "
        "not, and the system kills the app.")
    return alt.LayerChart(layer=[link, points], title=title, height=alt.Step(28),
                          autosize=FIT_WIDTH)


def mde_curve(mde: pd.DataFrame, decision_day: int) -> alt.Chart:
    """The minimum detectable relative effect after each day, with the decision day marked."""
    line = alt.Chart(mde).mark_line(point=True, color=TREATMENT_COLOUR).encode(
        x=alt.X("days_run:Q", title="Days run"),
        y=alt.Y("mde_rel:Q", title=["Smallest detectable", "relative change"],
                axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("days_run"), alt.Tooltip("mde_rel:Q", format=".2%")],
    )
    marker = alt.Chart(pd.DataFrame({"day": [decision_day]})).mark_rule(
        color=BAD, strokeDash=[4, 4]).encode(x=alt.X("day:Q"))
    return alt.LayerChart(layer=[line, marker], height=220, autosize=FIT_WIDTH, title=titled(
        "Minimum detectable effect (80% power) by days run",
        "Look for where the curve flattens (more days add little) and its value at the "
        "decision day (dashed): a true effect smaller than that is usually missed."))


def reports_per_day(received: pd.DataFrame, cleaned: bool) -> alt.Chart:
    """Report rows received per day (``received_day``, ``raw``, ``cleaned``: see
    :meth:`sim.analysis.quality.CleaningReport.rows_received_frame`), with or without the
    duplicate rows."""
    counts = received[["received_day"]].assign(rows=received["cleaned" if cleaned else "raw"])
    title = "Report rows received per day" + (" (duplicates removed)" if cleaned else " (raw)")
    return alt.Chart(counts, height=200, autosize=FIT_WIDTH, title=titled(
        title, "Look for dips (devices offline) and the tail after the last day: late reports "
        "arrive after the day they describe.")).mark_bar(color=TREATMENT_COLOUR).encode(
        x=alt.X("received_day:Q", title="Day received"),
        y=alt.Y("rows:Q", title="Rows"),
        tooltip=[alt.Tooltip("received_day"), alt.Tooltip("rows:Q", format=",")],
    )


FOREST_CONFIG = alt.Config(axisY=alt.AxisConfig(labelLimit=150),
                           legend=alt.LegendConfig(orient="bottom", title=None))
"""Forest panels: whole metric names on the y axis, the verdicts' legend below."""


def forest_panel(rows: pd.DataFrame, title: str, look_for: str, x_title: str,
                 margins: pd.DataFrame | None = None) -> alt.LayerChart:
    """A forest plot of ``rows`` (see :func:`sim.export.charts.forest`) with its own x scale;
    ``margins`` (``label``, ``margin``) adds each guardrail's margin as an orange tick."""
    ticks = [] if margins is None or margins.empty else [alt.Chart(margins).mark_tick(
        color=CONTROL_COLOUR, thickness=3, size=22).encode(
        y=alt.Y("label:N", sort=None), x=alt.X("margin:Q"),
        tooltip=[alt.Tooltip("label"), alt.Tooltip("margin:Q", format="+.1%", title="margin")])]
    return forest(rows, titled(title, look_for), x_title, extra_layers=ticks,
                  autosize=FIT_WIDTH, config=FOREST_CONFIG)


def lift_panels(rows: pd.DataFrame, primary: str,
                guardrails: Mapping[str, Any]) -> list[alt.LayerChart]:
    """The lift forest plot (rows of :func:`sim.export.charts.lift_rows`) in panels, each on
    its own scale, so a metric that moves a lot cannot squash another: the success metric,
    the guardrails (each margin an orange tick) and the other metrics. Labels in words."""
    frame = rows.assign(metric=rows["label"], label=rows["label"].map(label))
    guards = [name for name in guardrails if name != primary]
    margins = pd.DataFrame([
        {"label": label(name), "margin": g.margin * (-1 if g.higher_is_better else 1)}
        for name, g in guardrails.items() if g.relative and name != primary
    ], columns=["label", "margin"])
    panels = [
        (frame["metric"] == primary, texts.FOREST_SUCCESS.format(metric=label(primary)),
         texts.FOREST_SUCCESS_LOOK, None),
        (frame["metric"].isin(guards), texts.FOREST_GUARDRAILS, texts.FOREST_GUARDRAILS_LOOK,
         margins),
        (~frame["metric"].isin([primary, *guards]), texts.FOREST_OTHERS,
         texts.FOREST_OTHERS_LOOK, None),
    ]
    return [forest_panel(frame[mask].drop(columns="metric"), title, look_for,
                         texts.RELATIVE_AXIS, extra)
            for mask, title, look_for, extra in panels if mask.any()]


def dated_lift(daily: pd.DataFrame) -> alt.LayerChart:
    """The day-by-day lift in sessions by calendar day (:func:`sim.export.charts.daily_lift`)
    with a title that says what to look for - and what not to read into it."""
    return daily_lift(daily, height=240, autosize=FIT_WIDTH, title=titled(
        "By calendar day: sessions per reporting device, treatment - control",
        "The first days are diluted by the rollout's ramp (few treatment devices on the build "
        "yet): a rise there is the ramp, not learning. Read trends by days since install."))


def lift_since_install(frame: pd.DataFrame) -> alt.LayerChart:
    """The lift by days since each device's install: the effect as devices age on the build."""
    return daily_lift(
        frame, "days_since_install", "Days since the device installed", height=240,
        autosize=FIT_WIDTH, title=titled(
            "By days since install: installed devices against control on the same days",
            "Look for a trend here: a lift that fades with age is novelty, one that grows is "
            "learning, a flat one is the lasting effect."))


# --- the metric lab (Learn page) ------------------------------------------------------------
def _series(field: str, colours: dict[str, str]) -> alt.Color:
    """A colour per named series, with a legend that shows the whole names."""
    return alt.Color(f"{field}:N", title=None,
                     scale=alt.Scale(domain=list(colours), range=list(colours.values())),
                     legend=alt.Legend(orient="bottom", labelLimit=0))


def _percent_band(x: alt.X, y: alt.Y, colour: alt.Color) -> list[alt.Chart]:
    """The layers of a line with points and a shaded 95% band (``low``..``high``) for each
    colour (for a chart whose data has those columns)."""
    field = y.shorthand.split(":")[0]
    band = alt.Chart().mark_area(opacity=0.15).encode(x=x, y=alt.Y("low:Q"), y2=alt.Y2("high:Q"),
                                                      color=colour)
    line = alt.Chart().mark_line(point=True).encode(
        x=x, y=y, color=colour,
        tooltip=[alt.Tooltip(x.shorthand), alt.Tooltip(colour.shorthand),
                 alt.Tooltip(f"{field}:Q", format=".1%"),
                 alt.Tooltip("low:Q", format=".1%"), alt.Tooltip("high:Q", format=".1%")],
    )
    return [line, band]


def _rule(axis: str, value: float, colour: str = REFERENCE, dash: tuple = (4, 4)) -> alt.Chart:
    channel = {"x": alt.X, "y": alt.Y}[axis]
    return alt.Chart(pd.DataFrame({axis: [value]})).mark_rule(
        color=colour, strokeDash=list(dash)).encode(**{axis: channel(f"{axis}:Q")})


def lab_peeking(table: pd.DataFrame, alpha: float, runs: int) -> alt.LayerChart:
    """Share of A/A fleets flagged by each day: daily fixed-horizon checks vs the sequence."""
    colour = _series("method", {lab.FIXED: "#c53030", lab.SEQUENTIAL: "#2f855a"})
    lines = _percent_band(alt.X("day:Q", title="Days run (one look a day)"),
                          alt.Y("share:Q", title=["Share of fleets", "flagged so far"],
                                axis=alt.Axis(format="%")), colour)
    return alt.LayerChart(table, layer=[*lines, _rule("y", alpha)], title=titled(
        f"A/A fleets that looked significant by each day ({runs:,} fleets)",
        "Look at the red line climbing past alpha (dashed) while the green one stays under it."))


def lab_power(table: pd.DataFrame, budget: int) -> alt.LayerChart:
    """Power by days run, plain and CUPED, with 80% power and the day budget marked."""
    colour = _series("method", {lab.PLAIN: "#718096", lab.CUPED: "#2b6cb0"})
    lines = _percent_band(alt.X("days:Q", title="Days run"),
                          alt.Y("power:Q", title=["Power: share of runs", "with a significant lift"],
                                axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
                          colour)
    return alt.LayerChart(
        table, layer=[*lines, _rule("y", 0.8), _rule("x", budget, "#c53030", (2, 2))],
        title=titled("Power to detect the lift, by days run",
                     "Look for where each line crosses 80% (dashed) and how far CUPED is ahead "
                     "at the budget (dotted)."))


def lab_cuped(table: pd.DataFrame) -> alt.LayerChart:
    """The same runs' 95% intervals without and with CUPED, against each run's true effect."""
    x = alt.X("run:O", title="Run")
    colour = _series("method", {lab.PLAIN: "#a0aec0", lab.CUPED: "#2b6cb0"})
    whiskers = alt.Chart().mark_rule(strokeWidth=2).encode(
        x=x, xOffset=alt.XOffset("method:N"),
        y=alt.Y("low:Q", title=["Difference in sessions", "per device"]),
        y2=alt.Y2("high:Q"), color=colour)
    points = alt.Chart().mark_point(filled=True).encode(
        x=x, xOffset=alt.XOffset("method:N"), y=alt.Y("estimate:Q"), color=colour,
        tooltip=[alt.Tooltip("run"), alt.Tooltip("method"), alt.Tooltip("estimate:Q", format=".2f"),
                 alt.Tooltip("low:Q", format=".2f"), alt.Tooltip("high:Q", format=".2f"),
                 alt.Tooltip("truth:Q", format=".2f")])
    truth = alt.Chart().mark_tick(color=REFERENCE, thickness=2).encode(x=x, y=alt.Y("truth:Q"))
    return alt.LayerChart(table, layer=[whiskers, points, truth], title=titled(
        "95% intervals of the same runs, plain and with CUPED",
        "Look at the blue intervals: shorter than the grey ones and still around the truth "
        "(ticks)."))


def lab_srm(table: pd.DataFrame) -> alt.LayerChart:
    """SRM alarms and false lifts by the share of failed installs that stop reporting."""
    colour = _series("measure", {lab.SRM_ALARM: "#dd6b20", lab.FALSE_LIFT: "#c53030"})
    return alt.LayerChart(table, layer=_percent_band(
        alt.X("silent:Q", title="Share of failed installs whose telemetry never returns",
              axis=alt.Axis(format="%")),
        alt.Y("share:Q", title="Share of runs", axis=alt.Axis(format="%"),
              scale=alt.Scale(domain=[0, 1])),
        colour), title=titled(
        "Failed installs that stop reporting: SRM alarms and false lifts",
        "Look at both lines rising together: the SRM alarm warns of the false lift."))


def lab_simpson(table: pd.DataFrame) -> alt.LayerChart:
    """On the build minus control in sessions: pooled, mix-adjusted and tier by tier."""
    y = alt.Y("group:N", title=None, sort=None, axis=alt.Axis(labelLimit=0))
    bars = alt.Chart().mark_bar().encode(
        y=y, x=alt.X("difference:Q", title="Difference in sessions per device (mean of runs)"),
        color=alt.ColorValue("#c53030", condition={"test": "datum.difference > 0",
                                                    "value": "#2f855a"}),
        tooltip=[alt.Tooltip("group"), alt.Tooltip("difference:Q", format="+.2f"),
                 alt.Tooltip("low:Q", format="+.2f"), alt.Tooltip("high:Q", format="+.2f")])
    whiskers = alt.Chart().mark_rule(color=REFERENCE).encode(
        y=y, x=alt.X("low:Q"), x2=alt.X2("high:Q"))
    return alt.LayerChart(table, layer=[bars, whiskers, _rule("x", 0.0, dash=(1, 0))],
                          height=alt.Step(30), title=titled(
        "Phones on the build minus control: pooled against tier by tier",
        "Look for the pooled bar pointing the other way from the tiers: the mix, not the "
        "build."))


def lab_mix(mix: pd.DataFrame) -> alt.Chart:
    """Each chip tier's share of the phones on the build and of control."""
    return alt.Chart(mix, title=titled(
        "Tier mix: phones on the build against control",
        "Look for the tier whose share differs between the groups.")).mark_bar().encode(
        y=alt.Y("tier:N", title="Chip tier", sort=None),
        yOffset=alt.YOffset("group:N"),
        x=alt.X("share:Q", title="Share of the group", axis=alt.Axis(format="%")),
        color=_series("group", {"control": "#718096", "on the build": "#2b6cb0"}),
        tooltip=[alt.Tooltip("tier"), alt.Tooltip("group"), alt.Tooltip("share:Q", format=".1%")],
    )


def lab_novelty(table: pd.DataFrame, lasting: float, budget: int) -> alt.LayerChart:
    """The relative lift by days run (measured and true) against the lasting effect."""
    colour = _series("series", {lab.MEASURED: "#2b6cb0", lab.TRUE: "#4a5568"})
    lines = _percent_band(alt.X("days:Q", title="Days run"),
                          alt.Y("lift:Q", title=["Relative lift", "(treatment / control - 1)"],
                                axis=alt.Axis(format="%")), colour)
    return alt.LayerChart(
        table, layer=[*lines, _rule("y", lasting), _rule("x", budget, "#c53030", (2, 2))],
        title=titled("Relative lift in sessions by the day you stop",
                     "Look at the early lift falling towards the lasting effect (dashed)."))


# --- comparing two designs ------------------------------------------------------------------
RUN_WORDS = {"pinned": "pinned run", "current": "current run"}


def compare_forest(rows: pd.DataFrame, metric: str, kind: str) -> alt.LayerChart:
    """Both runs' relative change per segment with 95% CIs, side by side on each row."""
    frame = rows.assign(design=rows["run"].map(RUN_WORDS))
    y = alt.Y("segment:N", title=None, sort=None)
    colour = alt.Color("design:N", legend=LEGEND, scale=alt.Scale(
        domain=list(RUN_WORDS.values()), range=[CONTROL_COLOUR, TREATMENT_COLOUR]))
    whiskers = alt.Chart().mark_rule(strokeWidth=2).encode(
        y=y, yOffset=alt.YOffset("design:N", sort=list(RUN_WORDS.values())),
        x=alt.X("low:Q", title=f"Relative change in {metric}", axis=alt.Axis(format="+%")),
        x2=alt.X2("high:Q"), color=colour)
    points = alt.Chart().mark_point(filled=True, size=70).encode(
        y=y, yOffset=alt.YOffset("design:N", sort=list(RUN_WORDS.values())),
        x=alt.X("estimate:Q"), color=colour,
        shape=alt.Shape("design:N", legend=LEGEND, scale=alt.Scale(
            domain=list(RUN_WORDS.values()), range=["diamond", "circle"])),
        tooltip=[alt.Tooltip("segment"), alt.Tooltip("design"),
                 alt.Tooltip("estimate:Q", format="+.2%"),
                 alt.Tooltip("low:Q", format="+.2%"), alt.Tooltip("high:Q", format="+.2%")])
    zero = _rule("x", 0.0, dash=(1, 0))
    return alt.LayerChart(frame, layer=[whiskers, points, zero], height=alt.Step(22),
                          autosize=FIT_WIDTH, title=titled(
        f"Relative change in {metric} by {kind}: pinned against current design",
        "Look for the segments where the two designs part: a tier that loses with one design "
        "and not with the other."))
