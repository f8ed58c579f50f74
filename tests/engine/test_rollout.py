"""The staged OTA rollout: stages, bake times, server capacity, gates, halts and rollbacks."""

from __future__ import annotations

import numpy as np
import pytest

from sim import simulate
from sim.case.scenario import scenario_from_data
from sim.engine.rollout import HOURS_PER_DAY


def _offered_treatment(result):
    devices = result.devices
    return devices[(devices["arm"] == "treatment") & devices["eligible"]]


def test_stage_offers_follow_shares_and_bake_days(night_case):
    result = simulate(night_case, seed=2, devices=40_000)
    stages = night_case.rollout.stages
    starts = np.concatenate([[0], np.cumsum([s.bake_days for s in stages])[:-1]])
    treated = _offered_treatment(result)
    for index, (stage, start) in enumerate(zip(stages, starts, strict=True)):
        in_stage = treated[treated["stage"] == index]
        # Every device of a stage is offered when the stage starts (half an hour past midnight).
        assert np.allclose(in_stage["offered_day"], start + 0.5 / HOURS_PER_DAY)
        offered_by_now = (treated["stage"] <= index).mean()
        # Stage membership is a hash: a binomial share of the treatment group.
        se = np.sqrt(stage.share * (1 - stage.share) / len(treated))
        assert abs(offered_by_now - stage.share) < 5 * se + 1e-9
    timeline = result.timeline
    stage_days = timeline.loc[timeline["event"] == "stage_start", "day"].to_numpy()
    assert np.allclose(np.floor(stage_days), starts)


def test_installs_lag_offers_and_fail_at_the_case_rate(night_case):
    result = simulate(night_case, seed=3, devices=40_000)
    treated = _offered_treatment(result)
    installed = treated.dropna(subset=["installed_day"])
    assert (installed["installed_day"] > installed["downloaded_day"]).all()
    assert (installed["downloaded_day"] >= installed["offered_day"]).all()
    # 3% base failure rate, x2 on fair networks and x5 on poor ones (fleet.py).
    shares = {r.name: r.share for r in night_case.fleet.regions}
    mult = {"good": 1, "fair": 2, "poor": 5}
    expected = sum(
        0.03 * mult[r.network] * shares[r.name] for r in night_case.fleet.regions
    )
    downloaded = treated.dropna(subset=["downloaded_day"])
    failed = downloaded["install_failed"].mean()
    se = np.sqrt(expected * (1 - expected) / len(downloaded))
    assert abs(failed - expected) < 4 * se


def test_downloads_per_hour_never_exceed_the_ota_capacity(night_case):
    tight = night_case.with_knobs({"rollout.ota_gbps": 0.01})
    result = simulate(tight, seed=4, devices=30_000)
    capacity = result.rollout["capacity_per_hour"].iloc[0]
    real = result.devices.loc[result.devices["arm"] == "treatment", "downloaded_day"].dropna()
    per_hour = np.bincount(np.floor(real.to_numpy() * HOURS_PER_DAY + 1e-6).astype(int) - 1)
    assert per_hour.max() <= capacity
    # The server was the bottleneck: a backlog built up and was carried over.
    assert result.rollout["backlog"].max() > 0
    assert per_hour.max() == capacity


def _with_rollout(case, **changes):
    data = case.model_dump(mode="json")
    data["rollout"].update(changes)
    return scenario_from_data({**data, "knobs": []}, case.source)


def _with_bad_batch(case, action):
    """A firmware batch that crashes a fifth of the devices installed in its first days."""
    return _with_rollout(
        case,
        incidents=[{"kind": "bad_batch", "day": 0.0, "duration_days": 4.0, "extra_crash_rate": 0.2}],
        gates=[{"metric": "crash_rate", "max_value": 0.0109, "action": action}],
    )


def test_an_outage_stops_downloads_for_its_duration(night_case):
    outage = _with_rollout(
        night_case, incidents=[{"kind": "ota_outage", "day": 7.0, "duration_days": 2.0}]
    )
    result = simulate(outage, seed=5, devices=20_000)
    real = result.devices.loc[result.devices["arm"] == "treatment", "downloaded_day"].dropna()
    during = (real > 7.0 + 1 / HOURS_PER_DAY) & (real <= 9.0)
    assert not during.any()
    assert (real > 9.0).any()  # the backlog drains once the servers are back
    assert "ota_outage" in set(result.timeline["event"])


def test_a_halt_stops_new_installs_and_installed_devices_keep_the_build(night_case):
    result = simulate(_with_bad_batch(night_case, "halt"), seed=6, devices=30_000)
    timeline = result.timeline
    halts = timeline[timeline["event"] == "halt"]
    assert len(halts) == 1
    halt_day = halts["day"].iloc[0]
    breach = timeline[timeline["outcome"] == "breach"].iloc[0]
    assert breach["value"] > 0.0109 and breach["p_value"] < 0.05
    installed = result.devices["installed_day"].dropna()
    assert len(installed) > 0
    assert (installed <= halt_day).all()
    after = result.rollout[result.rollout["day"] >= np.ceil(halt_day)]
    assert (after["installed"] == after["installed"].iloc[0]).all()
    assert (after["on_build"] == len(installed)).all()
    on_build_rows = result.day_arm[(result.day_arm["day"] == result.days - 1) & result.day_arm["on_build"]]
    assert on_build_rows["devices_reporting"].sum() > 0


def test_a_rollback_removes_the_build(night_case):
    result = simulate(_with_bad_batch(night_case, "rollback"), seed=6, devices=30_000)
    rollback = result.timeline[result.timeline["event"] == "rollback"]
    assert len(rollback) == 1
    removed_from = int(np.floor(rollback["day"].iloc[0])) + 1
    late = result.day_arm[result.day_arm["day"] >= removed_from]
    assert not late["on_build"].any()
    assert (result.rollout.loc[result.rollout["day"] >= removed_from, "on_build"] == 0).all()


def test_a_pause_waits_the_cooldown_then_escalates(night_case):
    result = simulate(_with_bad_batch(night_case, "pause"), seed=6, devices=30_000)
    events = list(result.timeline["event"])
    assert events.count("pause") == night_case.rollout.max_pauses
    assert "halt" in events
    pauses = result.timeline[result.timeline["event"] == "pause"]["day"].to_numpy()
    assert np.all(np.diff(pauses) >= night_case.rollout.cooldown_days - 1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_healthy_rollouts_are_not_halted_by_noise_in_small_stages(night_case, seed):
    result = simulate(night_case, seed=seed, devices=20_000)
    assert "halt" not in set(result.timeline["event"])
    assert "rollout_complete" in set(result.timeline["event"])
