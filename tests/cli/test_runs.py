"""A run's commands (sim/cli/runs.py): python -m sim run, analyse and export."""

from __future__ import annotations

import json

import pytest

from sim.case.library import load_case
from sim.cli import main
from sim.engine.result import SimResult


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


# --- python -m sim analyse ---------------------------------------------------------------------

def _experiment_csv(tmp_path, rows=400):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "group": np.where(np.arange(rows) % 2 == 0, "A", "B"),
        "minutes": rng.normal(30, 5, rows),
        "baseline": rng.normal(30, 5, rows),
        "days": rng.integers(1, 28, rows),
        "left": rng.integers(0, 2, rows),
        "country": "se",
    })
    frame.loc[frame["group"] == "B", "minutes"] += 2
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)
    return path


def test_analyse_json_has_the_documented_fields(tmp_path, capsys):
    path = _experiment_csv(tmp_path)
    code = main(["analyse", str(path), "--arm", "group", "--control", "A", "--metric", "minutes",
                 "--covariate", "baseline", "--duration", "days", "--event", "left", "--json"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload["srm"]) == {"chi2", "p_value", "n_control", "n_treatment"}
    minutes = payload["metrics"]["minutes"]
    for field in ("control_mean", "treatment_mean", "abs_diff", "abs_ci", "rel_lift", "rel_ci",
                  "p_value"):
        assert field in minutes
    assert 1.0 < minutes["abs_diff"] < 3.0 and len(minutes["abs_ci"]) == 2
    assert "variance_reduction" in minutes["cuped"]
    assert set(payload["retention"]) == {"logrank_chi2", "logrank_p", "hazard_ratio",
                                         "hazard_ratio_ci"}


def test_analyse_prints_a_readable_table_by_default(tmp_path, capsys):
    path = _experiment_csv(tmp_path)
    assert main(["analyse", str(path), "--arm", "group", "--control", "A", "--metric", "minutes"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("SRM: chi2") and "minutes" in out


def test_analyse_reads_a_saved_simulation(tmp_path, capsys):
    assert main(["run", "aa_test", "--devices", "2000", "--days", "14", "--out",
                 str(tmp_path / "run")]) == 0
    capsys.readouterr()
    assert main(["analyse", str(tmp_path / "run"), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["case"] == "aa_test" and "sessions" in payload["metrics"]


@pytest.mark.parametrize(
    ("make", "argv", "message"),
    [
        (None, ["--arm", "group"], "nowhere.csv: file not found"),
        ("csv", ["--arm", "team"], "no column 'team'"),
        ("csv", ["--arm", "group", "--metric", "country"], "'country' is not numeric"),
        ("one_arm", ["--arm", "group"], "has one arm only"),
        ("empty", ["--arm", "group"], "empty"),
        ("txt", ["--arm", "group"], ".txt"),
    ],
)
def test_analyse_bad_input_is_one_line_and_exit_code_2(tmp_path, capsys, make, argv, message):
    import pandas as pd

    path = tmp_path / "nowhere.csv"
    if make == "csv":
        path = _experiment_csv(tmp_path)
    elif make == "one_arm":
        path = tmp_path / "one.csv"
        pd.DataFrame({"group": ["A"] * 10, "minutes": range(10)}).to_csv(path, index=False)
    elif make == "empty":
        path = tmp_path / "empty.csv"
        pd.DataFrame({"group": [], "minutes": []}).to_csv(path, index=False)
    elif make == "txt":
        path = tmp_path / "notes.txt"
        path.write_text("hello", encoding="utf-8")
    code = main(["analyse", str(path), *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


# --- python -m sim export ----------------------------------------------------------------------

def test_export_writes_the_run_and_prints_what_it_wrote(tmp_path, capsys):
    out = tmp_path / "night"
    code = main(["export", "camera_night_mode", "--seed", "3", "--devices", "2000", "--days", "14",
                 "--set", "experiment.decision_day=14", "--set", "feature.quantization=int4",
                 "--out", str(out)])
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"camera_night_mode seed 3: 2,000 devices x 14 days exported to {out}"
    written = [line.split()[0] for line in lines[1:]]
    assert written == ["README.md", "run.json", "case.toml", "analysis.ipynb",
                       *(f"{t}.{k}" for t in ("devices", "daily", "day_arm", "timeline", "rollout")
                         for k in ("csv", "parquet"))]
    assert sorted(written) == sorted(path.name for path in out.iterdir())
    assert 'quantization = "int4"' in (out / "case.toml").read_text(encoding="utf-8")
    # The export's own case file and run.json make it again, with the same tables.
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    again = tmp_path / "again"
    assert main(["export", str(out / "case.toml"), "--seed", str(run["seed"]), "--devices",
                 str(run["devices"]), "--days", str(run["days"]), "--out", str(again)]) == 0
    for name in ("devices.parquet", "daily.csv"):
        assert (again / name).read_bytes() == (out / name).read_bytes()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["export", "nope", "--out", "{tmp}/x"], "error: no case named 'nope'; known cases:"),
        (["export", "aa_test", "--out", "{tmp}/file.txt"], "file.txt: is a file; export into a folder"),
        (["export", "aa_test", "--out", "{tmp}"], "the folder holds other files and no earlier export"),
        (["export", "aa_test", "--set", "bogus", "--out", "{tmp}/x"], "--set 'bogus': expected path=value"),
        (["export", "aa_test", "--set", "fleet.bogus=1", "--out", "{tmp}/x"], "fleet.bogus: no such setting"),
        (["export", "aa_test", "--devices", "5", "--out", "{tmp}/x"], "--devices must be a whole number"),
        (["export", "aa_test", "--days", "0", "--out", "{tmp}/x"], "--days must be a whole number"),
        (["export", "aa_test", "--seed", "-1", "--out", "{tmp}/x"], "--seed must be a whole number"),
        (["export", "aa_test", "--seed", "x", "--out", "{tmp}/x"], "argument --seed: invalid int value"),
        (["export", "aa_test"], "the following arguments are required: --out"),
    ],
)
def test_export_bad_input_is_one_line_and_exit_code_2(tmp_path, capsys, argv, message):
    (tmp_path / "file.txt").write_text("not a folder", encoding="utf-8")
    argv = [arg.replace("{tmp}", str(tmp_path)) for arg in argv]
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's own usage errors
        code = stop.code
    captured = capsys.readouterr()
    assert code == 2
    assert message in captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert captured.out == ""
    assert not (tmp_path / "x").exists()


def test_analyse_reads_a_saved_run_through_a_day_and_on_a_basis(tmp_path, capsys):
    assert main(["run", "camera_night_mode", "--devices", "4000", "--out",
                 str(tmp_path / "run")]) == 0
    capsys.readouterr()
    readouts = {}
    for extra in ([], ["--through-day", "7"], ["--basis", "assigned"]):
        assert main(["analyse", str(tmp_path / "run"), "--json", *extra]) == 0
        readouts[" ".join(extra)] = json.loads(capsys.readouterr().out)
    full, early, assigned = readouts[""], readouts["--through-day 7"], readouts["--basis assigned"]
    assert early["metrics"]["sessions"]["abs_ci"] != full["metrics"]["sessions"]["abs_ci"]
    assert assigned["devices_analysed"] == 4000 >= full["devices_analysed"]
    assert main(["analyse", str(tmp_path / "run"), "--through-day", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


# --- variants ----------------------------------------------------------------------------------


def test_run_takes_a_variant_and_a_saved_run_keeps_it(capsys, tmp_path):
    argv = ["run", "camera_night_mode", "--variant", "6", "--devices", "1000", "--days", "5"]
    assert main([*argv, "--json", "--out", str(tmp_path / "run")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["variant"] == 6
    assert main(argv) == 0
    assert "camera_night_mode variant 6  seed 0" in capsys.readouterr().out
    saved = SimResult.load(tmp_path / "run")
    assert saved.scenario.variant_number == 6
    assert saved.scenario == load_case("camera_night_mode").variant(6)
