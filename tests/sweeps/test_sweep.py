"""Sweeps: one row per (grid point, run), the same whatever runs them, and honest over seeds."""

from __future__ import annotations

import importlib
import math
import os
import socket
import time

import numpy as np
import pandas as pd
import pytest

import sim
from sim import LaunchRoomError, ScenarioError, simulate
from sim.case.library import load_case
from sim.cli import main
from sim.decide.decision import CALLS
from sim.limits import MAX_SEED
from sim.sweeps import build_spec, derive_seed, readout, run_spec, summarise, sweep

sweep_module = importlib.import_module("sim.sweeps.sweep")  # `sim.sweeps.sweep` is the function

TINY = {"devices": 500, "days": 6}
GRID = {"experiment.treatment_share": [0.3, 0.5]}


def _children() -> set[int]:
    """Processes this test process started (multiprocessing's resource tracker, which lives as
    long as its parent by design, aside)."""
    import psutil

    found = set()
    for child in psutil.Process(os.getpid()).children(recursive=True):
        try:
            if "resource_tracker" not in " ".join(child.cmdline()):
                found.add(child.pid)
        except psutil.NoSuchProcess:
            continue
    return found


@pytest.fixture(scope="module")
def reference(aa_case) -> pd.DataFrame:
    """A tiny sweep run in this process: 2 grid points x 6 runs."""
    return sweep(aa_case, seeds=6, grid=GRID, workers=1, **TINY)


def test_sim_sweep_is_the_function_and_rows_come_one_per_grid_point_and_run(aa_case, reference):
    assert sim.sweep is sweep
    frame = reference
    assert len(frame) == 12
    assert frame[["point", "experiment.treatment_share", "run"]].values.tolist() == [
        [point, share, run] for point, share in enumerate([0.3, 0.5]) for run in range(6)]
    assert (frame["devices"] == 500).all() and (frame["days"] == 6).all()
    # The same run index has the same seed at every grid point (common random numbers).
    assert frame.groupby("run")["seed"].nunique().eq(1).all()
    assert frame["seed"].tolist()[:6] == [derive_seed(0, run) for run in range(6)]
    expected = {"n_control", "n_treatment", "srm_p", "srm_alarm", "estimate", "ci_low", "ci_high",
                "p_value", "significant", "cuped_estimate", "cuped_ci_low", "cuped_ci_high",
                "cuped_p_value", "true_effect", "covers", "cuped_covers", "ni_crashes",
                "ni_retained", "call", "right_call"}
    assert expected <= set(frame.columns)
    # The treatment share moved the split: a 30% arm is smaller than a 50% one.
    shares = frame.groupby("experiment.treatment_share")["n_treatment"].mean()
    assert shares[0.3] < shares[0.5]
    assert frame["true_effect"].eq(0).all()
    assert set(frame["call"]) | set(frame["right_call"]) <= set(CALLS)
    assert set(frame["right_call"]) == {"iterate"}  # nothing to ship in truth


def test_seeds_come_from_the_base_seed_and_the_run_index():
    # The top 53 bits of the first 64-bit word of SeedSequence([base, run]).
    word = int(np.random.SeedSequence([0, 0]).generate_state(1, dtype=np.uint64)[0])
    assert derive_seed(0, 0) == word >> 11 == 7711540714544783
    assert derive_seed(0, 1) == 2849867795630718
    assert derive_seed(7, 3) == 2471466580431678
    assert len({derive_seed(base, run) for base in range(5) for run in range(200)}) == 1_000
    assert all(0 <= derive_seed(base, 10**6) <= MAX_SEED for base in (0, 1, MAX_SEED))


@pytest.mark.timeout(240)
def test_results_are_identical_with_1_2_and_4_workers(aa_case, reference):
    before = _children()
    for workers in (2, 4):
        frame = sweep(aa_case, seeds=6, grid=GRID, workers=workers, **TINY)
        pd.testing.assert_frame_equal(frame, reference)
    assert _children() <= before  # the pools shut down with the sweep


def test_a_later_block_of_runs_extends_a_sweep_exactly(aa_case, reference):
    first = sweep(aa_case, seeds=range(3), grid=GRID, workers=1, **TINY)
    rest = sweep(aa_case, seeds=range(3, 6), grid=GRID, workers=1, **TINY)
    both = pd.concat([first, rest]).sort_values(["point", "run"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(both, reference, check_dtype=False)


def test_a_row_is_the_readout_of_the_run_it_names(aa_case, reference):
    row = reference.iloc[7]
    case = aa_case.with_knobs({"experiment.treatment_share": row["experiment.treatment_share"]})
    again = readout(simulate(case, seed=int(row["seed"]), devices=500, days=6))
    for name, value in again.items():
        if isinstance(value, float) and math.isnan(value):
            assert pd.isna(row[name]), name
        else:
            assert row[name] == value, name


def test_grid_axes_expand_in_order_with_devices_and_days(aa_case):
    spec = build_spec(aa_case, seeds=2, grid={"devices": [300, 400], "days": [3, 4, 5]})
    assert [dict(p) for p in spec.points] == [
        {"devices": d, "days": t} for d in (300, 400) for t in (3, 4, 5)]
    frame = run_spec(spec, workers=1)
    assert len(frame) == 12
    assert frame[["devices", "days"]].drop_duplicates().values.tolist() == [
        [d, t] for d in (300, 400) for t in (3, 4, 5)]
    # Grid columns come once, before the run columns.
    assert list(frame.columns[:4]) == ["point", "devices", "days", "run"]


def test_progress_reports_every_run_in_process_and_per_chunk_with_workers(aa_case):
    calls = []
    sweep(aa_case, seeds=4, workers=1, progress=lambda done, total: calls.append((done, total)),
          **TINY)
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    calls.clear()
    sweep(aa_case, seeds=6, workers=2, progress=lambda done, total: calls.append((done, total)),
          **TINY)
    assert calls[-1] == (6, 6)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"seeds": 0}, "seeds: give a number of replications of at least 1"),
        ({"seeds": [-1, 2]}, "run indices that are whole numbers from 0"),
        ({"seeds": [1, 1]}, "run indices"),
        ({"seeds": 2, "workers": 0}, "workers must be a whole number of at least 1"),
        ({"seeds": 2, "grid": {"experiment.treatment_share": []}},
         "grid experiment.treatment_share: give at least one value"),
        ({"seeds": 2, "grid": {"experiment.treatment_share": [0.5, 2.0]}},
         "grid point experiment.treatment_share=2.0: scenarios/aa_test.toml"),
        ({"seeds": 2, "grid": {"feature.nope": [1]}}, "feature.nope: no such setting"),
        ({"seeds": 2, "grid": {"devices": [50]}}, "--devices must be a whole number of at least 100"),
        ({"seeds": 2, "extras": ["nope"]}, "extra reading 'nope' is not one of: peeking, on_build"),
        ({"seeds": 2, "call": "maybe"}, "call 'maybe' is not one of: lean, full, none"),
        ({"seeds": 2, "metrics": ["nope"]}, "metric 'nope' is not one of"),
    ],
)
def test_bad_sweep_input_is_one_line_before_any_run(aa_case, arguments, message):
    started = time.perf_counter()
    with pytest.raises(LaunchRoomError) as caught:
        sweep(aa_case, **{"devices": 500, "days": 6, **arguments})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert time.perf_counter() - started < 5


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_scheduler_is_one_line(aa_case, monkeypatch):
    monkeypatch.setattr(sweep_module, "CONNECT_TIMEOUT_S", 2)
    address = f"tcp://127.0.0.1:{_closed_port()}"
    with pytest.raises(LaunchRoomError) as caught:
        sweep(aa_case, seeds=2, scheduler=address, **TINY)
    text = str(caught.value)
    assert text.startswith(f"cannot reach a Dask scheduler at {address} (")
    assert "--scheduler local" in text and "\n" not in text
    with pytest.raises(LaunchRoomError, match="cannot reach a Dask scheduler at nonsense"):
        sweep(aa_case, seeds=2, scheduler="nonsense", **TINY)


@pytest.mark.timeout(120)
def test_the_dask_local_cluster_gives_the_same_rows_and_shuts_down(aa_case, reference):
    before = _children()
    started = time.perf_counter()
    calls = []
    frame = sweep(aa_case, seeds=6, grid=GRID, scheduler="local", workers=2,
                  progress=lambda done, total: calls.append(done), **TINY)
    pd.testing.assert_frame_equal(frame, reference)
    assert calls[-1] == 12
    assert time.perf_counter() - started < 60
    deadline = time.monotonic() + 10
    while _children() - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _children() - before


@pytest.mark.timeout(120)
def test_an_existing_dask_cluster_by_address_gives_the_same_rows(aa_case, reference):
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        frame = sweep(aa_case, seeds=6, grid=GRID, scheduler=cluster.scheduler_address, **TINY)
    pd.testing.assert_frame_equal(frame, reference)


def test_summarise_gives_one_row_per_grid_point(reference):
    summary = summarise(reference)
    assert summary["experiment.treatment_share"].tolist() == [0.3, 0.5]
    assert summary["runs"].tolist() == [6, 6]
    assert summary["significant"].between(0, 1).all()
    assert {"coverage", "cuped_coverage", "srm_alarms", "right_calls", "usual_call"} <= set(summary)


def test_the_sweep_command_prints_a_summary_and_saves_every_row(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sim.cli.sweeps._SWEEP_BAR_DELAY_S", 0)  # draw the bar even for a quick sweep
    out = tmp_path / "rows.csv"
    code = main(["sweep", "aa_test", "--seeds", "3", "--devices", "500", "--days", "6",
                 "--workers", "1", "--grid", "experiment.treatment_share=0.3,0.5",
                 "--set", "experiment.alpha=0.1", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.startswith("aa_test: 6 runs (2 grid points x 3 seeds) in ")
    assert "alpha 0.1" in captured.out
    assert "experiment.treatment_share" in captured.out and "coverage" in captured.out
    assert f"rows saved to {out}" in captured.out
    assert "sweep aa_test" in captured.err  # the progress bar
    rows = pd.read_csv(out)
    assert len(rows) == 6 and rows["experiment.treatment_share"].tolist() == [0.3] * 3 + [0.5] * 3
    parquet = tmp_path / "rows.parquet"
    assert main(["sweep", "aa_test", "--seeds", "2", "--devices", "500", "--days", "6",
                 "--workers", "1", "--out", str(parquet)]) == 0
    assert len(pd.read_parquet(parquet)) == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--out", "rows.json"], "--out rows.json: the sweep is saved as .csv or .parquet"),
        (["--grid", "experiment.treatment_share"], "--grid 'experiment.treatment_share': expected"),
        (["--grid", "experiment.treatment_share=0.3,"], "expected PATH=V1,V2"),
        (["--scheduler", "nonsense"], "cannot reach a Dask scheduler at nonsense"),
        (["--set", "feature.nope=1"], "feature.nope: no such setting"),
    ],
)
def test_the_sweep_command_rejects_bad_input_with_one_line_and_exit_2(argv, message, capsys):
    code = main(["sweep", "aa_test", "--seeds", "2", "--devices", "500", "--days", "6", *argv])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0], err


def test_the_sweep_command_needs_a_number_of_seeds(capsys):
    assert main(["sweep", "aa_test", "--seeds", "0"]) == 2
    assert "seeds: give a number of replications of at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["sweep", "aa_test"])
    assert caught.value.code == 2


def test_a_failing_run_names_its_run_seed_and_grid_point(aa_case, monkeypatch):
    def broken(*args, **kwargs):
        raise ScenarioError("something in the run")

    monkeypatch.setattr(sweep_module, "readout", broken)
    with pytest.raises(ScenarioError, match=rf"^run 0 \(seed {derive_seed(0, 0)}\) at grid point "
                                            r"experiment.treatment_share=0.3: something in the run$"):
        sweep(aa_case, seeds=1, grid={"experiment.treatment_share": [0.3]}, workers=1, **TINY)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_an_aa_sweep_reproduces_the_calibration(aa_case):
    # The A/A calibration of the primary test with devices randomised (the households' is in
    # tests/readout/test_calibration.py): 1,000 seeds, 1,000 devices x 10 days; the standard
    # error of a 5% rate is 0.69 points, so 3.5%-6.5% is over two of them either side; the
    # seeds are fixed, so the result is too. Run as one sweep over the local cores.
    frame = sweep(aa_case, seeds=1_000, devices=1_000, days=10, call="none")
    assert len(frame) == 1_000 and frame["seed"].nunique() == 1_000
    print(f"A/A sweep: {frame['significant'].mean():.2%} significant, "
          f"{frame['covers'].mean():.1%} covered")
    rate = frame["significant"].mean()
    assert 0.035 <= rate <= 0.065, rate
    # The true effect of an A/A test is zero: 95% intervals cover it about 95% of the time.
    assert frame["true_effect"].eq(0).all()
    assert 0.935 <= frame["covers"].mean() <= 0.965, frame["covers"].mean()
    assert frame["srm_alarm"].mean() <= 0.005


def test_a_sweep_runs_the_variant_it_is_given_and_says_which():
    case = load_case("aa_test")
    variant = sweep(case.variant(2), seeds=2, devices=500, days=5, workers=1)
    again = sweep(load_case("aa_test").variant(2), seeds=2, devices=500, days=5, workers=1)
    plain = sweep(case, seeds=2, devices=500, days=5, workers=1)
    assert variant.attrs["sweep"]["variant"] == 2 and plain.attrs["sweep"]["variant"] == 0
    pd.testing.assert_frame_equal(variant, again)
    assert not variant.drop(columns="seconds", errors="ignore").equals(
        plain.drop(columns="seconds", errors="ignore"))
