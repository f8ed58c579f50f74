"""simulate(): determinism, seeds, progress, and its input checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import LaunchRoomError, load_scenario, simulate
from sim.engine.result import TABLES
from tests.conftest import CASES


def _tables(result):
    return {name: getattr(result, name) for name in TABLES}


def test_same_case_knobs_and_seed_give_identical_tables(night_case):
    case = night_case.with_knobs({"feature.quantization": "int4"})
    first = _tables(simulate(case, seed=42, devices=5_000))
    second = _tables(simulate(case, seed=42, devices=5_000))
    for name, table in first.items():
        pd.testing.assert_frame_equal(table, second[name], check_exact=True, obj=name)


def test_a_different_seed_gives_different_tables(night_case):
    first = simulate(night_case, seed=1, devices=5_000)
    second = simulate(night_case, seed=2, devices=5_000)
    assert not first.devices["sessions"].equals(second.devices["sessions"])
    assert not first.truth.equals(second.truth)


def test_assignment_is_a_fresh_randomisation_for_each_seed(night_case):
    # Arms come from a hash of (unit, experiment, seed): sticky within a run (another horizon
    # or another design keeps them), and a new split for another seed.
    first = simulate(night_case, seed=1, devices=5_000, days=3)
    longer = simulate(night_case.with_knobs({"feature.quantization": "int4"}), seed=1,
                      devices=5_000, days=5)
    second = simulate(night_case, seed=2, devices=5_000, days=3)
    assert (first.devices["arm"] == longer.devices["arm"]).all()
    assert 0.45 < (first.devices["arm"] == second.devices["arm"]).mean() < 0.55


def test_progress_reports_every_day_up_to_one(aa_case):
    calls = []
    simulate(aa_case, seed=0, devices=1_000, days=9, progress=lambda f, m: calls.append((f, m)))
    fractions = [f for f, _ in calls]
    assert len(calls) == 9
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert calls[0][1] == "day 1 of 9"


def test_devices_table_has_the_documented_columns(night_result):
    devices = night_result.devices
    for column in ("device_id", "household_id", "device_type", "chip_tier", "ram_gb", "region",
                   "arm", "stage", "offered_day", "installed_day", "install_failed",
                   "pre_sessions", "sessions", "crashes", "battery_drain", "retained",
                   "churn_day", "churned"):
        assert column in devices.columns
    assert set(devices["arm"].cat.categories) == {"control", "treatment"}
    assert (devices["device_id"].to_numpy() == np.arange(len(devices))).all()
    primary = night_result.scenario.experiment.primary_metric
    assert primary in devices.columns
    control = devices[devices["arm"] == "control"]
    assert control["installed_day"].isna().all() and control["offered_day"].isna().all()
    # Compact dtypes: nothing wider than it needs to be.
    assert devices.memory_usage(deep=True).sum() / len(devices) < 120


def test_truth_table_is_long_and_complete(night_result):
    truth = night_result.truth
    assert list(truth.columns) == ["metric", "segment_kind", "segment", "devices", "control_mean",
                                   "treatment_mean", "abs_effect", "rel_effect"]
    overall = truth[truth["segment_kind"] == "all"]
    assert set(overall["segment"]) == {"all"}
    assert (overall["devices"] == len(night_result.devices)).all()
    tiers = truth[(truth["segment_kind"] == "chip_tier") & (truth["metric"] == "sessions")]
    assert tiers["devices"].sum() == len(night_result.devices)


def test_cuped_baseline_correlates_with_the_outcome(night_result):
    devices = night_result.devices
    assert np.corrcoef(devices["pre_sessions"], devices["sessions"])[0, 1] > 0.5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": -1}, "--seed must be a whole number"),
        ({"seed": 1.5}, "--seed must be a whole number"),
        ({"devices": 10}, "--devices must be a whole number of at least 100"),
        ({"devices": "many"}, "--devices must be a whole number"),
        ({"days": 0}, "--days must be a whole number from 1 to 180"),
        ({"days": 400}, "--days must be a whole number from 1 to 180"),
    ],
)
def test_bad_inputs_are_refused_with_one_clear_message(aa_case, kwargs, message):
    with pytest.raises(LaunchRoomError, match=message):
        simulate(aa_case, **kwargs)


def test_blocks_of_a_day_add_up_like_one_block(night_case, monkeypatch):
    # Small blocks put arm and segment boundaries inside blocks: every view must still agree.
    import sim.engine.simulation as simulation

    monkeypatch.setattr(simulation, "BLOCK_DEVICES", 777)
    result = simulate(night_case, seed=5, devices=6_000, days=14)
    devices, cube = result.devices, result.day_arm
    by_arm = cube.groupby("arm", observed=True)[["sessions", "active", "devices_reporting"]].sum()
    totals = devices.groupby("arm", observed=True)[["sessions", "active_days", "days_reported"]].sum()
    assert np.allclose(by_arm["sessions"], totals["sessions"])
    assert (by_arm["active"].to_numpy() == totals["active_days"].to_numpy()).all()
    assert (by_arm["devices_reporting"].to_numpy() == totals["days_reported"].to_numpy()).all()
    on_build = cube[cube["on_build"]]
    assert (on_build["arm"] == "treatment").all() and on_build["devices_reporting"].sum() > 0
    again = simulate(night_case, seed=5, devices=6_000, days=14)
    pd.testing.assert_frame_equal(result.devices, again.devices)


@pytest.mark.parametrize("days", [1, *range(10, 181, 10)])
def test_every_horizon_from_1_to_180_days_runs_and_reads_out(days):
    # A clock-skewed report on day 127 once overflowed an int8 day; a readout of a run too
    # short for churn or novelty once aborted. Every documented horizon runs and reads out.
    from sim import analyse, decide
    from sim.case import load_case

    case = load_case("camera_night_mode")
    result = simulate(case.with_knobs({"telemetry.clock_skew_rate": 0.05}), seed=days,
                      devices=300, days=days)
    assert result.days == days and result.daily["received_day"].max() <= days
    report = analyse(result)
    assert report.primary_metric in report.metrics
    assert decide(report, scenario=case).call in {"ship_all", "ship_segments", "extend",
                                                  "iterate", "rollback"}


@pytest.mark.parametrize("case_id", ["camera_night_mode", "srm_install_failures",
                                     "ev_voice_assistant", "battery_saver"])
def test_a_run_to_day_n_is_what_a_longer_run_had_shown_by_day_n(case_id):
    # The readout "through day N" re-simulates to day N: that is only honest if nothing in a
    # run's first N days depends on how long it goes on - reports arriving after day N are not
    # in it, installs after day N have not happened, and gates read only what had arrived.
    case = load_scenario(CASES / f"{case_id}.toml")
    full = simulate(case, seed=5, devices=4_000)
    short = simulate(case, seed=5, devices=4_000, days=14)
    columns = list(full.daily.columns)
    arrived = full.daily[full.daily["received_day"] < 14].sort_values(columns, ignore_index=True)
    assert arrived.equals(short.daily.sort_values(columns, ignore_index=True))
    installed = full.devices["installed_day"].where(full.devices["installed_day"] < 14)
    assert installed.fillna(-1).equals(short.devices["installed_day"].fillna(-1))
    early = full.timeline[full.timeline["hour"] < 14 * 24].reset_index(drop=True)
    assert early.equals(short.timeline[short.timeline["hour"] < 14 * 24].reset_index(drop=True))
    assert full.rollout.iloc[:14].reset_index(drop=True).equals(short.rollout)
