"""A run as a dataset: every analyst table as CSV and Parquet, the case, the data dictionary and
the notebook, in a folder or a zip; raw reports exported as they arrived."""

from __future__ import annotations

import io
import json
import zipfile

import pandas as pd
import pytest

from sim import LaunchRoomError, load_scenario, simulate
from sim.case.scenario import parse_scenario
from sim.export.dataset import (
    ANALYST_TABLES,
    analyst_tables,
    case_toml,
    check_export_folder,
    export_files,
    export_run,
    export_zip,
    summary_lines,
)
from tests.conftest import CASES

TABLE_FILES = [f"{name}.{kind}" for name in ANALYST_TABLES for kind in ("csv", "parquet")]


@pytest.fixture(scope="module")
def night_small():
    case = load_scenario(CASES / "camera_night_mode.toml").with_knobs(
        {"feature.quantization": "int4"})
    return simulate(case, seed=4, devices=3_000)


@pytest.fixture(scope="module")
def exported(night_small, tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    export_run(night_small, folder)
    return folder


def test_the_export_holds_every_analyst_table_the_case_the_dictionary_and_the_notebook(exported):
    names = sorted(path.name for path in exported.iterdir())
    assert names == sorted(["README.md", "run.json", "case.toml", "analysis.ipynb", *TABLE_FILES])
    assert not any("truth" in name for name in names)  # the truth stays hidden


@pytest.mark.parametrize("name", ANALYST_TABLES)
def test_csv_and_parquet_hold_the_same_rows_as_the_run(night_small, exported, name):
    table = getattr(night_small, name)
    parquet = pd.read_parquet(exported / f"{name}.parquet")
    pd.testing.assert_frame_equal(parquet, table, check_dtype=False, check_categorical=False)
    assert list(parquet.columns) == list(table.columns)
    csv = pd.read_csv(exported / f"{name}.csv")
    assert list(csv.columns) == list(table.columns) and len(csv) == len(table)
    # Read back with the Parquet types, the CSV is the same table, value for value.
    typed = csv.astype({column: dtype for column, dtype in parquet.dtypes.items()
                        if dtype.kind != "O" and str(dtype) != "str"})
    pd.testing.assert_frame_equal(typed, parquet, check_dtype=False, check_categorical=False,
                                  check_exact=False, rtol=1e-7)


def test_the_raw_reports_keep_their_duplicates_late_rows_and_skewed_days(night_small, exported):
    daily = pd.read_parquet(exported / "daily.parquet")
    devices = night_small.devices
    duplicates = int(daily.duplicated().sum())
    assert duplicates == int(devices["duplicate_reports"].sum()) > 0
    assert (daily["received_day"] > daily["day"]).sum() >= devices["late_reports"].sum() > 0
    assert daily["day"].min() == -1 or daily["day"].max() == night_small.days  # skewed clocks
    assert len(daily) == len(night_small.daily)


def test_case_toml_and_run_json_make_the_same_run_again(night_small, exported):
    case = parse_scenario((exported / "case.toml").read_text(encoding="utf-8"), "case.toml")
    assert case.model_dump() == night_small.scenario.model_dump()
    assert case.feature.quantization == "int4"  # the knob the run was made with
    run = json.loads((exported / "run.json").read_text(encoding="utf-8"))
    assert (run["case"], run["seed"], run["devices"], run["days"]) == (
        "camera_night_mode", 4, 3_000, night_small.days)
    assert run["tables"]["daily"] == len(night_small.daily)
    again = simulate(case, seed=run["seed"], devices=run["devices"], days=run["days"])
    pd.testing.assert_frame_equal(again.devices, night_small.devices)
    assert run["reproduce"] == ("python -m sim export case.toml --seed 4 --devices 3000 "
                                f"--days {night_small.days} --out again")


@pytest.mark.parametrize("path", sorted(CASES.glob("*.toml")), ids=lambda path: path.stem)
def test_every_case_round_trips_through_case_toml(path):
    case = load_scenario(path)
    assert parse_scenario(case_toml(case)).model_dump() == case.model_dump()


def test_the_zip_holds_the_same_files_in_a_folder_named_after_the_run(night_small):
    archive = zipfile.ZipFile(io.BytesIO(export_zip(night_small)))
    files = {file.name: file.data for file in export_files(night_small)}
    assert archive.namelist() == [f"camera_night_mode-seed4/{name}" for name in files]
    for name, data in files.items():
        assert archive.read(f"camera_night_mode-seed4/{name}") == data
    assert archive.getinfo("camera_night_mode-seed4/daily.csv").compress_type == zipfile.ZIP_DEFLATED
    assert archive.testzip() is None


def test_a_run_without_raw_reports_exports_what_exists(tmp_path):
    case = load_scenario(CASES / "aa_test.toml").with_knobs({"telemetry.daily_max_devices": 0})
    result = simulate(case, seed=1, devices=1_000, days=7)
    assert result.daily is None
    export_run(result, tmp_path)
    assert not (tmp_path / "daily.csv").exists() and (tmp_path / "day_arm.parquet").is_file()
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "This run kept no raw daily reports, so there is no daily table" in readme
    assert "### `daily`" not in readme
    assert list(analyst_tables(result)) == ["devices", "day_arm", "timeline", "rollout"]


def test_a_large_fleet_exports_its_report_panel_and_says_so(tmp_path):
    case = load_scenario(CASES / "aa_test.toml").with_knobs({"telemetry.daily_max_devices": 500})
    result = simulate(case, seed=1, devices=2_000, days=7)
    export_run(result, tmp_path)
    daily = pd.read_parquet(tmp_path / "daily.parquet")
    panel = result.devices.loc[result.devices["in_panel"], "device_id"]
    assert set(daily["device_id"]) <= set(panel) and 0 < len(panel) < 2_000
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert f"a random panel of {len(panel):,} of the 2,000 devices" in readme


def test_exporting_again_replaces_an_earlier_export_and_its_stale_tables(night_small, tmp_path):
    export_run(night_small, tmp_path)
    case = load_scenario(CASES / "aa_test.toml").with_knobs({"telemetry.daily_max_devices": 0})
    export_run(simulate(case, seed=1, devices=1_000, days=7), tmp_path)
    assert not (tmp_path / "daily.csv").exists()
    assert json.loads((tmp_path / "run.json").read_text())["case"] == "aa_test"


def test_the_folder_must_be_new_empty_or_an_earlier_export(night_small, tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(LaunchRoomError, match="holds other files and no earlier export"):
        export_run(night_small, tmp_path)
    with pytest.raises(LaunchRoomError, match="is a file; export into a folder"):
        check_export_folder(tmp_path / "notes.txt")
    assert check_export_folder(tmp_path / "new") == tmp_path / "new"
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_the_summary_names_each_file_with_its_size(night_small):
    lines = summary_lines(night_small, "out", export_files(night_small))
    assert lines[0] == "camera_night_mode seed 4: 3,000 devices x 28 days exported to out"
    assert any(line.split()[0] == "daily.csv" and "MB" in line for line in lines[1:])
    assert len(lines) == 1 + 4 + len(TABLE_FILES)
