"""The command line: list, validate, run; bad input is one line and exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sim.cli import main
from tests.conftest import ROOT


def test_list_shows_every_case(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "aa_test" in out and "camera_night_mode" in out


def test_validate_reports_each_file(capsys, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[meta]\nid = 'x'\n", encoding="utf-8")
    code = main(["validate", "scenarios/aa_test.toml", str(broken)])
    captured = capsys.readouterr()
    assert code == 2
    assert "ok: scenarios/aa_test.toml" in captured.out
    assert captured.err.count("\n") == 1 and "broken.toml: meta.title: required but missing" in captured.err


def test_run_prints_a_summary_and_saves_tables(capsys, tmp_path):
    code = main(["run", "camera_night_mode", "--seed", "3", "--devices", "2000", "--days", "10",
                 "--set", "feature.quantization=int4", "--out", str(tmp_path / "out")])
    assert code == 0
    out = capsys.readouterr().out
    assert "camera_night_mode  seed 3  2,000 devices x 10 days" in out
    assert (tmp_path / "out" / "devices.parquet").is_file()


def test_run_json_is_one_parseable_object(capsys):
    assert main(["run", "scenarios/aa_test.toml", "--devices", "1000", "--days", "5", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["case"] == "aa_test" and summary["devices"] == 1000


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "nope"], "error: no case named 'nope'; known cases: aa_test"),
        (["run", "missing.toml"], "error: missing.toml: file not found"),
        (["run", "aa_test", "--devices", "5"], "error: --devices must be a whole number of at least 100"),
        (["run", "aa_test", "--set", "feature.quantization"], "expected path=value"),
        (["run", "aa_test", "--set", "experiment.treatment_share=2"], "outside the knob's range"),
        (["run", "aa_test", "--set", "fleet.bogus=1"], "fleet.bogus: no such setting"),
        (["run", "aa_test", "--seed", "x"], "argument --seed: invalid int value: 'x'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(capsys, argv, message):
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's own usage errors
        code = stop.code
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_python_dash_m_sim_runs_as_a_module():
    completed = subprocess.run(
        [sys.executable, "-m", "sim", "run", "aa_test", "--devices", "500", "--days", "3", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["days"] == 3
    broken = subprocess.run(
        [sys.executable, "-m", "sim", "validate", "nowhere.toml"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert broken.returncode == 2
    assert broken.stderr == "error: nowhere.toml: file not found\n"
