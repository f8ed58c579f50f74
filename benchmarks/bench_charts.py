"""Benchmark: the charts the Run and Analyse pages draw at 100,000 devices (issue #18).

Builds each chart with the same calls the pages make, on one run and its readout, and times
two things separately, median of ``--runs`` rounds: building the Altair object (this project's
code and Altair's copies) and Streamlit's own conversion of it to a Vega-Lite spec with its data
as Arrow (``st.altair_chart`` does this under a lock every session shares; most of it is
Altair's schema validation).

    python benchmarks/bench_charts.py --runs 9
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def page_charts(result, report) -> dict[str, Callable[[], list]]:
    """Each group of charts the Run and Analyse pages draw, as the pages call them."""
    from sim.case.metrics import SEGMENT_LABELS, label
    from sim.export.charts import lift_rows, segment_rows
    from ui import charts, readout, tables, texts

    case = result.scenario
    primary = case.experiment.primary_metric

    def segments() -> list:
        made = []
        for kind, lifts in report.segments.items():
            rows = segment_rows(lifts, case.experiment.alpha)
            order = readout.ordered(list(rows["segment"]), case.segment_names(kind))
            rows = rows.set_index("segment").loc[order].reset_index()
            made.append(charts.forest_panel(rows.rename(columns={"segment": "label"}),
                                            texts.SEGMENT_FOREST.format(
                                                metric=label(primary),
                                                kind=SEGMENT_LABELS[kind].lower()),
                                            texts.SEGMENT_FOREST_LOOK, texts.RELATIVE_AXIS))
        return made

    def drift() -> list:
        if report.drift is None:
            return []
        frame = tables.drift_frame(report.drift)
        return [charts.drift_densities(frame, group, "sensor score", tables.BEFORE, tables.AFTER)
                for group in (tables.UPDATED, tables.CONTROL)]

    return {
        "rollout progress (Run)": lambda: [charts.rollout_progress(result.rollout)],
        "OTA backlog (Run)": lambda: [charts.ota_backlog(result.rollout)],
        "reports per day (Data quality)": lambda: [charts.reports_per_day(
            report.cleaning.rows_received_frame(), True)],
        "lift panels (Lift)": lambda: charts.lift_panels(
            lift_rows(report.metrics, report.cuped), primary, report.guardrails),
        "segment forests (Segments)": segments,
        "survival curves (Retention)": lambda: [charts.survival_curves(
            tables.survival_frame(report.survival))],
        "lift since install (Over time)": lambda: [charts.lift_since_install(
            report.daily_since_install)],
        "dated lift (Over time)": lambda: [charts.dated_lift(report.daily)],
        "sensor distributions (Drift)": drift,
    }


def measure(build: Callable[[], list], runs: int) -> tuple[float, float]:
    """Median seconds to build the charts and to convert them as ``st.altair_chart`` does."""
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

    built, converted = [], []
    for _ in range(runs):
        started = time.perf_counter()
        made = build()
        built.append(time.perf_counter() - started)
        started = time.perf_counter()
        for chart in made:
            _convert_altair_to_vega_lite_spec(chart)
        converted.append(time.perf_counter() - started)
    return statistics.median(built), statistics.median(converted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from sim import analyse, load_scenario, simulate
    from ui.state import DEFAULT_CASE

    case = load_scenario(ROOT / "scenarios" / f"{DEFAULT_CASE}.toml")
    result = simulate(case, seed=0, devices=args.devices)
    report = analyse(result)
    print(f"{args.devices:,} devices, {DEFAULT_CASE}; median of {args.runs} rounds")
    print(f"{'build':>9} {'convert':>9}  charts")
    totals = [0.0, 0.0]
    for name, build in page_charts(result, report).items():
        built, converted = measure(build, args.runs)
        totals = [totals[0] + built, totals[1] + converted]
        print(f"{built * 1000:7.1f}ms {converted * 1000:7.1f}ms  {name}")
    print(f"{totals[0] * 1000:7.1f}ms {totals[1] * 1000:7.1f}ms  all of them")


if __name__ == "__main__":
    main()
