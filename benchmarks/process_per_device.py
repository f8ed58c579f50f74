"""The obvious alternative to the engine: a textbook SimPy model with one process per device.

This is the model a reasonable engineer writes first for the ``camera_night_mode`` case, and
the baseline that ``bench_engine_vs_processes.py`` times the engine against. It reads the same
case file and keeps the same mechanics, but every device is a Python object with its own
``random.Random`` stream (seeded from ``numpy.random.SeedSequence``) and its own SimPy
processes:

- ``Device.life``: one process a device, a ``yield env.timeout(24)`` loop that draws the day's
  outcomes under **both arms from the same random numbers** (common random numbers): the
  Markov chain over active / dormant / churned, sessions with lognormal noise, feature uses,
  crashes (base rate plus out-of-memory crashes on the build), battery drain, latency and the
  sensor score. At its start it launches the device's OTA pipeline:
- ``Device.update``: waits for its stage's offer (one ``simpy.Event`` a stage, fired by the
  stage controller after each bake), checks in after an exponential delay, queues for the OTA
  server, installs at the next reboot (exponential delay) or fails (the case's failure rate x2
  on fair networks, x5 on poor ones).
- ``Model.stage_controller``: offers stage after stage, waiting each stage's bake days.

The OTA server is the textbook ``simpy.Resource`` (the "car wash" idiom): ``capacity`` download
slots, where ``capacity`` is the case's downloads an hour (``sim.engine.rollout.ota_capacity_per_hour``
scaled to the sample and floored to whole downloads, as the engine does) and every download
holds a slot for one hour. That serves at most ``capacity`` downloads an hour, first come first
served, and the backlog carries over in the resource's queue. A token bucket (a
``simpy.Container`` refilled every hour) would need an extra refill process and makes the
same throughput no clearer; the resource is what the SimPy documentation teaches.

Only treatment devices take a slot. A holdout (control) device still needs the day it *would*
have installed, which defines its treatment potential outcome; as in the engine it gets the
place in the first-come first-served line that a request made at its check-in would take,
without pushing anyone back (``Model.counterfactual_start``).

Left out, because they do not fire in this case's default run (the engine's gates all pass and
it has no incidents): guardrail gates, pauses, halts, rollbacks and incidents. Telemetry
defects, the pre-period baseline and the result tables are left out too, so this model does
less work than ``sim.simulate`` does. Arms and stages are per-device random draws instead of the
engine's sticky hash (the same shares).

    python benchmarks/process_per_device.py --devices 20000 --days 28 --compare
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import random
import sys
import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import simpy

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim import load_scenario  # noqa: E402
from sim.case.scenario import Scenario  # noqa: E402
from sim.engine.fleet import ENGAGEMENT_BY_TYPE, INSTALL_FAILURE_BY_NETWORK  # noqa: E402
from sim.engine.hardware import BATTERY_WH, FREE_RAM_SHARE, hardware_profile  # noqa: E402
from sim.engine.rollout import HOURS_PER_DAY, ota_capacity_per_hour  # noqa: E402

CASE = ROOT / "scenarios" / "camera_night_mode.toml"
ACTIVE, DORMANT, CHURNED = 0, 1, 2
RETAINED_WINDOW_DAYS = 7  # active in the last 7 days of the run, as in sim.engine.behaviour
MIN_SESSION_FACTOR = 0.05  # a lift can at worst nearly stop use, as in sim.engine.behaviour
# Offers go out half an hour past midnight, as in the engine.
OFFER_OFFSET_HOURS = 0.5


class Case:
    """The case's constants as plain Python numbers, looked up once."""

    def __init__(self, scenario: Scenario, devices: int, days: int) -> None:
        fleet, base, feature = scenario.fleet, scenario.baseline, scenario.feature
        effect, rollout = feature.effect, scenario.rollout
        self.days = days
        self.type_names = list(fleet.device_types)
        self.type_cumulative = _cumulative(list(fleet.device_types.values()))
        self.tiers = fleet.chip_tiers
        self.tier_cumulative = _cumulative([t.share for t in fleet.chip_tiers])
        self.regions = fleet.regions
        self.region_cumulative = _cumulative([r.share for r in fleet.regions])
        self.stage_shares = [s.share for s in rollout.stages]
        self.treatment_share = scenario.experiment.treatment_share

        profile = hardware_profile(feature, fleet.chip_tiers)
        self.weights_mb = profile.weights_mb
        self.footprint_mb = profile.footprint_mb
        self.quality = float(profile.quality)
        self.penalty = [float(effect.latency_penalty * o) for o in profile.over_budget()]
        self.model_latency_ms = [float(x) for x in profile.latency_ms]
        self.energy_j_per_use = [float(x) for x in profile.energy_j_per_use]
        names = [t.name for t in fleet.chip_tiers]
        lowest = names.index(feature.lowest_tier) if feature.lowest_tier else len(names) - 1
        self.lowest_tier = lowest
        self.feature_types = set(feature.device_types)
        self.effect = effect
        self.uses_per_day = feature.uses_per_day

        self.base = base
        self.sessions_mu = -(base.sessions_spread**2) / 2  # mean-one lognormal
        self.battery_mu = -(base.battery_spread**2) / 2
        self.stationary_active = base.p_dormant_to_active / (
            base.p_dormant_to_active + base.p_active_to_dormant + 1e-12
        )
        self.checkin_mean_hours = rollout.checkin_mean_hours
        self.reboot_mean_hours = rollout.reboot_mean_hours
        self.install_failure_rate = rollout.install_failure_rate
        # Whole downloads an hour, for this sample of the fleet (the engine's rule).
        self.capacity = max(
            math.floor(ota_capacity_per_hour(scenario, profile.weights_mb, devices)), 1
        )


def _cumulative(shares: list[float]) -> list[float]:
    out, total = [], 0.0
    for share in shares:
        total += share
        out.append(total)
    out[-1] = 1.0
    return out


def next_state(state: int, crashed_yesterday: bool, u: float, keep: float, base) -> int:
    """One Markov step from a shared uniform. ``keep`` scales churn and going dormant."""
    if state == CHURNED:
        return CHURNED
    if state == ACTIVE:
        churn = base.p_active_to_churned + (base.crash_churn_boost if crashed_yesterday else 0.0)
        churn *= keep
        switch = base.p_active_to_dormant * keep
    else:
        churn = base.p_dormant_to_churned * keep
        switch = base.p_dormant_to_active
    if u < churn:
        return CHURNED
    if u < churn + switch:
        return DORMANT if state == ACTIVE else ACTIVE
    return state


class Device:
    """One device: its hardware, its effect, its OTA pipeline and its totals under both arms."""

    __slots__ = (
        "model", "rng", "treatment", "stage", "eligible", "has_battery",
        "sessions_mean", "uses_per_day", "sessions_lift", "novelty_peak", "keep",
        "oom_crash", "battery_per_use", "latency", "model_latency", "sensor_level",
        "checkin", "reboot", "fails", "install_hour", "failed",
        "state", "crashed", "active_days", "sessions", "feature_uses", "crashes",
        "battery_sum", "battery_days", "latency_sum", "sensor_sum", "last_active_end",
    )  # fmt: skip

    def __init__(self, model: Model, seed: int) -> None:
        case = model.case
        base, effect = case.base, case.effect
        r = random.Random(seed)
        self.model = model
        self.rng = r

        device_type = case.type_names[bisect.bisect_right(case.type_cumulative, r.random())]
        tier_index = min(bisect.bisect_right(case.tier_cumulative, r.random()), len(case.tiers) - 1)
        tier = case.tiers[tier_index]
        region = case.regions[
            min(bisect.bisect_right(case.region_cumulative, r.random()), len(case.regions) - 1)
        ]
        self.treatment = r.random() < case.treatment_share
        self.stage = min(
            bisect.bisect_right(case.stage_shares, r.random()), len(case.stage_shares) - 1
        )
        self.eligible = device_type in case.feature_types and tier_index <= case.lowest_tier

        spread = base.device_spread
        engagement = (
            math.exp(r.gauss(0.0, 1.0) * spread - spread * spread / 2)
            * ENGAGEMENT_BY_TYPE[device_type]
            * tier.engagement
        )
        low, high = FREE_RAM_SHARE
        free_mb = tier.ram_gb * 1024.0 * (low + (high - low) * r.random())
        battery_wh = BATTERY_WH[device_type]
        self.has_battery = battery_wh > 0

        # The build's effect on this device (sim.engine.behaviour.device_effects, one device).
        segment = effect.by_chip_tier.get(tier.name, 1.0) * effect.by_device_type.get(
            device_type, 1.0
        )
        oom_use = min(max((case.footprint_mb / max(free_mb, 1.0) - 0.7) / 0.6, 0.0), 1.0) * 0.5
        self.uses_per_day = case.uses_per_day * engagement
        completed = 1.0 - oom_use
        self.sessions_lift = (
            case.quality * effect.sessions * segment * completed - case.penalty[tier_index]
        )
        self.novelty_peak = case.quality * effect.novelty_peak * segment * completed
        self.keep = 1.0 - case.quality * effect.retention * segment * completed
        self.oom_crash = 1.0 - (1.0 - oom_use) ** self.uses_per_day
        self.battery_per_use = (
            case.energy_j_per_use[tier_index] / battery_wh / 3600.0 * 100.0 if battery_wh else 0.0
        )
        self.model_latency = case.model_latency_ms[tier_index]
        self.sessions_mean = base.sessions_per_day * engagement
        noise = base.latency_spread
        self.latency = base.latency_ms * math.exp(r.gauss(0.0, 1.0) * noise - noise * noise / 2)
        self.sensor_level = (
            base.sensor_score
            + base.sensor_spread * r.gauss(0.0, 1.0)
            + 0.3 * base.sensor_spread * r.gauss(0.0, 1.0)
        )

        # The OTA pipeline's draws, made up front as the engine does.
        network = INSTALL_FAILURE_BY_NETWORK[region.network]
        failure_rate = min(case.install_failure_rate * network * tier.install_failure_mult, 0.95)
        self.checkin = r.expovariate(1.0 / case.checkin_mean_hours)
        self.reboot = r.expovariate(1.0 / case.reboot_mean_hours)
        self.fails = r.random() < failure_rate
        self.install_hour = math.inf  # the real install (treatment) or the counterfactual one
        self.failed = False

        start = ACTIVE if r.random() < case.stationary_active else DORMANT
        # Per-arm state and totals: index 0 is the control outcome, 1 the treatment outcome.
        self.state = [start, start]
        self.crashed = [False, False]
        self.active_days = [0, 0]
        self.sessions = [0.0, 0.0]
        self.feature_uses = 0.0
        self.crashes = [0, 0]
        self.battery_sum = [0.0, 0.0]
        self.battery_days = [0, 0]
        self.latency_sum = [0.0, 0.0]
        self.sensor_sum = [0.0, 0.0]
        self.last_active_end = [0, 0]

    # --- processes --------------------------------------------------------------------------
    def life(self) -> Generator[simpy.Event, object, None]:
        """The device's process: start its OTA pipeline, then live day after day."""
        model = self.model
        env = model.env
        if self.eligible:
            env.process(self.update())
        for day in range(model.case.days):
            yield env.timeout(HOURS_PER_DAY)
            self.live(day)

    def update(self) -> Generator[simpy.Event, object, None]:
        """Offer, check-in, download, reboot: install or fail."""
        model = self.model
        env = model.env
        yield model.offers[self.stage]
        yield env.timeout(self.checkin)
        if self.treatment:
            with model.server.request() as slot:
                yield slot
                slot.started = env.now
                yield env.timeout(1.0)  # a download holds one of the hour's slots for an hour
        else:
            # Holdout: where this request would land in the line, without taking a slot.
            yield env.timeout(model.counterfactual_start() + 1.0 - env.now)
        yield env.timeout(self.reboot)
        if self.fails:
            self.failed = True
        else:
            self.install_hour = env.now

    # --- one day ----------------------------------------------------------------------------
    def live(self, day: int) -> None:
        """Draw one day under both arms from the same random numbers and add it up."""
        case = self.model.case
        base = case.base
        r = self.rng
        u_state = r.random()
        u_round = r.random()
        u_crash = r.random()
        noise = r.lognormvariate(case.sessions_mu, base.sessions_spread)
        drain = base.battery_drain_pct * r.lognormvariate(case.battery_mu, base.battery_spread)
        # Exposed: installed by the start of the day (the build runs under treatment).
        exposed = self.install_hour <= day * HOURS_PER_DAY

        state0 = next_state(self.state[0], self.crashed[0], u_state, 1.0, base)
        state1 = next_state(
            self.state[1], self.crashed[1], u_state, self.keep if exposed else 1.0, base
        )
        self.state[0], self.state[1] = state0, state1
        active0, active1 = state0 == ACTIVE, state1 == ACTIVE

        draw = self.sessions_mean * noise
        sessions0 = math.floor(draw + u_round) if active0 else 0
        crashed0 = active0 and u_crash < base.crash_rate
        if exposed:
            days_on_build = max(day - self.install_hour / HOURS_PER_DAY, 0.0)
            lift = self.sessions_lift + self.novelty_peak * 2.0 ** (
                -days_on_build / case.effect.novelty_half_life_days
            )
            factor = 1.0 + max(lift, MIN_SESSION_FACTOR - 1.0)
            sessions1 = math.floor(draw * factor + u_round) if active1 else 0
            uses = math.floor(self.uses_per_day * noise + u_round) if active1 else 0
            crash_p = base.crash_rate + (1.0 - base.crash_rate) * self.oom_crash
            crashed1 = active1 and u_crash < crash_p
            battery1 = drain * (1.0 + case.effect.battery) + uses * self.battery_per_use
            latency1 = self.latency + self.model_latency
            sensor1 = self.sensor_level + case.effect.sensor
        else:
            sessions1 = math.floor(draw + u_round) if active1 else 0
            uses = 0
            crashed1 = active1 and u_crash < base.crash_rate
            battery1, latency1, sensor1 = drain, self.latency, self.sensor_level
        self.feature_uses += uses
        self._add(0, day, active0, sessions0, crashed0, drain, self.latency, self.sensor_level)
        self._add(1, day, active1, sessions1, crashed1, battery1, latency1, sensor1)

    def _add(self, arm, day, active, sessions, crashed, battery, latency, sensor) -> None:
        self.crashed[arm] = crashed
        if not active:
            return
        self.active_days[arm] += 1
        self.sessions[arm] += sessions
        self.crashes[arm] += crashed
        if self.has_battery:
            self.battery_sum[arm] += battery
            self.battery_days[arm] += 1
        self.latency_sum[arm] += latency
        self.sensor_sum[arm] += sensor
        self.last_active_end[arm] = day + 1


class Model:
    """The SimPy environment, the OTA server, the stage offers and the devices."""

    def __init__(self, scenario: Scenario, devices: int, days: int, seed: int) -> None:
        self.scenario = scenario
        self.case = Case(scenario, devices, days)
        self.env = simpy.Environment()
        self.server = simpy.Resource(self.env, capacity=self.case.capacity)
        self.offers = [self.env.event() for _ in scenario.rollout.stages]
        # One 128-bit seed a device from one SeedSequence: independent, reproducible streams.
        words = np.random.SeedSequence(seed).generate_state(2 * devices, dtype=np.uint64).tolist()
        self.devices = [Device(self, words[2 * i] << 64 | words[2 * i + 1]) for i in range(devices)]

    def stage_controller(self) -> Generator[simpy.Event, object, None]:
        """Offer each stage, then wait its bake days (gates are not modelled: see above)."""
        env = self.env
        yield env.timeout(OFFER_OFFSET_HOURS)
        for index, stage in enumerate(self.scenario.rollout.stages):
            self.offers[index].succeed()
            yield env.timeout(stage.bake_days * HOURS_PER_DAY)

    def counterfactual_start(self) -> float:
        """When a download requested now would start, first come first served, taking no slot.

        Every download holds its slot for exactly one hour and slots are granted in request
        order, so ``server.users`` is in the order the slots free up, and the j-th request
        waiting in line starts when ``users[j % capacity]`` frees its slot, ``j // capacity``
        hours later.
        """
        server, now = self.server, self.env.now
        if server.count < server.capacity:
            return now
        waiting = len(server.queue)
        user = server.users[waiting % server.capacity]
        # A slot granted this instant may not have recorded its start yet: that start is now.
        return getattr(user, "started", now) + 1.0 + waiting // server.capacity

    def run(self) -> None:
        env = self.env
        env.process(self.stage_controller())
        for device in self.devices:
            env.process(device.life())
        env.run(until=self.case.days * HOURS_PER_DAY + 1)


@dataclass(frozen=True)
class ProcessResult:
    """Per-arm means of the process-per-device model, and how long it took."""

    devices: int
    days: int
    seconds: float  # wall time
    cpu_seconds: float  # CPU time of this process (steadier on a busy machine)
    capacity_per_hour: int
    observed: dict[str, dict[str, float]]  # arm -> metric -> mean, each device in its own arm
    potential: dict[str, dict[str, float]]  # arm -> metric -> mean over every device (truth)
    installed: int
    failed: int

    @property
    def device_days_per_second(self) -> float:
        return self.devices * self.days / self.seconds


def _metrics(device: Device, arm: int, days: int) -> dict[str, float]:
    active = device.active_days[arm]
    return {
        "sessions": device.sessions[arm],
        "active_days": active,
        "crashes": device.crashes[arm],
        "feature_uses": device.feature_uses if arm == 1 else 0.0,
        "retained": float(device.last_active_end[arm] > days - RETAINED_WINDOW_DAYS),
        "latency_ms": device.latency_sum[arm] / active if active else math.nan,
    }


def _means(rows: list[dict[str, float]]) -> dict[str, float]:
    out = {}
    for name in rows[0] if rows else ():
        values = [row[name] for row in rows if not math.isnan(row[name])]
        out[name] = sum(values) / len(values) if values else math.nan
    return out


def simulate_processes(
    scenario: Scenario | None = None, devices: int = 20_000, days: int = 28, seed: int = 0
) -> ProcessResult:
    """Build and run the process-per-device model; the time includes building the fleet."""
    scenario = scenario if scenario is not None else load_scenario(CASE)
    started, cpu_started = time.perf_counter(), time.process_time()
    model = Model(scenario, devices, days, seed)
    model.run()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    control = [d for d in model.devices if not d.treatment]
    treatment = [d for d in model.devices if d.treatment]
    return ProcessResult(
        devices=devices,
        days=days,
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        capacity_per_hour=model.case.capacity,
        observed={
            "control": _means([_metrics(d, 0, days) for d in control]),
            "treatment": _means([_metrics(d, 1, days) for d in treatment]),
        },
        potential={
            "control": _means([_metrics(d, 0, days) for d in model.devices]),
            "treatment": _means([_metrics(d, 1, days) for d in model.devices]),
        },
        installed=sum(d.treatment and d.install_hour < math.inf for d in model.devices),
        failed=sum(d.treatment and d.failed for d in model.devices),
    )


def engine_means(scenario: Scenario, devices: int, days: int, seed: int) -> dict:
    """The same means from ``sim.simulate`` (observed telemetry, and the hidden truth)."""
    from sim import simulate

    started = time.perf_counter()
    result = simulate(scenario, seed=seed, devices=devices, days=days)
    seconds = time.perf_counter() - started
    table = result.devices
    observed = {
        arm: {m: float(table.loc[table["arm"] == arm, m].mean()) for m in ("sessions", "crashes")}
        for arm in ("control", "treatment")
    }
    truth = result.truth[result.truth["segment_kind"] == "all"].set_index("metric")
    potential = {
        "control": {m: float(truth.loc[m, "control_mean"]) for m in ("sessions", "crashes")},
        "treatment": {m: float(truth.loc[m, "treatment_mean"]) for m in ("sessions", "crashes")},
    }
    installed = int(result.rollout["installed"].iloc[-1])
    return {
        "seconds": seconds,
        "observed": observed,
        "potential": potential,
        "installed": installed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compare", action="store_true", help="also run sim.simulate")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    scenario = load_scenario(CASE)
    result = simulate_processes(scenario, args.devices, args.days, args.seed)
    engine = engine_means(scenario, args.devices, args.days, args.seed) if args.compare else None
    if args.json:
        payload = {"processes": result.__dict__, "engine": engine}
        print(json.dumps(payload, indent=2, default=float))
        return
    print(
        f"process per device: {args.devices:,} devices x {args.days} days in "
        f"{result.seconds:.1f} s = {result.device_days_per_second:,.0f} device-days/s "
        f"(OTA capacity {result.capacity_per_hour} downloads/h; "
        f"{result.installed:,} installed, {result.failed:,} failed)"
    )
    rows = [("process per device", result.observed, result.potential)]
    if engine is not None:
        print(f"sim.simulate: {engine['seconds']:.2f} s ({engine['installed']:,} installed)")
        rows.append(("sim.simulate", engine["observed"], engine["potential"]))
    print(
        "| model | metric | control (observed) | treatment (observed) | "
        "control (all devices) | treatment (all devices) |"
    )
    print("|---|---|---|---|---|---|")
    for name, observed, potential in rows:
        for metric in ("sessions", "crashes"):
            print(
                f"| {name} | {metric} | {observed['control'][metric]:.3f} | "
                f"{observed['treatment'][metric]:.3f} | {potential['control'][metric]:.3f} | "
                f"{potential['treatment'][metric]:.3f} |"
            )


if __name__ == "__main__":
    main()
