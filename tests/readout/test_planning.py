"""Planning: the stage schedule, the 30-day plan and the minimum detectable effect by day."""

from __future__ import annotations

import pytest

from sim import simulate
from sim.analysis.power import mde_for_means
from sim.limits import BUDGET_DAYS
from sim.readout.planning import (
    INSTALL_LAG_DAYS,
    mde_by_day,
    planned_days_to_ship,
    planned_rollout_days,
    stage_schedule,
)


def test_stages_start_after_the_bake_times_before_them(night_case):
    schedule = stage_schedule(night_case)
    bake = [stage.bake_days for stage in night_case.rollout.stages]
    assert schedule["start_day"].tolist() == [sum(bake[:i]) for i in range(len(bake))]
    assert planned_rollout_days(night_case) == sum(bake[:-1]) + INSTALL_LAG_DAYS
    assert planned_days_to_ship(night_case) == (night_case.experiment.decision_day
                                                + planned_rollout_days(night_case))
    assert BUDGET_DAYS == 30


def test_the_mde_by_day_is_the_power_formula_on_the_pilot_spread(night_case):
    pilot = simulate(night_case, seed=0, devices=3_000)
    table = mde_by_day(pilot, "sessions", 100_000)
    assert table["days_run"].iloc[0] == 1
    assert table["mde_rel"].iloc[-1] < table["mde_rel"].iloc[0]
    last = table.iloc[-1]
    share = night_case.experiment.treatment_share
    direct = mde_for_means(100_000 * min(share, 1 - share), last["control_mean"], last["sd"])
    assert last["mde_abs"] == pytest.approx(direct.mde_abs)


def test_planning_needs_a_pilot_with_daily_reports_and_a_daily_metric(night_case):
    pilot = simulate(night_case.with_knobs({"telemetry.daily_max_devices": 0}), seed=0,
                     devices=1_000, days=5)
    with pytest.raises(ValueError, match="keep its daily reports"):
        mde_by_day(pilot, "sessions", 10_000)
    with pytest.raises(ValueError, match="no daily total for 'latency_ms'"):
        mde_by_day(simulate(night_case, seed=0, devices=1_000, days=5), "latency_ms", 10_000)
