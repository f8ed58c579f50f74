"""The command line's entry point (sim/cli/__init__.py: main, and python -m sim): bad input is
one line on stderr and exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sim.cli import main
from tests.conftest import ROOT


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


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "aa_test", "--variant", "-1"], "variant -1 is not a whole number from 0 to 999999"),
        (["run", "aa_test", "--variant", "1000000"], "from 0 to 999999"),
        (["score", "aa_test", "--variant", "x", "--decision", "d.json"],
         "argument --variant: invalid int value: 'x'"),
    ],
)
def test_a_bad_variant_is_one_line_and_exit_code_2(capsys, argv, message):
    try:
        code = main(argv)
    except SystemExit as stop:
        code = stop.code
    err = capsys.readouterr().err
    assert code == 2 and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
