"""Planning before the run: how small an effect the design can detect, day by day, and the budget.

A pilot simulation of the case (a few thousand devices, its daily reports) gives each day's
mean and spread of the per-device total of a metric; the minimum detectable effect at the
planned fleet size then follows from the usual two-sample power formula
(:func:`sim.analysis.power.mde_for_means`). The 30-day rule counts from the hypothesis to the
build on the fleet: the decision day plus the time the staged rollout takes (the scorecard's
speed criterion uses the same plan when a run did not deliver the whole rollout).

>>> from sim import load_scenario
>>> schedule = stage_schedule(load_scenario("scenarios/camera_night_mode.toml"))
>>> schedule["start_day"].tolist()
[0, 1, 3, 5, 7]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.power import mde_for_means
from sim.case.scenario import Scenario
from sim.engine.result import SimResult

# After the last stage starts, devices still check in, download and reboot: about three days
# until 95% of them run the build (the camera case's runs take 2-4).
INSTALL_LAG_DAYS = 3


def stage_schedule(scenario: Scenario) -> pd.DataFrame:
    """The day each rollout stage starts if no gate holds it, with its share and bake days."""
    stages = scenario.rollout.stages
    bake = [stage.bake_days for stage in stages]
    starts = np.concatenate([[0], np.cumsum(bake)[:-1]]).astype(int)
    return pd.DataFrame({
        "stage": range(len(stages)),
        "share": [stage.share for stage in stages],
        "bake_days": bake,
        "start_day": starts,
    })


def planned_rollout_days(scenario: Scenario) -> int:
    """Days the staged rollout needs if nothing holds it: every bake time plus the install lag.

    >>> from sim import load_scenario
    >>> planned_rollout_days(load_scenario("scenarios/camera_night_mode.toml"))
    10
    """
    return int(stage_schedule(scenario)["start_day"].iloc[-1]) + INSTALL_LAG_DAYS


def planned_days_to_ship(scenario: Scenario) -> int:
    """The decision day plus the planned rollout time: the plan against :data:`BUDGET_DAYS`.

    >>> from sim import load_scenario
    >>> planned_days_to_ship(load_scenario("scenarios/camera_night_mode.toml"))
    38
    """
    return scenario.experiment.decision_day + planned_rollout_days(scenario)


def mde_by_day(
    pilot: SimResult,
    metric: str,
    devices: int,
    alpha: float = 0.05,
    power: float = 0.8,
) -> pd.DataFrame:
    """Minimum detectable effect of the per-device total of ``metric`` after each day.

    ``pilot`` is a small run of the case that kept its daily reports; ``devices`` is the fleet
    size you plan to run, split by the case's treatment share.

    >>> from sim import load_scenario, simulate
    >>> case = load_scenario("scenarios/camera_night_mode.toml")
    >>> table = mde_by_day(simulate(case, seed=0, devices=3_000), "sessions", 100_000)
    >>> bool(table["mde_rel"].iloc[-1] < table["mde_rel"].iloc[0])
    True
    """
    if pilot.daily is None:
        raise ValueError("the pilot run must keep its daily reports (use a small fleet)")
    column = {"sessions": "sessions", "active_days": "active", "crashes": "crashed"}.get(metric)
    if column is None:
        raise ValueError(f"no daily total for {metric!r}; plan with sessions, active_days or crashes")
    daily = pilot.daily.drop_duplicates()
    devices_table = pilot.devices
    control = (devices_table["arm"] == "control").to_numpy()
    grid = np.zeros((len(devices_table), pilot.days))
    days = np.clip(daily["day"].to_numpy(), 0, pilot.days - 1)
    np.add.at(grid, (daily["device_id"].to_numpy(), days), daily[column].to_numpy())
    totals = np.cumsum(grid, axis=1)[control]
    share = pilot.scenario.experiment.treatment_share
    n_per_arm = devices * min(share, 1 - share)
    rows = []
    for day in range(pilot.days):
        mean, sd = float(totals[:, day].mean()), float(totals[:, day].std(ddof=1))
        if mean <= 0 or sd <= 0:
            continue
        result = mde_for_means(n_per_arm, mean, sd, alpha=alpha, power=power)
        rows.append((day + 1, mean, sd, result.mde_abs, result.mde_rel))
    return pd.DataFrame(rows, columns=["days_run", "control_mean", "sd", "mde_abs", "mde_rel"])
