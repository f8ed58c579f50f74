"""The data dictionary names every exported column with its unit, and the defects of the run."""

from __future__ import annotations

import re

import pytest

from sim import load_scenario, simulate
from sim.case.metrics import METRICS
from sim.export.dataset import analyst_tables, export_files
from sim.export.dictionary import COLUMNS, TABLES, defects, undocumented
from tests.conftest import CASES


@pytest.fixture(scope="module")
def drift_run():
    return simulate(load_scenario(CASES / "firmware_drift.toml"), seed=2, devices=2_000)


@pytest.fixture(scope="module")
def readme(drift_run):
    return next(f.data.decode() for f in export_files(drift_run) if f.name == "README.md")


@pytest.mark.parametrize("path", sorted(CASES.glob("*.toml")), ids=lambda path: path.stem)
def test_the_catalogue_describes_every_column_of_every_case_and_no_other(path):
    result = simulate(load_scenario(path), seed=0, devices=500, days=5)
    tables = analyst_tables(result)
    assert undocumented(tables) == []
    for name, frame in tables.items():
        assert list(COLUMNS[name]) == list(frame.columns), name  # nothing stale, same order
    assert set(COLUMNS) == set(TABLES) == set(tables)


def test_the_readme_has_a_row_for_every_column_of_every_table(drift_run, readme):
    for name, frame in analyst_tables(drift_run).items():
        section = readme.split(f"### `{name}`")[1].split("###")[0]
        rows = re.findall(r"^\| `([a-z_]+)` \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$", section,
                          flags=re.MULTILINE)
        assert [row[0] for row in rows] == list(frame.columns), name
        assert all(unit.strip() and meaning.strip() for _, _, unit, meaning in rows)


def test_metric_columns_take_their_label_and_unit_from_the_catalogue(readme):
    for name in ("sessions", "battery_drain", "sensor_score", "retained"):
        info = METRICS[name]
        assert f"| `{name}` | " in readme
        assert COLUMNS["devices"][name].unit == info.unit
        assert COLUMNS["devices"][name].meaning.startswith(f"{info.label}: {info.help}")


def test_the_readme_names_each_defect_with_this_run_s_numbers(drift_run, readme):
    devices = drift_run.devices
    for name in ("Duplicate reports", "Missing days", "Late uploads", "Clock skew",
                 "Silent after a crash", "Silent after a failed install",
                 "Firmware step in sensor_score"):
        assert f"- **{name}.**" in readme
    assert f"{int(devices['duplicate_reports'].sum()):,} duplicate rows" in readme
    assert f"{int(devices['late_reports'].sum()):,} late rows" in readme
    assert "received_day > day" in readme
    shift = drift_run.scenario.telemetry.firmware_shift
    assert shift and f"sensor_score reads {shift:+g} points" in readme
    assert "python -m sim export case.toml --seed 2 --devices 2000" in readme


def test_a_defect_the_case_does_not_have_says_none():
    case = load_scenario(CASES / "aa_test.toml").with_knobs({"telemetry.duplicate_rate": 0.0})
    found = dict(defects(simulate(case, seed=0, devices=500, days=5)))
    assert found["Duplicate reports"] == "None in this case."
    assert found["Firmware step in sensor_score"] == "None in this case."
