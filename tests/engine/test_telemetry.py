"""Telemetry defects: each rate from the case file shows up in the reports, and nothing else."""

from __future__ import annotations

import numpy as np
import pytest

from sim.case.scenario import scenario_from_data
from sim.engine.behaviour import DayOutcome
from sim.engine.fleet import build_fleet
from sim.engine.rollout import DayExposure
from sim.engine.telemetry import TelemetryPipe

N = 60_000


def _defective(case, **rates):
    """The case with only the given telemetry defects (every other rate zero)."""
    data = case.model_dump(mode="json")
    data["telemetry"] = {"daily_max_devices": N, **rates}
    return scenario_from_data({**data, "knobs": []}, "test")


def _everyone_active(n, crashed=False):
    yes = np.ones(n, dtype=bool)
    value = np.full(n, 5.0, dtype=np.float32)
    crash = np.full(n, crashed)
    return DayOutcome(
        active=(yes, yes), sessions=(value, value), feature_uses=np.zeros(n, np.float32),
        crashed=(crash, crash), battery=(value, value), latency_ms=(value, value),
        sensor=(value, value), reporting=(yes, yes),
    )


def _exposure(fleet, on_build=False, failed=False):
    n = fleet.size
    flag = np.full(n, on_build) & fleet.treatment
    return DayExposure(
        exposed=flag, on_build=flag, install_hour=np.zeros(n, np.float32), day=0,
        extra_crash=None, failed_install=np.full(n, failed) & fleet.treatment,
    )


def _pipe(case, days=30):
    fleet = build_fleet(case, np.random.default_rng(0), N, seed=0)
    return fleet, TelemetryPipe(case, fleet, days, np.random.default_rng(1),
                                panel=np.ones(N, dtype=bool), outlier_rng=np.random.default_rng(3))


def _record(pipe, day, block, outcome, exposure, rng):
    """Record a block's day and commit it, as the engine does."""
    pipe.commit(day, pipe.record(day, block, outcome, exposure, rng))


def _within(observed, expected, n, sigmas=4.5):
    return abs(observed - expected) < sigmas * np.sqrt(expected * (1 - expected) / n)


def test_missing_late_and_duplicate_reports_match_the_case_rates(aa_case):
    case = _defective(aa_case, missing_rate=0.10, late_rate=0.05, duplicate_rate=0.04,
                      late_mean_days=3.0, clock_skew_rate=0.08)
    fleet, pipe = _pipe(case)
    _record(pipe, 0, slice(0, N), _everyone_active(N), _exposure(fleet), np.random.default_rng(2))
    rows = pipe.rows_frame()
    unique = rows.drop_duplicates()
    assert _within(1 - len(unique) / N, 0.10, N)
    assert _within((len(rows) - len(unique)) / N, 0.04, N)
    late = unique["received_day"] > 0
    assert _within(late.mean() * len(unique) / N, 0.05, N)
    # Delays are geometric with the case's mean.
    delays = unique.loc[late, "received_day"]
    assert abs(delays.mean() - 3.0) < 4.5 * np.sqrt(6.0 / late.sum())
    # Clock skew moves the day label by one for the case's share of devices.
    assert _within((unique["day"] != 0).mean(), 0.08, len(unique))
    assert set(unique["day"]) <= {-1, 0, 1}


def test_late_reports_after_the_run_never_arrive(aa_case):
    case = _defective(aa_case, late_rate=0.5, late_mean_days=5.0)
    fleet, pipe = _pipe(case, days=3)
    _record(pipe, 2, slice(0, N), _everyone_active(N), _exposure(fleet), np.random.default_rng(3))
    assert _within(pipe.days_reported.mean(), 0.5, N)
    assert (pipe.rows_frame()["received_day"] == 2).all()


def test_devices_go_silent_after_a_crash_at_the_case_rate(aa_case):
    case = _defective(aa_case, silent_after_crash=0.3)
    fleet, pipe = _pipe(case)
    _record(pipe, 0, slice(0, N), _everyone_active(N, crashed=True), _exposure(fleet), np.random.default_rng(4))
    assert _within(pipe.silent.mean(), 0.3, N)
    _record(pipe, 1, slice(0, N), _everyone_active(N), _exposure(fleet), np.random.default_rng(5))
    assert (pipe.days_reported[pipe.silent] == 1).all()


def test_failed_installs_silence_only_treatment_devices(aa_case):
    case = _defective(aa_case, silent_after_failed_install=0.6)
    fleet, pipe = _pipe(case)
    _record(pipe, 0, slice(0, N), _everyone_active(N), _exposure(fleet, failed=True), np.random.default_rng(6))
    assert not pipe.silent[~fleet.treatment].any()
    assert _within(pipe.silent[fleet.treatment].mean(), 0.6, int(fleet.treatment.sum()))


def test_the_last_report_day_stops_where_a_device_went_silent(aa_case):
    case = _defective(aa_case, silent_after_failed_install=1.0)
    fleet, pipe = _pipe(case)
    _record(pipe, 0, slice(0, N), _everyone_active(N), _exposure(fleet), np.random.default_rng(8))
    _record(pipe, 1, slice(0, N), _everyone_active(N), _exposure(fleet, failed=True), np.random.default_rng(9))
    last = pipe.observed_metrics()["last_report_day"]
    assert (last[fleet.treatment] == 0).all()
    assert (last[~fleet.treatment] == 1).all()


def test_the_firmware_step_shifts_the_sensor_only_on_the_build(aa_case):
    case = _defective(aa_case, firmware_shift=4.0)
    fleet, pipe = _pipe(case)
    _record(pipe, 0, slice(0, N), _everyone_active(N), _exposure(fleet, on_build=True), np.random.default_rng(7))
    sensor = pipe.observed_metrics()["sensor_score"]
    reported = pipe.days_reported > 0
    assert np.allclose(sensor[reported & fleet.treatment], 9.0)
    assert np.allclose(sensor[reported & ~fleet.treatment], 5.0)


def test_outlier_devices_report_heavy_tailed_sessions_and_crash_loops(aa_case):
    case = _defective(aa_case, outlier_rate=0.02, outlier_scale=10.0)
    fleet, pipe = _pipe(case)
    for day in range(3):
        _record(pipe, day, slice(0, N), _everyone_active(N), _exposure(fleet),
                np.random.default_rng(10 + day))
    observed = pipe.observed_metrics()
    per_day = observed["sessions"] / 3
    rigs = per_day > 5.0
    loops = observed["crashes"] == 3
    # 2% outliers, 30% of them in a crash loop; a rig reports at least 10 typical days a day.
    assert _within(rigs.mean(), 0.02 * 0.7, N) and _within(loops.mean(), 0.02 * 0.3, N)
    assert per_day[rigs].min() >= 5.0 + 10.0 * aa_case.baseline.sessions_per_day - 1e-3
    assert not (rigs & loops).any()
    # Pareto tail, shape 1.5: the share beyond x times the minimum is x ** -1.5.
    multiple = (per_day[rigs] - 5.0) / (10.0 * aa_case.baseline.sessions_per_day)
    assert float((multiple > 4).mean()) == pytest.approx(4**-1.5, abs=0.04)
    # Everyone else reports exactly what they did.
    assert np.allclose(per_day[~rigs], 5.0)
    assert (observed["crashes"][~loops] == 0).all()


def test_the_daily_table_adds_up_to_the_devices_table(night_result):
    daily = night_result.daily
    assert daily is not None and len(daily) > 0
    clean = daily.drop_duplicates()
    assert len(clean) < len(daily)  # the case has duplicates to clean
    devices = night_result.devices.set_index("device_id")
    per_device = clean.groupby("device_id").size().reindex(devices.index, fill_value=0)
    assert (per_device == devices["days_reported"]).all()
    active = clean.groupby("device_id")["active"].sum().reindex(devices.index, fill_value=0)
    assert (active == devices["active_days"]).all()
    sessions = clean.groupby("device_id")["sessions"].sum().reindex(devices.index, fill_value=0)
    assert np.allclose(sessions, devices["sessions"])
    crashes = clean.groupby("device_id")["crashed"].sum().reindex(devices.index, fill_value=0)
    assert (crashes == devices["crashes"]).all()
    dupes = (daily.groupby("device_id").size() - clean.groupby("device_id").size()).reindex(
        devices.index, fill_value=0)
    assert (dupes == devices["duplicate_reports"]).all()


def test_large_fleets_keep_raw_rows_for_a_panel_only(aa_case):
    from sim import analyse, simulate

    result = simulate(_defective(aa_case, daily_max_devices=1_000, duplicate_rate=0.02),
                      seed=0, devices=5_000, days=7)
    panel = result.devices[result.devices["in_panel"]]
    assert 800 < len(panel) < 1_200
    assert set(result.daily["device_id"]) <= set(panel["device_id"])
    assert len(result.daily.drop_duplicates()) == panel["days_reported"].sum()
    assert result.day_arm["devices_reporting"].sum() == result.devices["days_reported"].sum()
    # Peeking reads the panel, each look the devices seen by then.
    reading = analyse(result).sequential
    seen_by_end = int((panel["days_reported"] > 0).sum())
    assert reading.looks[-1].n_control + reading.looks[-1].n_treatment == seen_by_end
    assert reading.looks[0].n_control + reading.looks[0].n_treatment <= seen_by_end

    none = simulate(_defective(aa_case, daily_max_devices=0), seed=0, devices=2_000, days=3)
    assert none.daily is None and not none.devices["in_panel"].any()


@pytest.mark.parametrize("column", ["sessions", "active", "crashes", "battery_n"])
def test_the_day_arm_cube_adds_up_to_the_devices_table(night_result, column):
    devices = night_result.devices
    target = {"sessions": "sessions", "active": "active_days", "crashes": "crashes"}.get(column)
    if target is None:
        assert night_result.day_arm[column].sum() > 0
        return
    by_arm = night_result.day_arm.groupby("arm", observed=True)[column].sum()
    expected = devices.groupby("arm", observed=True)[target].sum()
    assert np.allclose(by_arm.sort_index(), expected.sort_index())
