"""The starter notebook runs top to bottom on its export and reproduces the readout's lift."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient import NotebookClient

from sim import analyse, load_scenario, simulate
from sim.export.dataset import export_run
from sim.export.notebook import COMPARED, expected_lift, starter_notebook
from tests.conftest import CASES

# Appended to a copy of the notebook: the lift it computed, as JSON, for the test to read.
REPORT_LIFT = "print(json.dumps(lift.astype(float).to_dict()))"


def _export(tmp_path, case_id, devices, knobs=None, seed=3):
    case = load_scenario(CASES / f"{case_id}.toml").with_knobs(knobs or {})
    result = simulate(case, seed=seed, devices=devices)
    export_run(result, tmp_path)
    return result, nbformat.read(tmp_path / "analysis.ipynb", as_version=4)


def _library(result) -> dict[str, float]:
    lift = analyse(result).metrics[result.scenario.experiment.primary_metric]
    values = {name: getattr(lift, name) for name in COMPARED if hasattr(lift, name)}
    return {**values, "ci_low": lift.abs_ci[0], "ci_high": lift.abs_ci[1]}


def _assert_same(got: dict, result, exact: bool) -> None:
    want = _library(result)
    scale = abs(want["control_mean"])
    for name in COMPARED:
        # Sums of whole numbers are exact; a mean rebuilt from float32 reports is not quite.
        tolerance = pytest.approx(want[name], rel=1e-9 if exact else 1e-5,
                                  abs=1e-12 if exact else 1e-6 * scale)
        assert got[name] == tolerance, name


def _run_in_a_kernel(notebook, folder) -> list:
    notebook.cells.append(nbformat.v4.new_code_cell("import json\n" + REPORT_LIFT))
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    return notebook.cells


def _exec_cells(notebook, folder, monkeypatch) -> dict:
    monkeypatch.chdir(folder)
    namespace: dict = {}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            exec(compile(cell.source, "analysis.ipynb", "exec"), namespace)  # noqa: S102
    return namespace


def _stdout(cells) -> str:
    return "".join(output.get("text", "") for cell in cells if cell.cell_type == "code"
                   for output in cell.outputs if output.output_type == "stream")


def test_the_notebook_runs_in_a_kernel_and_matches_the_readout(tmp_path):
    result, notebook = _export(tmp_path, "camera_night_mode", 3_000)
    cells = _run_in_a_kernel(notebook, tmp_path)
    errors = [o for c in cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    got = json.loads(cells[-1].outputs[0]["text"])
    _assert_same(got, result, exact=True)  # sessions rebuilt from the cleaned reports
    out = _stdout(cells)
    duplicates = int(result.devices["duplicate_reports"].sum())
    assert f"removed {duplicates:,} duplicate rows; the devices table counts {duplicates:,}" in out
    assert "largest gap from devices.sessions: 0" in out
    assert "matches Launch Room: True" in out


def test_a_mean_metric_rebuilt_from_the_reports_matches_to_float32(tmp_path, monkeypatch):
    result, notebook = _export(tmp_path, "firmware_drift", 2_000)  # sensor_score, a mean
    namespace = _exec_cells(notebook, tmp_path, monkeypatch)
    _assert_same(namespace["lift"].astype(float).to_dict(), result, exact=False)
    assert bool(namespace["comparison"]["same"].all())


@pytest.mark.parametrize(("case_id", "knobs", "reads"), [
    ("camera_night_mode", {"telemetry.daily_max_devices": 500}, "panel"),
    ("camera_night_mode", {"telemetry.daily_max_devices": 0}, "no raw"),
    ("firmware_drift", {"experiment.primary_metric": "retained"}, "proportions"),
    ("srm_install_failures", {}, "last_report_day"),
])
def test_every_variant_runs_cell_by_cell_and_matches(tmp_path, monkeypatch, case_id, knobs, reads):
    result, notebook = _export(tmp_path, case_id, 2_000, knobs)
    text = "\n".join(cell.source for cell in notebook.cells)
    assert reads in text
    namespace = _exec_cells(notebook, tmp_path, monkeypatch)
    _assert_same(namespace["lift"].astype(float).to_dict(), result, exact=True)
    assert bool(namespace["comparison"]["same"].all())


def test_the_notebook_says_what_it_should_match(night_result):
    notebook = starter_notebook(night_result)
    intro = notebook.cells[0].source
    assert 'sim.analyse(result).metrics["sessions"]' in intro
    assert expected_lift(night_result).reading in intro
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    nbformat.validate(notebook)
    assert [cell.id for cell in notebook.cells] == [f"cell-{i}" for i in range(len(notebook.cells))]
