"""Turn analysis results into the small frames the pages show and chart (no statistics here).

Every frame's columns are ids from :data:`ui.glossary.COLUMNS`; :func:`show` draws a frame with
each column's header in words and its one-line help. Numbers are text from
:mod:`sim.export.numbers`, so each metric keeps its own precision row by row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from sim import messages
from sim.analysis import KaplanMeierResult, SegmentLiftsResult
from sim.case.metrics import SEGMENT_LABELS, label
from sim.decide import Scorecard
from sim.decide.rubric import Rubric
from sim.export import numbers
from sim.export.dictionary import COLUMNS as DATA_COLUMNS
from sim.readout.lean import DRIFT_SAMPLES, DriftReading
from sim.rooms.history import Attempt
from ui import glossary, texts
from ui.guard import literal


def show(frame: pd.DataFrame, height: int | str = "auto") -> None:
    """Draw ``frame`` with every column's header in words and its help (a column the
    glossary does not know is an error: every column the practice pages show is explained)."""
    config = {}
    for name in frame.columns:
        column = glossary.COLUMNS[name]
        dtype = frame[name].dtype
        if dtype.kind == "b":
            config[name] = st.column_config.CheckboxColumn(column.label, help=column.help)
        elif dtype.kind in "iu":
            config[name] = st.column_config.NumberColumn(column.label, help=column.help,
                                                         format="localized")
        else:
            config[name] = st.column_config.TextColumn(column.label, help=column.help)
    st.dataframe(frame, hide_index=True, column_config=config, height=height)


def show_wrapped(frame: pd.DataFrame) -> None:
    """Draw a short table of sentences (the interview's rubric) whose cells wrap instead of
    being cut off at the column's edge: a static table, headers in words
    (:func:`wrapped_frame`), and under it each column's help (a static table has no header
    tooltips)."""
    st.table(wrapped_frame(frame), hide_index=True)
    st.caption(literal(" ".join(glossary.COLUMNS[name].help for name in frame.columns),
                       limit=None))


def wrapped_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as a static table shows it: each header the glossary's words, every cell as
    literal text (a static table reads Markdown; ``upper_mid`` must not turn italic), whole:
    these are the app's own sentences, never cut short.

    >>> shown = wrapped_frame(pd.DataFrame({"rubric_line": ["Structure"],
    ...                                     "why": ["ship to upper_mid (chip_tier)"]}))
    >>> list(shown.columns)
    ['rubric line', 'why']
    >>> print(shown["why"].iloc[0])
    ship to upper\\_mid \\(chip\\_tier\\)
    """
    return pd.DataFrame({glossary.COLUMNS[name].label: [literal(value, limit=None)
                                                          for value in frame[name]]
                         for name in frame.columns})


def _guardrail_words(guardrail) -> str:
    if guardrail is None:
        return ""
    return texts.HOLDS if guardrail.non_inferior else texts.NOT_SHOWN


def short_method(method: str) -> str:
    """A test's name as a table cell: the name in brackets when there is one.

    >>> short_method("difference in means (Welch)"), short_method("CUPED")
    ('Welch', 'CUPED')
    """
    if method.endswith(")") and "(" in method:
        return method[method.rindex("(") + 1:-1]
    return method


def lift_table(metrics: Mapping, cuped: Mapping, guardrails: Mapping | None = None) -> pd.DataFrame:
    """One row a metric: means, absolute and relative change with CIs, p, CUPED, guardrail."""
    rows = []
    for name, plain in metrics.items():
        result = cuped.get(name, plain)
        rows.append({
            "metric": label(name),
            "method": "CUPED" if name in cuped else short_method(plain.method),
            "control": numbers.metric_value(result.control_mean, name),
            "treatment": numbers.metric_value(result.treatment_mean, name),
            "difference": numbers.metric_change(result.abs_diff, name),
            "ci": numbers.interval(*result.abs_ci, metric=name),
            "relative": numbers.relative(result.rel_lift),
            "p": numbers.p_value(result.p_value),
            "guardrail": _guardrail_words((guardrails or {}).get(name)),
        })
    frame = pd.DataFrame(rows, columns=["metric", "method", "control", "treatment", "difference",
                                        "ci", "relative", "p", "guardrail"])
    if guardrails is None:
        frame = frame.drop(columns="guardrail")
    return frame


def in_order(segments: SegmentLiftsResult, order: Sequence[str]) -> list:
    """The segments of a split in the case's own order (tiers from the fastest down), any
    segment the case does not name last."""
    rank = {str(name): index for index, name in enumerate(order)}
    return sorted(segments.segments, key=lambda s: rank.get(str(s.segment), len(rank)))


def segment_table(segments: SegmentLiftsResult, order: Sequence[str] = ()) -> pd.DataFrame:
    """Per segment, in ``order``: devices, means, change with CI, and p corrected for the
    number of segments (Holm, Benjamini-Hochberg); the raw p is no guide across segments."""
    metric = segments.metric
    return pd.DataFrame([{
        "segment": str(s.segment),
        "n_control": int(s.n_control),
        "n_treatment": int(s.n_treatment),
        "control": numbers.metric_value(s.control_mean, metric),
        "treatment": numbers.metric_value(s.treatment_mean, metric),
        "difference": numbers.metric_change(s.abs_diff, metric),
        "ci": numbers.interval(*s.abs_ci, metric=metric),
        "relative": numbers.relative(s.rel_lift),
        "p_holm": numbers.p_value(s.p_holm),
        "p_bh": numbers.p_value(s.p_bh),
    } for s in in_order(segments, order)])


def survival_frame(curves: KaplanMeierResult) -> pd.DataFrame:
    """Kaplan-Meier steps of both arms in one long frame (starting at 1 on day 0)."""
    parts = []
    for curve in (curves.control, curves.treatment):
        parts.append(pd.DataFrame({"day": [0.0, *curve.times], "survival": [1.0, *curve.survival],
                                   "arm": str(curve.arm)}))
    return pd.concat(parts, ignore_index=True)


UPDATED = "updated devices"
CONTROL = "control"
BEFORE = "before (pre-period)"
AFTER = "after the update"
_DRIFT_LABELS = {"updated": UPDATED, "control": CONTROL, "before": BEFORE, "after": AFTER}


def drift_frame(drift: DriftReading) -> pd.DataFrame:
    """The drift reading's densities, long, for the chart: ``group`` (updated devices,
    control), ``period`` (before, after), ``value`` (the bin's centre), ``density`` and
    ``mean`` (the group's mean in that period) - the devices the reading compared, so the
    chart's shift of the means is the reading's.

    >>> from sim import simulate
    >>> from sim.case.library import load_case
    >>> from sim.readout.lean import analysis_population, drift_reading
    >>> result = simulate(load_case("firmware_drift"), seed=0, devices=2_000)
    >>> drift = drift_reading(analysis_population(result), "sessions", 0.05)
    >>> frame = drift_frame(drift)
    >>> len(frame), sorted(frame["period"].unique()) == sorted([BEFORE, AFTER])
    (240, True)
    >>> means = frame.drop_duplicates(["group", "period"]).set_index(["group", "period"])["mean"]
    >>> bool(abs(means[UPDATED, AFTER] - means[UPDATED, BEFORE] - drift.shift_on_build) < 1e-9)
    True
    """
    shapes = drift.densities
    return pd.concat([pd.DataFrame({"value": shapes.centres, "group": _DRIFT_LABELS[group],
                                    "period": _DRIFT_LABELS[period], "density": density,
                                    "mean": mean})
                      for (group, period), density, mean in zip(
                          DRIFT_SAMPLES, shapes.densities, shapes.means, strict=True)],
                     ignore_index=True)


def score_items(card: Scorecard) -> pd.DataFrame:
    """The scorecard's criteria: points out of the maximum, and why."""
    return pd.DataFrame([
        {"criterion": item.criterion, "points": f"{item.points:.0f} / {item.max_points:.0f}",
         "why": item.explanation}
        for item in card.items
    ])


def rubric_table(sheet: Rubric) -> pd.DataFrame:
    """The interview rubric's lines: points out of the maximum, and what earned or lost them."""
    return pd.DataFrame([
        {"rubric_line": texts.RUBRIC_LINES[line.line],
         "points": f"{line.points:g} / {line.max_points:g}", "why": line.explanation}
        for line in sheet.lines
    ])


def attempts_table(attempts: Sequence[Attempt]) -> pd.DataFrame:
    """A person's interview attempts, newest first: the case, variant, total and time used."""
    return pd.DataFrame([
        {"case": a.case_id, "variant": a.variant, "total": f"{a.total:g} / 100",
         "time_used": f"{a.minutes_used:.1f} of {a.minutes} min", "hints": a.hints}
        for a in attempts
    ])


def capped_table(capped: Mapping) -> pd.DataFrame:
    """Each metric capped: the capped change with its CI, the uncapped change, how far capping
    moved it and how many devices were capped."""
    return pd.DataFrame([
        {"metric": label(name),
         "difference": numbers.metric_change(result.capped.abs_diff, name),
         "ci": numbers.interval(*result.capped.abs_ci, metric=name),
         "uncapped": numbers.metric_change(result.raw.abs_diff, name),
         "moved_by": numbers.metric_change(result.moved_by, name),
         "devices_capped": int(result.devices_capped)}
        for name, result in capped.items()
    ])


def quantile_table(quantiles: Mapping) -> pd.DataFrame:
    """Each metric's quantile lifts: control, treatment, the change with its CI and p."""
    return pd.DataFrame([
        {"metric": f"{label(name)}, {which}",
         "control": numbers.metric_value(result.control, name),
         "treatment": numbers.metric_value(result.treatment, name),
         "difference": numbers.metric_change(result.diff, name),
         "ci": numbers.interval(*result.ci, metric=name),
         "relative": numbers.relative(result.rel_diff),
         "p": numbers.p_value(result.p_value)}
        for name, by_level in quantiles.items() for which, result in by_level.items()
    ])


def question_table(card: Scorecard) -> pd.DataFrame:
    """Each interviewer question: what the readout showed and the share earned."""
    return pd.DataFrame([
        {"question": messages.QUESTIONS[grade.question], "readout_answer": grade.expected,
         "earned": numbers.percent(grade.fraction, 0)}
        for grade in card.questions
    ])


def debrief_segments(card: Scorecard) -> pd.DataFrame:
    """The primary metric per segment: the truth beside what the readout at the decision day
    showed."""
    rows = card.debrief.segments
    return pd.DataFrame({
        "segment": [("whole fleet" if row.kind == "all" else
                     f"{SEGMENT_LABELS.get(row.kind, row.kind).lower()}: {row.segment}")
                    for row in rows],
        "true_relative": [numbers.relative(row.true_rel) for row in rows],
        "readout_relative": [f"{numbers.relative(row.readout_rel)} "
                             f"({numbers.interval(row.readout_low, row.readout_high, share=True)})"
                             for row in rows],
        "readout_significant": [row.significant for row in rows],
    })


def design_table(card: Scorecard) -> pd.DataFrame:
    """Every design compared on the same fleet: its best call and that call's worth."""
    comparison = card.design
    yours = comparison.yours.label if comparison.yours is not None else None
    return pd.DataFrame({
        "design": [design.label for design in comparison.designs],
        "design_best_call": [design.best_call for design in comparison.designs],
        "design_gain": [numbers.relative(design.gain) for design in comparison.designs],
        "design_value": [numbers.relative(design.value) for design in comparison.designs],
        "yours": [design.label == yours for design in comparison.designs],
    })


def truth_by_segment(truth: pd.DataFrame, metric: str,
                     orders: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """The true effect of ``metric`` overall and per segment (after the reveal), segments in
    the case's own order (``orders`` by segment kind)."""
    rows = truth[truth["metric"] == metric].copy()
    kinds = ["all", *SEGMENT_LABELS]
    rows["kind_rank"] = rows["segment_kind"].map(lambda k: kinds.index(k) if k in kinds else 9)
    rank = {(kind, str(name)): index for kind, names in (orders or {}).items()
            for index, name in enumerate(names)}
    rows["segment_rank"] = [rank.get((kind, str(name)), 99)
                            for kind, name in zip(rows["segment_kind"], rows["segment"], strict=True)]
    rows = rows.sort_values(["kind_rank", "segment_rank"], kind="stable")
    return pd.DataFrame({
        "segment": [("whole fleet" if kind == "all" else
                     f"{SEGMENT_LABELS.get(kind, kind).lower()}: {name}")
                    for kind, name in zip(rows["segment_kind"], rows["segment"], strict=True)],
        "devices": rows["devices"].astype(int).to_numpy(),
        "true_control": [numbers.metric_value(v, metric) for v in rows["control_mean"]],
        "true_treatment": [numbers.metric_value(v, metric) for v in rows["treatment_mean"]],
        "true_effect": [numbers.metric_change(v, metric) for v in rows["abs_effect"]],
        "true_relative": [numbers.relative(v) for v in rows["rel_effect"]],
    })


def feasibility_table(table: pd.DataFrame, eligible: Sequence[str]) -> pd.DataFrame:
    """The hardware profile per chip tier, in words: who gets the model, latency against the
    budget, memory against free RAM, out-of-memory kills, battery and quality."""
    return pd.DataFrame({
        "chip_tier": table["chip_tier"].astype(str),
        "gets_model": table["chip_tier"].isin(eligible).astype(bool),
        "latency_ms": [numbers.number(v, 1) for v in table["latency_ms"]],
        "within_budget": table["within_budget"].astype(bool),
        "footprint_mb": [numbers.number(v, 0) for v in table["footprint_mb"]],
        "typical_free_ram_mb": [numbers.number(v, 0) for v in table["typical_free_ram_mb"]],
        "memory_share": [numbers.percent(m / f if f else None, 1)
                         for m, f in zip(table["footprint_mb"], table["typical_free_ram_mb"], strict=True)],
        "oom_per_use": [numbers.significant(v, 2) for v in table["oom_per_use"]],
        "phone_battery_pct_per_day": [numbers.significant(v, 2)
                                      for v in table["phone_battery_pct_per_day"]],
        "quality": [numbers.number(v, 2) for v in table["quality"]],
    })


def schedule_table(schedule: pd.DataFrame) -> pd.DataFrame:
    """The rollout plan: each stage's share, bake days and start day."""
    return pd.DataFrame({
        "stage": schedule["stage"].astype(int).to_numpy(),
        "share": [numbers.percent(v, 0) for v in schedule["share"]],
        "bake_days": schedule["bake_days"].astype(int).to_numpy(),
        "start_day": schedule["start_day"].astype(int).to_numpy(),
    })


def timeline_table(timeline: pd.DataFrame) -> pd.DataFrame:
    """The rollout's events with the gate checks' numbers as text (``n/a`` where an event
    has none)."""
    def text(values: pd.Series) -> list[str]:
        return ["" if numbers.is_missing(v) else numbers.significant(v, 4) for v in values]

    return pd.DataFrame({
        "day": [numbers.number(v, 2) for v in timeline["day"]],
        "event": timeline["event"].astype(str).str.replace("_", " ").to_numpy(),
        "stage": timeline["stage"].astype(int).to_numpy(),
        "gate_metric": timeline["metric"].fillna("").astype(str).to_numpy(),
        "value": text(timeline["value"]),
        "gate_control": text(timeline["control"]),
        "threshold": text(timeline["threshold"]),
        "gate_p": ["" if numbers.is_missing(v) else numbers.p_value(v)
                   for v in timeline["p_value"]],
        "outcome": timeline["outcome"].fillna("").astype(str).str.replace("_", " ").to_numpy(),
        "detail": timeline["detail"].fillna("").astype(str).to_numpy(),
    })


def column_guide(table: str) -> pd.DataFrame:
    """A run table's columns with their unit and meaning (the export's data dictionary)."""
    return pd.DataFrame([{"column": name, "unit": entry.unit, "meaning": entry.meaning}
                         for name, entry in DATA_COLUMNS[table].items()])
