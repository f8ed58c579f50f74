"""Profile: where the app's time goes at 100,000 devices (issue #18), reading by reading.

Runs, in one warmed-up process, what pressing Run and opening Analyse costs on the default case
and writes the profiles to ``--out``:

- ``simulate.txt`` / ``.html`` and ``analyse.txt`` / ``.html``: pyinstrument call trees of
  ``simulate`` and ``analyse`` (the HTML is an interactive flame view);
- ``readings.txt``: the wall time of each reading ``analyse`` makes, measured by calling the
  same ``sim.analysis`` / ``sim.readout`` functions one at a time on the same run (what a lazy,
  per-tab readout would pay for each tab);
- ``cache.txt``: pickled sizes and round-trip times of the run and the readout (what
  ``st.cache_data`` and the worker pool move), and the time to build and serialise each chart
  of the Analyse page (what ``st.altair_chart`` sends to the browser);
- ``analyse_page.txt``: a pyinstrument profile of the Analyse page rendered in AppTest from a
  cached run (every tab runs on the server in one script run).

    python benchmarks/profile_app.py --out /tmp/profiles
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _best(function: Callable[[], object], repeat: int = 3) -> float:
    """Median wall time of ``function`` over ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _profile(function: Callable[[], object], out: Path, name: str):
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    value = function()
    profiler.stop()
    (out / f"{name}.txt").write_text(profiler.output_text(unicode=True, show_all=False))
    (out / f"{name}.html").write_text(profiler.output_html())
    return value


def _readings(result, report) -> list[tuple[str, float]]:
    """Each reading of ``analyse`` on its own (the same calls, the same arguments)."""
    from sim.analysis.bayes import bayes_lift
    from sim.analysis.compliance import itt_vs_installed
    from sim.analysis.power import mde_for_means
    from sim.analysis.quality import clean_daily
    from sim.analysis.retention import (
        at_risk_table,
        cox_hazard_ratio,
        discrete_hazard,
        kaplan_meier,
        logrank,
    )
    from sim.readout import report as full
    from sim.readout.lean import (
        analysis_population,
        case_basis,
        drift_reading,
        lean_report,
        quality_checks,
    )

    case = result.scenario
    alpha = case.experiment.alpha
    primary = case.experiment.primary_metric
    seen = analysis_population(result, case_basis(case))
    measured = [name for name in full.READOUT_METRICS if seen[name].notna().any()]
    churn = ("churn_day", "churned")
    clean_rows, _ = clean_daily(result.daily)
    installed = seen.assign(installed=seen["installed_day"].notna().astype("int8"))
    hazard = ((lambda: cox_hazard_ratio(seen, *churn, alpha=alpha))
              if len(seen) <= full.COX_MAX_DEVICES
              else (lambda: discrete_hazard(at_risk_table(seen, *churn), alpha=alpha)))
    arms = seen["arm"] == "treatment"
    steps = {
        "analysis_population (who is analysed)": lambda: analysis_population(
            result, case_basis(case)),
        "lean_report (SRM, completeness, lifts, CUPED, guardrails, segments, drift)":
            lambda: lean_report(result, metrics=measured, alpha=alpha, seen=seen, drift=True,
                                basis=case_basis(case)),
        "quality_checks (SRM, completeness, outliers)": lambda: quality_checks(result, seen),
        "drift_reading": lambda: drift_reading(seen, primary, alpha),
        "lean_report without drift": lambda: lean_report(
            result, metrics=measured, alpha=alpha, seen=seen, drift=False,
            basis=case_basis(case)),
        "lean_report, primary metric only": lambda: lean_report(
            result, metrics=[primary], alpha=alpha, seen=seen, drift=False,
            basis=case_basis(case)),
        "logrank": lambda: logrank(seen, *churn, alpha=alpha),
        "hazard (discrete-time above 50,000 devices)": hazard,
        "kaplan_meier": lambda: kaplan_meier(seen, *churn, alpha=alpha),
        "daily_lift (day x arm cube)": lambda: full.daily_lift(result.day_arm, alpha),
        "clean_daily (raw panel rows)": lambda: clean_daily(result.daily),
        "lift_by_days_since_install (panel)": lambda: full.lift_by_days_since_install(
            clean_rows, result, alpha),
        "sequential_reading (panel)": lambda: full.sequential_reading(
            result, primary, alpha, clean_rows=clean_rows),
        "bayes_lift": lambda: bayes_lift(seen, primary, alpha=alpha),
        "itt_vs_installed (compliance)": lambda: itt_vs_installed(
            installed, primary, "installed", alpha=alpha),
        "power (MDE)": lambda: mde_for_means(
            int(arms.sum()), float(seen.loc[~arms, primary].mean()),
            float(seen.loc[~arms, primary].std()), alpha=alpha),
        "report.to_dict()": report.to_dict,
    }
    return [(name, _best(step)) for name, step in steps.items()]


def _charts(result, report) -> list[tuple[str, float, int]]:
    """Build each chart of the Analyse page and serialise it as Streamlit does."""
    import altair as alt

    from sim.export.charts import daily_lift, forest, lift_rows, segment_rows
    from ui import charts, tables

    case = result.scenario
    primary = case.experiment.primary_metric
    built = {
        "reports per day (Data quality)": lambda: charts.reports_per_day(
            report.cleaning.rows_received_frame(), True),
        "forest of lifts (Lift)": lambda: forest(lift_rows(report.metrics, report.cuped),
                                                 "lifts", "Relative lift"),
        **{f"segments by {kind} (Segments)": (lambda segments=segments, kind=kind: forest(
            segment_rows(segments, case.experiment.alpha), f"{primary} by {kind}",
            "Relative lift", label="segment")) for kind, segments in report.segments.items()},
        "survival curves (Retention)": lambda: charts.survival_curves(
            tables.survival_frame(report.survival)),
        "daily lift (Over time)": lambda: daily_lift(report.daily),
        "sensor distributions (Drift)": lambda: charts.drift_densities(
            tables.drift_frame(report.drift), tables.UPDATED, "sensor score", tables.BEFORE,
            tables.AFTER),
    }
    rows = []
    with alt.data_transformers.disable_max_rows():
        for name, build in built.items():
            spec: list[str] = []
            seconds = _best(lambda build=build, spec=spec: spec.append(json.dumps(
                build().to_dict())))
            rows.append((name, seconds, len(spec[-1])))
    return rows


def _analyse_page(result, out: Path) -> float:
    """The Analyse page in AppTest on a run already in the cache, profiled."""
    from streamlit.testing.v1 import AppTest

    from ui import runs
    from ui.state import DEFAULT_CASE, DEFAULT_DEVICES, RunKey

    key = RunKey.of(DEFAULT_CASE, {}, 0, DEFAULT_DEVICES, variant=0)
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300).run()
    app.switch_page("app_pages/run.py").run()
    app.button[0].click().run()  # the run, then its readout, in the server's cache
    app.switch_page("app_pages/analyse.py").run()
    runs.analyse_case(key)

    def render() -> None:
        app.run()

    started = time.perf_counter()
    _profile(render, out, "analyse_page")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "test-artifacts" / "profiles")
    parser.add_argument("--devices", type=int, default=100_000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from sim import analyse, load_scenario, simulate
    from ui.state import DEFAULT_CASE

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    case = load_scenario(ROOT / "scenarios" / f"{DEFAULT_CASE}.toml")
    analyse(simulate(case, seed=1000, devices=2_000))  # warm up, as a running server is
    result = _profile(lambda: simulate(case, seed=0, devices=args.devices), out, "simulate")
    report = _profile(lambda: analyse(result), out, "analyse")

    readings = _readings(result, report)
    lines = [f"{args.devices:,} devices, {DEFAULT_CASE}; median of 3 calls each", ""]
    lines += [f"{seconds * 1000:8.1f} ms  {name}" for name, seconds in readings]
    lines += ["", f"{_best(lambda: analyse(result)) * 1000:8.1f} ms  analyse (all of them)"]
    (out / "readings.txt").write_text("\n".join(lines) + "\n")

    cache = []
    for name, value in (("SimResult", result), ("Report", report)):
        blob = pickle.dumps(value)
        cache.append(f"{name}: {len(blob) / 1e6:.1f} MB pickled, round trip "
                     f"{_best(lambda value=value: pickle.loads(pickle.dumps(value))) * 1000:.0f} ms")
    cache.append("")
    cache += [f"{seconds * 1000:8.1f} ms  {size / 1e3:9.1f} kB spec  {name}"
              for name, seconds, size in _charts(result, report)]
    (out / "cache.txt").write_text("\n".join(cache) + "\n")
    page = _analyse_page(result, out)
    print(f"profiles in {out}; the Analyse page rendered in {page:.2f} s (AppTest)")


if __name__ == "__main__":
    main()
