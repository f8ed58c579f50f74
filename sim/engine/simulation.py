"""`simulate`: one seeded run of a case, from fleet to telemetry and truth.

Random streams come from ``numpy.random.SeedSequence(seed)`` with a fixed spawn key per
purpose (and per day for the daily draws), never from global state: the same case, knobs and
seed give the same tables on any machine.

>>> from sim import load_scenario, simulate
>>> case = load_scenario("scenarios/aa_test.toml")
>>> a = simulate(case, seed=7, devices=1_000, days=7)
>>> b = simulate(case, seed=7, devices=1_000, days=7)
>>> a.devices.equals(b.devices)
True
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from sim import messages
from sim.case.scenario import Scenario
from sim.engine.allocator import retain_freed_memory
from sim.engine.behaviour import Behaviour
from sim.engine.fleet import Fleet, build_fleet, stable_hash_uniform
from sim.engine.hardware import hardware_profile
from sim.engine.result import SimResult
from sim.engine.rollout import HOURS_PER_DAY, DayExposure, RolloutEngine, RolloutLog
from sim.engine.telemetry import BlockReports, TelemetryPipe
from sim.engine.truth import truth_table
from sim.errors import LaunchRoomError
from sim.limits import MAX_DAYS, MAX_SEED, MIN_DEVICES

Progress = Callable[[float, str], None]
# ``map``, or a thread pool's ``map``: the tables are the same either way.
Mapper = Callable[..., Iterator]

# One spawn key per purpose keeps each stream fixed when another purpose changes.
_FLEET, _BEHAVIOUR, _ROLLOUT, _TELEMETRY, _DAY_BEHAVIOUR, _DAY_TELEMETRY, _OUTLIERS = range(7)
# Devices advanced together in one block of a simulated day (a fixed size, so the random
# streams, and so the tables, do not depend on the fleet size's split into blocks).
BLOCK_DEVICES = 2**18


def _stream(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=key))


def check_run_inputs(scenario: Scenario, seed: int, devices: int | None = None,
                     days: int | None = None) -> tuple[int, int, int]:
    """The seed, fleet size and horizon of a run, checked (one-line errors on bad ones) with
    the case's own size and horizon filling in what is not given.

    >>> from sim import load_scenario
    >>> check_run_inputs(load_scenario("scenarios/aa_test.toml"), 3, days=7)
    (3, 100000, 7)
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed <= MAX_SEED:
        raise LaunchRoomError(messages.BAD_SEED.format(high=MAX_SEED, value=seed))
    n = scenario.fleet.size if devices is None else devices
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < MIN_DEVICES:
        raise LaunchRoomError(messages.BAD_DEVICES.format(low=MIN_DEVICES, value=devices))
    horizon = scenario.fleet.days if days is None else days
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) \
            or not 1 <= horizon <= MAX_DAYS:
        raise LaunchRoomError(messages.BAD_DAYS.format(low=1, high=MAX_DAYS, value=days))
    return int(seed), int(n), int(horizon)


def simulate(
    scenario: Scenario,
    seed: int = 0,
    devices: int | None = None,
    days: int | None = None,
    progress: Progress | None = None,
) -> SimResult:
    """Simulate a case: fleet, staged OTA rollout, daily behaviour, telemetry and truth.

    ``devices`` and ``days`` default to the case's fleet size and horizon; ``progress`` is
    called as ``progress(fraction, message)`` once a simulated day.

    >>> from sim import load_scenario
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=500, days=5)
    >>> sorted(result.devices["arm"].unique())
    ['control', 'treatment']
    """
    seed, n, horizon = check_run_inputs(scenario, seed, devices, days)
    blocks = -(-n // BLOCK_DEVICES)
    if blocks == 1 or block_threads() == 1:
        # Handing a small fleet's work to a thread and waiting for it costs more than it saves.
        return _simulate(scenario, seed, n, horizon, progress, map)
    # A fleet of many blocks frees and reallocates every block's temporaries each day: keep
    # that memory in the process instead of faulting it in again (see allocator.py).
    retain_freed_memory()
    # Blocks of a day run in threads (numpy releases the GIL in its array loops and random
    # fills).
    with ThreadPoolExecutor(max_workers=min(block_threads(), blocks)) as threads:
        return _simulate(scenario, seed, n, horizon, progress, threads.map)


def block_threads() -> int:
    """Threads that advance blocks of devices at once: the cores this process may use.

    >>> block_threads() >= 1
    True
    """
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _simulate(scenario: Scenario, seed: int, n: int, horizon: int, progress: Progress | None,
              mapper: Mapper) -> SimResult:
    started = time.perf_counter()
    fleet = build_fleet(scenario, _stream(seed, _FLEET), n, seed, mapper)
    profile = hardware_profile(scenario.feature, scenario.fleet.chip_tiers)
    behaviour = Behaviour(scenario, fleet, profile, _stream(seed, _BEHAVIOUR))
    telemetry = TelemetryPipe(scenario, fleet, horizon, _stream(seed, _TELEMETRY),
                              report_panel(fleet, scenario.telemetry.daily_max_devices),
                              _stream(seed, _OUTLIERS))

    step_day = functools.partial(_advance_day, behaviour, telemetry, seed, n, mapper)
    engine = RolloutEngine(
        scenario,
        fleet,
        horizon,
        _stream(seed, _ROLLOUT),
        profile.weights_mb,
        step_day,
        telemetry.read_gate,
        progress,
    )
    log = engine.run()
    # Free the engine's working arrays before the output tables are built: at ten million
    # devices they are gigabytes, and the tables need room of their own.
    del engine, step_day

    segments = {
        "chip_tier": (fleet.tier, fleet.tiers),
        "device_type": (fleet.device_type, fleet.device_types),
        "region": (fleet.region, fleet.regions),
    }
    measures_distraction = scenario.baseline.distraction_per_day > 0
    truth = truth_table(
        _truth_metrics(behaviour.totals[0].metrics(horizon), measures_distraction),
        _truth_metrics(behaviour.totals[1].metrics(horizon), measures_distraction),
        segments,
        mapper,
    )
    baseline = {"pre_sessions": behaviour.pre_sessions, "pre_sensor_score": behaviour.pre_sensor}
    del behaviour
    return SimResult(
        scenario=scenario,
        seed=seed,
        days=horizon,
        devices=_devices_table(fleet, baseline, telemetry, log, horizon, mapper),
        day_arm=telemetry.cube_frame(),
        timeline=log.timeline,
        rollout=log.daily.assign(capacity_per_hour=log.capacity_per_hour),
        truth=truth,
        daily=telemetry.rows_frame(),
        info={"seconds": round(time.perf_counter() - started, 3), "devices": n},
    )


def report_panel(fleet: Fleet, size: int) -> np.ndarray | None:
    """The devices whose raw daily reports are kept: all of a small fleet, else a random panel.

    A device-by-day table for ten million devices would be hundreds of millions of rows; the
    analysis never needs it (per-device totals and the day x arm cube carry everything), and a
    panel of ``size`` devices is enough to clean, peek day by day and plan. The panel is a
    stable hash of the device id, so it is the same panel for every seed. ``size`` 0 keeps none.

    >>> import numpy as np
    >>> from sim import load_scenario
    >>> from sim.engine.fleet import build_fleet
    >>> fleet = build_fleet(load_scenario("scenarios/aa_test.toml"), np.random.default_rng(0),
    ...                     20_000, seed=0)
    >>> int(report_panel(fleet, 50_000).sum()), 1_700 < int(report_panel(fleet, 2_000).sum()) < 2_300
    (20000, True)
    """
    if size <= 0:
        return None
    if fleet.size <= size:
        return np.ones(fleet.size, dtype=bool)
    return stable_hash_uniform(fleet.device_id, "report-panel") < size / fleet.size


def _advance_day(
    behaviour: Behaviour, telemetry: TelemetryPipe, seed: int, n: int, mapper: Mapper,
    day: int, exposure: DayExposure,
) -> None:
    """One simulated day for every device, block by block.

    Blocks of a fixed size keep the day's temporaries small (in cache, and a few MB at ten
    million devices); each block draws from its own stream, keyed by the block's index, and
    writes only its own devices' state, so blocks may run in threads (``mapper``) in any
    order. What they share (the day x segment cube, the raw rows) is committed in block order.
    """
    shares = behaviour.household_shares(exposure)

    def advance(index: int) -> BlockReports:
        block = slice(index * BLOCK_DEVICES, min((index + 1) * BLOCK_DEVICES, n))
        part = exposure.part(block)
        outcome = behaviour.step(
            day,
            _stream(seed, _DAY_BEHAVIOUR, day, index),
            block,
            part,
            None if shares is None else (shares[0][block], shares[1][block]),
        )
        return telemetry.record(day, block, outcome, part,
                                _stream(seed, _DAY_TELEMETRY, day, index))

    for reports in mapper(advance, range(-(-n // BLOCK_DEVICES))):
        telemetry.commit(day, reports)


def _truth_metrics(
    metrics: dict[str, np.ndarray], measures_distraction: bool
) -> dict[str, np.ndarray]:
    # churn_day is a censored duration, not a metric with a mean worth comparing; a fleet
    # without a distraction sensor has no distraction truth to reveal.
    skip = {"churn_day"} if measures_distraction else {"churn_day", "distraction_events"}
    return {name: values for name, values in metrics.items() if name not in skip}


def _day_or_nan(hours: np.ndarray, days: int) -> np.ndarray:
    # An install scheduled past the run's end has not happened by then.
    happened = np.isfinite(hours) & (hours < days * HOURS_PER_DAY)
    return np.where(happened, hours / HOURS_PER_DAY, np.nan).astype(np.float32)


def _devices_table(
    fleet: Fleet, baseline: dict[str, np.ndarray], telemetry: TelemetryPipe, log: RolloutLog,
    days: int, mapper: Mapper,
) -> pd.DataFrame:
    """One row a device, in device-id order, its columns gathered in threads and handed to the
    frame without a copy (one block a column: inserting them one by one copied each)."""
    # Where each device id sits in the fleet's order: the inverse permutation, in one pass.
    by_id = np.empty(fleet.size, dtype=np.intp)
    by_id[fleet.device_id] = np.arange(fleet.size)
    observed = telemetry.observed_metrics()
    columns = {
        "device_id": lambda: fleet.device_id,
        "household_id": lambda: fleet.household_id,
        "device_type": lambda: pd.Categorical.from_codes(
            fleet.device_type[by_id], list(fleet.device_types)),
        "chip_tier": lambda: pd.Categorical.from_codes(fleet.tier[by_id], list(fleet.tiers)),
        "ram_gb": lambda: fleet.ram_gb,
        "region": lambda: pd.Categorical.from_codes(fleet.region[by_id], list(fleet.regions)),
        "arm": lambda: pd.Categorical.from_codes(
            fleet.treatment.astype(np.int8)[by_id], ["control", "treatment"]),
        "eligible": lambda: fleet.eligible,
        "stage": lambda: fleet.stage,
        "offered_day": lambda: _day_or_nan(log.offered_hour, days),
        "downloaded_day": lambda: _day_or_nan(log.download_hour, days),
        "installed_day": lambda: _day_or_nan(log.install_hour, days),
        "install_failed": lambda: log.failed,
        "in_panel": lambda: (np.zeros(fleet.size, dtype=bool) if telemetry.panel is None
                             else telemetry.panel),
        **{name: (lambda values=values: values) for name, values in baseline.items()},
        **{name: (lambda values=values: values) for name, values in observed.items()},
        "churned": lambda: (1 - observed["retained"]).astype(np.int8),
    }
    def column(build: Callable[[], np.ndarray | pd.Categorical]) -> np.ndarray | pd.Categorical:
        values = build()
        return values if isinstance(values, pd.Categorical) else values[by_id]

    return pd.DataFrame(dict(zip(columns, mapper(column, columns.values()), strict=True)),
                        copy=False)
