"""The starter notebook of an exported run (``analysis.ipynb``, built with nbformat).

It loads the tables from its own folder with pandas, removes the duplicate reports, rebuilds
each device's primary metric from the raw reports where the export holds every device's
reports (else it reads the per-device column), and reproduces the primary metric's lift with
statsmodels: Welch's t-test for a mean or count, the Wald difference in proportions for a 0/1
metric, and OLS on the arm as a cross-check. Its last cell sets its numbers beside the ones
Launch Room's readout gives (``sim.analyse(result).metrics[primary]``), which the notebook
carries as data.

>>> from sim import load_scenario, simulate
>>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=1, devices=1_000, days=7)
>>> notebook = starter_notebook(result)
>>> notebook.nbformat, [cell.cell_type for cell in notebook.cells][:2]
(4, ['markdown', 'code'])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import nbformat
from nbformat import v4

from sim.analysis.lift import LiftResult, metric_lift
from sim.case.metrics import METRICS
from sim.readout.lean import DECISION_WINDOW_DAYS, analysis_population

if TYPE_CHECKING:
    from sim.engine.result import SimResult

REBUILD: dict[str, tuple[str, str]] = {
    "sessions": ("sessions", "sum"),
    "active_days": ("active", "sum"),
    "feature_uses": ("feature_uses", "sum"),
    "crashes": ("crashed", "sum"),
    "battery_drain": ("battery_drain", "mean"),
    "latency_ms": ("latency_ms", "mean"),
    "sensor_score": ("sensor_score", "mean"),
}
"""Per-device metrics a notebook can rebuild from the raw reports: (daily column, how).
``retained`` needs each report's true day, which a skewed clock hides, and the reports carry
no distraction events; those two come from the devices table."""

KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}
# The numbers the notebook compares with the readout's, in order.
COMPARED = ("control_mean", "treatment_mean", "abs_diff", "ci_low", "ci_high", "rel_lift",
            "p_value", "n_control", "n_treatment")


def expected_lift(result: SimResult) -> LiftResult:
    """The primary metric's lift as the readout computes it (the number the notebook must
    match): the case's analysis population, the case's alpha.

    >>> from sim import analyse, load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=1, devices=1_000, days=7)
    >>> expected_lift(result) == analyse(result).metrics["sessions"]
    True
    """
    experiment = result.scenario.experiment
    return metric_lift(analysis_population(result), experiment.primary_metric,
                       alpha=experiment.alpha)


def _rebuilds(result: SimResult) -> bool:
    """The notebook rebuilds the metric from daily when daily holds every device's reports."""
    return (result.daily is not None and bool(result.devices["in_panel"].all())
            and result.scenario.experiment.primary_metric in REBUILD)


def _population_code(result: SimResult, rebuilt: bool) -> tuple[str, str]:
    """The markdown and code that pick the analysed devices, as the case's readout does."""
    if result.scenario.experiment.analysis_population == "reporting_at_decision":
        first = result.days - DECISION_WINDOW_DAYS
        return ("The case reads its dashboard's population: the devices that reported for a "
                f"day in the run's last {DECISION_WINDOW_DAYS} days (last_report_day is the "
                "true day, so a skewed clock does not move it).",
                f'population = devices[devices["last_report_day"] >= {first}]')
    if rebuilt:
        return ("The readout analyses every device that reported at least once: the devices "
                "with a row in the cleaned reports (the same as devices.days_reported > 0).",
                'population = devices[devices["device_id"].isin(clean["device_id"])]')
    return ("The readout analyses every device that reported at least once.",
            'population = devices[devices["days_reported"] > 0]')


def starter_notebook(result: SimResult) -> nbformat.NotebookNode:
    """The starter notebook for this run (see the module docstring for what it does).

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=1, devices=1_000, days=7)
    >>> "daily.drop_duplicates()" in starter_notebook(result).cells[3].source
    True
    """
    case = result.scenario
    primary = case.experiment.primary_metric
    alpha = case.experiment.alpha
    info = METRICS[primary]
    expected = expected_lift(result)
    binary = expected.method.startswith("difference in proportions")
    rebuilt = _rebuilds(result)
    has_daily = result.daily is not None
    cells = [v4.new_markdown_cell(
        f"# {case.meta.title}\n\n"
        f"Case `{case.meta.id}`, seed {result.seed}, {len(result.devices):,} devices x "
        f"{result.days} days. This notebook loads the exported tables from its own folder, "
        "removes the duplicate reports and reproduces the lift in the primary metric, "
        f"**{primary}** ({info.label}, {info.unit}), with statsmodels. See `README.md` for "
        "every column and every defect in the raw reports.\n\n"
        "**What it should match.** Launch Room's readout of this run, "
        f"`sim.analyse(result).metrics[\"{primary}\"]`, gives: {expected.reading} The last "
        "cell sets this notebook's numbers beside those.")]

    load = ["from pathlib import Path", "", "import numpy as np", "import pandas as pd",
            "import statsmodels.api as sm"]
    if binary:
        load.append("from statsmodels.stats.proportion import confint_proportions_2indep, "
                    "test_proportions_2indep")
    else:
        load.append("from statsmodels.stats.weightstats import CompareMeans, DescrStatsW")
    load += ["", "FOLDER = Path.cwd()  # Jupyter runs a notebook in its own folder",
             "# The CSV files hold the same rows; Parquet keeps the column types.",
             'devices = pd.read_parquet(FOLDER / "devices.parquet")']
    if has_daily:
        load += ['daily = pd.read_parquet(FOLDER / "daily.parquet")',
                 'print(f"{len(devices):,} devices, {len(daily):,} raw report rows")']
    else:
        load.append('print(f"{len(devices):,} devices (this run kept no raw daily reports)")')
    cells.append(v4.new_code_cell("\n".join(load)))

    if has_daily:
        cells.append(v4.new_markdown_cell(
            "## Clean the raw reports\n\nA duplicate report is an exact copy of another row "
            "(every column equal): keep the first. A late upload has `received_day > day`; it "
            "is a real report and stays. A device with a skewed clock labels every report one "
            "day off, so do not trust `day` to the day."))
        cells.append(v4.new_code_cell(
            "clean = daily.drop_duplicates()\n"
            '# What the devices table counted for the devices whose reports are here.\n'
            'counted = devices.loc[devices["in_panel"], ["duplicate_reports", "late_reports"]].sum()\n'
            'print(f"removed {len(daily) - len(clean):,} duplicate rows; the devices table '
            'counts {counted[\'duplicate_reports\']:,}")\n'
            'late = clean["received_day"] > clean["day"]\n'
            'print(f"{late.sum():,} rows have received_day > day; '
            '{counted[\'late_reports\']:,} of them are late uploads '
            '(devices.late_reports), the rest come from clocks that run a day behind")'))

    population_text, population_code = _population_code(result, rebuilt)
    if rebuilt:
        column, how = REBUILD[primary]
        cells.append(v4.new_markdown_cell(
            f"## Each device's {primary}, from the reports\n\n"
            + (f"The {how} of `{column}` over a device's cleaned reports"
               + (" (empty on days it was not active)." if how == "mean" else ".")
               + f" It matches `devices.{primary}`, which counts each report once. "
               + population_text)))
        cells.append(v4.new_code_cell(
            f'per_device = clean.groupby("device_id")["{column}"].{how}().astype(float)'
            f'.rename("{primary}")\n'
            f"{population_code}\n"
            f'frame = population[["device_id", "arm"]].join(per_device, on="device_id")\n'
            f'gap = (frame["{primary}"] - population["{primary}"].astype(float)).abs().max()\n'
            f'print(f"{{len(frame):,}} devices analysed; largest gap from devices.{primary}: '
            '{gap:.2g}")'))
    else:
        why = ("The raw reports are a panel of the fleet, so the per-device totals in "
               "`devices` are the analysis table." if has_daily else
               "Without raw reports the per-device totals in `devices` are the analysis table.")
        if has_daily and primary not in REBUILD:
            why = (f"`{primary}` cannot be rebuilt from the raw reports (see README.md), so it "
                   "comes from the devices table.")
        cells.append(v4.new_markdown_cell(f"## The analysis table\n\n{why} {population_text}"))
        cells.append(v4.new_code_cell(
            f"{population_code}\n"
            f'frame = population[["device_id", "arm", "{primary}"]].astype({{"{primary}": float}})\n'
            'print(f"{len(frame):,} devices analysed")'))

    cells.append(v4.new_markdown_cell(
        f"## The lift in {primary}\n\n"
        + ("A 0/1 metric: the difference in proportions with the Wald (unpooled) interval "
           "and test." if binary else
           "Welch's t-test (unequal variances): the interval and the p-value of the "
           "difference in means.")
        + " Devices without a value (no active day, say) are left out."))
    split = (f'control = frame.loc[frame["arm"] == "control", "{primary}"].dropna()\n'
             f'treatment = frame.loc[frame["arm"] == "treatment", "{primary}"].dropna()\n')
    if binary:
        test = (f"{split}"
                "x_t, n_t, x_c, n_c = treatment.sum(), len(treatment), control.sum(), len(control)\n"
                f'low, high = confint_proportions_2indep(x_t, n_t, x_c, n_c, method="wald", '
                f'compare="diff", alpha={alpha!r})\n'
                'p_value = test_proportions_2indep(x_t, n_t, x_c, n_c, method="wald", '
                'compare="diff").pvalue\n')
    else:
        test = (f"{split}"
                "compare = CompareMeans(DescrStatsW(treatment.to_numpy()), "
                "DescrStatsW(control.to_numpy()))\n"
                f'low, high = compare.tconfint_diff(alpha={alpha!r}, usevar="unequal")\n'
                '_, p_value, _ = compare.ttest_ind(usevar="unequal")\n')
    test += ("diff = treatment.mean() - control.mean()\n"
             "lift = pd.Series({\n"
             '    "control_mean": control.mean(), "treatment_mean": treatment.mean(),\n'
             '    "abs_diff": diff, "ci_low": low, "ci_high": high,\n'
             '    "rel_lift": diff / control.mean(), "p_value": p_value,\n'
             '    "n_control": len(control), "n_treatment": len(treatment),\n'
             "})\n"
             "lift")
    cells.append(v4.new_code_cell(test))

    cells.append(v4.new_markdown_cell(
        "The same estimate from OLS of the metric on a treatment indicator: the coefficient is "
        "the difference in means, and with HC2 errors its standard error is Welch's."))
    cells.append(v4.new_code_cell(
        f'data = frame.dropna(subset=["{primary}"])\n'
        'treated = sm.add_constant((data["arm"] == "treatment").astype(float).rename("treatment"))\n'
        f'ols = sm.OLS(data["{primary}"], treated).fit(cov_type="HC2")\n'
        'print(f"OLS: {ols.params[\'treatment\']:+.6g} per device '
        '(HC2 standard error {ols.bse[\'treatment\']:.6g})")'))

    values = {"ci_low": expected.abs_ci[0], "ci_high": expected.abs_ci[1],
              **{name: getattr(expected, name) for name in COMPARED
                 if name not in ("ci_low", "ci_high")}}
    listed = "".join(f'    "{name}": {values[name]!r},\n' for name in COMPARED)
    cells.append(v4.new_markdown_cell(
        "## Does it match Launch Room?\n\nThe readout's numbers for this run, "
        f'`sim.analyse(result).metrics["{primary}"]`, beside this notebook\'s.'))
    cells.append(v4.new_code_cell(
        f"expected = pd.Series({{\n{listed}}})\n"
        'comparison = pd.DataFrame({"this notebook": lift[expected.index], '
        '"Launch Room": expected})\n'
        "# The tables store float32 values: a mean rebuilt from the reports can differ from\n"
        "# the devices table's in the seventh digit.\n"
        'scale = abs(expected["control_mean"])\n'
        'comparison["same"] = np.isclose(comparison["this notebook"], '
        'comparison["Launch Room"], rtol=1e-5, atol=1e-6 * scale)\n'
        'print("matches Launch Room:", bool(comparison["same"].all()))\n'
        "comparison"))

    for index, cell in enumerate(cells):
        cell.id = f"cell-{index}"  # fixed ids: the same run gives the same notebook, byte for byte
    notebook = v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = dict(KERNEL)
    notebook.metadata["language_info"] = {"name": "python"}
    return notebook


def notebook_text(result: SimResult) -> str:
    """The starter notebook as ``.ipynb`` JSON text (validated against the nbformat schema).

    >>> import json
    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=1, devices=1_000, days=7)
    >>> json.loads(notebook_text(result))["metadata"]["kernelspec"]["name"]
    'python3'
    """
    notebook = starter_notebook(result)
    nbformat.validate(notebook)
    return nbformat.writes(notebook)
