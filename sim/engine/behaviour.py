"""Daily behaviour of every device under both arms, from the same random numbers.

Each device follows a Markov chain over active / dormant / churned. On an active day it has
sessions, and on the treatment build also feature uses, possible out-of-memory crashes and
extra battery drain. Control and treatment outcomes of a device are drawn from the *same*
uniforms and normals (common random numbers), so the true effect of this very sample is known
exactly: where the treatment changes nothing, both outcomes are identical.

Interference. An ecosystem feature can change how *other* devices in a household are used
(``feature.effect.household_spillover``): a device's sessions then depend on its own exposure
and on the share of the other devices in its household that run the build. Three outcomes
exist then, all from the same random numbers:

- control potential outcome: no device in the household runs the build;
- treatment potential outcome: *every* device that would get the build runs it (the device
  itself and its household), so the truth table's effect is the global effect of shipping to
  everyone against shipping to no one;
- the realised outcome under the actual assignment: own exposure and the household share
  that really runs the build. This is what telemetry reports. Under device randomisation a
  control device in a household with treated devices also gets the spillover, which is why
  comparing arms underestimates the global effect; household randomisation keeps whole
  households in one arm, so the realised outcome is one of the two potential outcomes.

>>> import numpy as np
>>> from sim.case.scenario import load_scenario
>>> from sim.engine.fleet import build_fleet
>>> from sim.engine.hardware import hardware_profile
>>> case = load_scenario("scenarios/aa_test.toml")
>>> fleet = build_fleet(case, np.random.default_rng(0), 2_000, seed=0)
>>> model = Behaviour(case, fleet, hardware_profile(case.feature, case.fleet.chip_tiers),
...                   np.random.default_rng(1))
>>> from sim.engine.rollout import DayExposure
>>> n = fleet.size
>>> everyone = DayExposure(exposed=np.ones(n, bool), on_build=fleet.treatment.copy(),
...     install_hour=np.zeros(n, np.float32), day=0, extra_crash=None,
...     failed_install=np.zeros(n, bool))
>>> day = model.step(0, np.random.default_rng(2), slice(0, n), everyone)
>>> bool((day.sessions[0] == day.sessions[1]).all())  # the A/A feature changes nothing
True
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from sim.case.metrics import RETAINED_WINDOW_DAYS
from sim.case.scenario import Scenario
from sim.engine.fleet import Fleet
from sim.engine.hardware import BATTERY_WH, HardwareProfile, oom_probability_per_use
from sim.engine.rollout import DayExposure

ACTIVE, DORMANT, CHURNED = 0, 1, 2
# A lift below -95% would make sessions negative; the feature can at worst nearly stop use.
_MIN_SESSION_FACTOR = 0.05


@dataclass(frozen=True)
class DeviceEffects:
    """What the treatment build does to each device when installed (arrays, one per device)."""

    sessions_lift: np.ndarray
    novelty_peak: np.ndarray
    retention_lift: np.ndarray
    oom_crash_per_day: np.ndarray
    battery_pct_per_use: np.ndarray
    model_latency_ms: np.ndarray
    uses_per_day: np.ndarray
    distraction_lift: np.ndarray

    def part(self, block: slice) -> DeviceEffects:
        """The effects of a block of devices (views, no copies)."""
        return DeviceEffects(**{name: getattr(self, name)[block]
                                for name in self.__dataclass_fields__})


def device_effects(scenario: Scenario, fleet: Fleet, profile: HardwareProfile) -> DeviceEffects:
    """The per-device effect of the build from the case's effects and the hardware profile.

    The lift in sessions scales with the model's quality after quantization and the segment
    multipliers, and loses ``latency_penalty`` for every 100% the tier runs over the latency
    budget. A use killed for memory delivers none of the feature's value, so the gains (lift,
    novelty, retention) shrink by the share of uses that are killed. Distraction rises by
    ``distraction`` plus ``distraction_latency_penalty`` for every 100% over the budget.
    Devices that are not eligible never get the build, so their effects do not matter.

    >>> import numpy as np
    >>> from sim.case.scenario import load_scenario
    >>> from sim.engine.fleet import build_fleet
    >>> from sim.engine.hardware import hardware_profile
    >>> case = load_scenario("scenarios/aa_test.toml")
    >>> fleet = build_fleet(case, np.random.default_rng(0), 100, seed=0)
    >>> effects = device_effects(case, fleet, hardware_profile(case.feature, case.fleet.chip_tiers))
    >>> float(np.abs(effects.sessions_lift).max())
    0.0
    """
    feature = scenario.feature
    effect = feature.effect
    tier_mult = np.array([effect.by_chip_tier.get(t, 1.0) for t in fleet.tiers], dtype=np.float32)
    type_mult = np.array(
        [effect.by_device_type.get(t, 1.0) for t in fleet.device_types], dtype=np.float32
    )
    region_mult = np.array([effect.by_region.get(r, 1.0) for r in fleet.regions], dtype=np.float32)
    segment = tier_mult[fleet.tier] * type_mult[fleet.device_type] * region_mult[fleet.region]
    penalty = (effect.latency_penalty * profile.over_budget()).astype(np.float32)[fleet.tier]
    quality = np.float32(profile.quality)
    uses = np.float32(feature.uses_per_day) * fleet.engagement
    oom_use = oom_probability_per_use(profile.footprint_mb, fleet.free_ram_mb.astype(np.float64))
    oom_day = 1.0 - np.power(1.0 - oom_use, uses.astype(np.float64))
    completed = (1.0 - oom_use).astype(np.float32)
    distraction = effect.distraction + effect.distraction_latency_penalty * profile.over_budget()
    battery_wh = np.array([BATTERY_WH[t] for t in fleet.device_types])[fleet.device_type]
    energy = profile.energy_j_per_use[fleet.tier]
    pct_per_use = np.where(
        battery_wh > 0, energy / np.maximum(battery_wh, 1e-9) / 3600.0 * 100.0, 0.0
    )
    return DeviceEffects(
        sessions_lift=(quality * effect.sessions * segment * completed - penalty).astype(np.float32),
        novelty_peak=(quality * effect.novelty_peak * segment * completed).astype(np.float32),
        retention_lift=(quality * effect.retention * segment * completed).astype(np.float32),
        oom_crash_per_day=oom_day.astype(np.float32),
        battery_pct_per_use=pct_per_use.astype(np.float32),
        model_latency_ms=profile.latency_ms.astype(np.float32)[fleet.tier],
        uses_per_day=uses,
        distraction_lift=distraction.astype(np.float32)[fleet.tier],
    )


@dataclass(frozen=True)
class DayOutcome:
    """One day's potential outcomes: each field is ``(control, treatment)`` arrays.

    ``realised_sessions`` is set only under household interference, where what a device
    reports is neither potential outcome; ``distraction`` only when the case measures it.
    """

    active: tuple[np.ndarray, np.ndarray]
    sessions: tuple[np.ndarray, np.ndarray]
    feature_uses: np.ndarray
    crashed: tuple[np.ndarray, np.ndarray]
    battery: tuple[np.ndarray, np.ndarray]
    latency_ms: tuple[np.ndarray, np.ndarray]
    sensor: tuple[np.ndarray, np.ndarray]
    reporting: tuple[np.ndarray, np.ndarray]
    realised_sessions: np.ndarray | None = None
    distraction: tuple[np.ndarray, np.ndarray] | None = None


class Behaviour:
    """Advances every device one day under both arms and keeps the true per-device totals."""

    def __init__(
        self,
        scenario: Scenario,
        fleet: Fleet,
        profile: HardwareProfile,
        rng: np.random.Generator,
    ) -> None:
        base = scenario.baseline
        n = fleet.size
        self._base = base
        self._fleet = fleet
        self._effects = device_effects(scenario, fleet, profile)
        self._sensor_effect = np.float32(scenario.feature.effect.sensor)
        self._battery_effect = np.float32(scenario.feature.effect.battery)
        self._half_life = np.float32(scenario.feature.effect.novelty_half_life_days)
        self._has_novelty = bool(self._effects.novelty_peak.any())
        self._sessions_mean = (base.sessions_per_day * fleet.engagement).astype(np.float32)
        self._distraction_mean = (
            (base.distraction_per_day * fleet.engagement).astype(np.float32)
            if base.distraction_per_day > 0
            else None
        )
        self._spillover = np.float32(scenario.feature.effect.household_spillover)
        stationary_active = base.p_dormant_to_active / (
            base.p_dormant_to_active + base.p_active_to_dormant + 1e-12
        )
        start = np.where(rng.random(n) < stationary_active, ACTIVE, DORMANT).astype(np.int8)
        self.state = [start, start.copy()]
        self._crashed_before = [np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)]
        noise = base.latency_spread
        self._latency = (
            base.latency_ms * np.exp(rng.standard_normal(n) * noise - noise**2 / 2)
        ).astype(np.float32)
        level = base.sensor_score + base.sensor_spread * rng.standard_normal(n)
        # The device's level persists; pre and post periods each add their own smaller noise.
        wobble = 0.3 * base.sensor_spread
        self.pre_sensor = (level + wobble * rng.standard_normal(n)).astype(np.float32)
        self.sensor_level = (level + wobble * rng.standard_normal(n)).astype(np.float32)
        pre_days = scenario.fleet.pre_days
        # The pre-period is drawn in aggregate: the same device propensity over pre_days days,
        # with the day-to-day noise of a sum of that many active days.
        active_days = max(pre_days * stationary_active, 1.0)
        pre_noise = base.sessions_spread / np.sqrt(active_days)
        self.pre_sessions = (
            self._sessions_mean
            * active_days
            * np.exp(rng.standard_normal(n) * pre_noise - pre_noise**2 / 2)
        ).astype(np.float32) * np.float32(pre_days > 0)
        self.totals = [DeviceTotals(n), DeviceTotals(n)]

    @functools.cached_property
    def _homes(self) -> tuple[np.ndarray, np.ndarray]:
        """Each device's household index, and one over the number of *other* devices in it."""
        household = self._fleet.household_id.astype(np.int64)
        others = (np.bincount(household)[household] - 1).astype(np.float32)
        per_other = np.where(others > 0, 1.0 / np.maximum(others, 1.0), 0.0)
        return household, per_other.astype(np.float32)

    def household_share(self, running: np.ndarray) -> np.ndarray:
        """Per device, the share of the *other* devices in its household marked ``running``.

        Zero for a device alone in its household.

        >>> import numpy as np
        >>> from sim.case.scenario import load_scenario
        >>> from sim.engine.fleet import build_fleet
        >>> from sim.engine.hardware import hardware_profile
        >>> case = load_scenario("scenarios/aa_test.toml")
        >>> fleet = build_fleet(case, np.random.default_rng(0), 1_000, seed=0)
        >>> model = Behaviour(case, fleet, hardware_profile(case.feature, case.fleet.chip_tiers),
        ...                   np.random.default_rng(1))
        >>> share = model.household_share(np.ones(fleet.size, dtype=bool))
        >>> sorted(set(share.tolist()))  # alone at home, or every other device running
        [0.0, 1.0]
        """
        household, per_other = self._homes
        count = np.bincount(household, weights=running, minlength=per_other.size)
        return (count.astype(np.float32)[household] - running.astype(np.float32)) * per_other

    def step(
        self,
        day: int,
        rng: np.random.Generator,
        block: slice,
        exposure: DayExposure,
        shares: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> DayOutcome:
        """Advance one day for the devices in ``block`` (a slice of the fleet).

        ``exposure`` is that block's :class:`~sim.engine.rollout.DayExposure`; ``shares`` the block's
        household shares of devices that would run / really run the build, from
        :meth:`household_shares` (only when the feature spills over within households).
        """
        base = self._base
        fleet = self._fleet
        n = block.stop - block.start
        effects = self._effects.part(block)
        exposed = exposure.exposed
        u_state = rng.random(n, dtype=np.float32)
        u_round = rng.random(n, dtype=np.float32)
        u_crash = rng.random(n, dtype=np.float32)
        one = np.float32(1.0)

        # Where the build is off, the hazard scale is exactly 1, so both arms stay identical.
        keep = one - effects.retention_lift * exposed
        for arm, scale in ((0, None), (1, keep)):
            self.state[arm][block] = self._transition(arm, block, u_state, scale)
        active = (self.state[0][block] == ACTIVE, self.state[1][block] == ACTIVE)

        noise = lognormal(rng, n, base.sessions_spread)
        draw = self._sessions_mean[block] * noise
        lift = effects.sessions_lift
        if self._has_novelty:
            decay = np.exp2(-exposure.days_on_build() / self._half_life)
            lift = lift + effects.novelty_peak * decay
        lift = np.maximum(lift, np.float32(_MIN_SESSION_FACTOR - 1.0))
        factor = one + lift * exposed
        realised = None
        if shares is not None:
            # Potential outcome: everyone who would get the build runs it. Realised: only the
            # treatment devices that really run it, own and household alike.
            floor_factor = np.float32(_MIN_SESSION_FACTOR)
            factor = np.maximum(factor + self._spillover * shares[0], floor_factor)
            realised_factor = np.maximum(
                one + lift * exposure.on_build + self._spillover * shares[1], floor_factor
            )
            realised = np.floor(draw * realised_factor + u_round) * fleet.pick(*active, block.start)
        sessions0 = np.floor(draw + u_round) * active[0]
        sessions1 = np.floor(draw * factor + u_round) * active[1]
        uses = np.floor(effects.uses_per_day * noise + u_round) * (active[1] & exposed)

        # P(crash) = base + (1 - base) * extra, so no extra leaves it exactly at base.
        extra = effects.oom_crash_per_day * exposed
        if exposure.extra_crash is not None:
            extra = one - (one - extra) * (one - exposure.extra_crash)
        crash_p1 = np.float32(base.crash_rate) + np.float32(1.0 - base.crash_rate) * extra
        crashed = (active[0] & (u_crash < base.crash_rate), active[1] & (u_crash < crash_p1))

        drain = np.float32(base.battery_drain_pct) * lognormal(rng, n, base.battery_spread)
        battery1 = drain * (one + self._battery_effect * exposed) + uses * effects.battery_pct_per_use
        latency = self._latency[block]
        latency1 = latency + effects.model_latency_ms * exposed
        sensor = self.sensor_level[block]
        sensor1 = sensor + self._sensor_effect * exposed

        distraction = None
        if self._distraction_mean is not None:
            # Drawn after every other draw of the day, so cases that do not measure
            # distraction keep exactly the same random streams.
            u_distraction = rng.random(n, dtype=np.float32)
            rate = self._distraction_mean[block] * noise
            distraction = (
                np.floor(rate + u_distraction) * active[0],
                np.floor(rate * (one + effects.distraction_lift * exposed) + u_distraction)
                * active[1],
            )

        outcome = DayOutcome(
            active=active,
            sessions=(sessions0, sessions1),
            feature_uses=uses,
            crashed=crashed,
            battery=(drain, battery1),
            latency_ms=(latency, latency1),
            sensor=(sensor, sensor1),
            reporting=(self.state[0][block] != CHURNED, self.state[1][block] != CHURNED),
            realised_sessions=realised,
            distraction=distraction,
        )
        has_battery = fleet.has_battery[block]
        for arm in (0, 1):
            self.totals[arm].add(
                day,
                block,
                active=active[arm],
                sessions=outcome.sessions[arm],
                feature_uses=uses if arm == 1 else None,
                crashed=crashed[arm],
                battery_day=active[arm] & has_battery,
                battery=outcome.battery[arm],
                latency=outcome.latency_ms[arm],
                sensor=outcome.sensor[arm],
                distraction=None if distraction is None else distraction[arm],
            )
            self._crashed_before[arm][block] = crashed[arm]
        return outcome

    def household_shares(self, exposure: DayExposure) -> tuple[np.ndarray, np.ndarray] | None:
        """Household shares of devices that would run / really run the build, for the day.

        Households span the whole fleet, so this is computed once a day before the blocks;
        ``None`` when the feature does not spill over.
        """
        if not self._spillover:
            return None
        return self.household_share(exposure.exposed), self.household_share(exposure.on_build)

    def _transition(
        self, arm: int, block: slice, u: np.ndarray, hazard_scale: np.ndarray | None
    ) -> np.ndarray:
        """One Markov step with a shared uniform: churn, switch (active <-> dormant) or stay."""
        base = self._base
        state = self.state[arm][block]
        is_active = state == ACTIVE
        churn = np.float32(base.p_dormant_to_churned) + is_active * np.float32(
            base.p_active_to_churned - base.p_dormant_to_churned
        )
        churn += (is_active & self._crashed_before[arm][block]) * np.float32(base.crash_churn_boost)
        switch = np.float32(base.p_dormant_to_active) + is_active * np.float32(
            base.p_active_to_dormant - base.p_dormant_to_active
        )
        if hazard_scale is not None:
            # The feature's retention effect scales down churn and going dormant, not waking up.
            churn *= hazard_scale
            switch *= np.float32(1.0) + is_active * (hazard_scale - np.float32(1.0))
        churns = (u < churn) | (state == CHURNED)
        switches = (u < churn + switch) & ~churns
        # Switching flips 0 <-> 1; churning sets 2.
        new = state + switches * (1 - 2 * state)
        return (new + churns * (CHURNED - new)).astype(np.int8)


class DeviceTotals:
    """Running per-device totals of the daily outcomes (truth per arm, or what was reported)."""

    def __init__(self, n: int) -> None:
        self.active_days = np.zeros(n, dtype=np.int16)
        self.sessions = np.zeros(n, dtype=np.float32)
        self.feature_uses = np.zeros(n, dtype=np.float32)
        self.crashes = np.zeros(n, dtype=np.int16)
        self.battery_sum = np.zeros(n, dtype=np.float32)
        self.battery_days = np.zeros(n, dtype=np.int16)
        self.latency_sum = np.zeros(n, dtype=np.float32)
        self.sensor_sum = np.zeros(n, dtype=np.float32)
        self.distraction_events = np.zeros(n, dtype=np.float32)
        # Last active day plus one (0: never active), so a running maximum keeps it.
        self.last_active_end = np.zeros(n, dtype=np.int16)

    def add(
        self,
        day: int,
        block: slice,
        *,
        active: np.ndarray,
        sessions: np.ndarray,
        feature_uses: np.ndarray | None,
        crashed: np.ndarray,
        battery_day: np.ndarray,
        battery: np.ndarray,
        latency: np.ndarray,
        sensor: np.ndarray,
        distraction: np.ndarray | None = None,
    ) -> None:
        """Add one day for the devices in ``block``. Battery counts on ``battery_day``; latency
        and sensor on active days."""
        self.active_days[block] += active
        self.sessions[block] += sessions
        if feature_uses is not None:
            self.feature_uses[block] += feature_uses
        self.crashes[block] += crashed
        self.battery_sum[block] += battery * battery_day
        self.battery_days[block] += battery_day
        self.latency_sum[block] += latency * active
        self.sensor_sum[block] += sensor * active
        if distraction is not None:
            self.distraction_events[block] += distraction
        last = self.last_active_end[block]
        np.maximum(last, active * np.int16(day + 1), out=last)

    def metrics(self, days: int) -> dict[str, np.ndarray]:
        """Per-device metric values; see :func:`per_device_metrics`."""
        return per_device_metrics(days, self)


def per_device_metrics(days: int, totals: DeviceTotals) -> dict[str, np.ndarray]:
    """Device-level metrics from daily totals; one definition for truth and telemetry.

    Battery drain, latency and the sensor score are means per active day (battery only on
    battery-powered devices, else NaN); ``retained`` means active in the last
    ``RETAINED_WINDOW_DAYS`` days; ``churn_day`` is the day after the last active day of a
    device that churned. Churn is a week without activity, so it can be seen only up to
    ``days - RETAINED_WINDOW_DAYS``: a retained device is right-censored there, not at the
    horizon (a device last active on the horizon's final days may yet churn).

    >>> import numpy as np
    >>> totals = DeviceTotals(1)
    >>> one = np.ones(1, dtype=bool)
    >>> for day in range(3):
    ...     totals.add(day, slice(0, 1), active=one, sessions=np.full(1, 5.0), feature_uses=None,
    ...                crashed=~one, battery_day=one, battery=np.full(1, 15.0),
    ...                latency=np.full(1, 40.0), sensor=np.full(1, 50.0))
    >>> m = per_device_metrics(10, totals)
    >>> float(m["battery_drain"][0]), int(m["retained"][0]), int(m["churn_day"][0])
    (15.0, 0, 3)
    >>> m = per_device_metrics(9, totals)  # active until day 3 of 9: not yet a week idle
    >>> int(m["retained"][0]), int(m["churn_day"][0])  # censored where churn stops being seen
    (1, 2)
    """
    t = totals
    retained = t.last_active_end > days - RETAINED_WINDOW_DAYS
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "active_days": t.active_days,
            "sessions": t.sessions,
            "feature_uses": t.feature_uses,
            "crashes": t.crashes,
            "distraction_events": t.distraction_events,
            "battery_drain": np.where(
                t.battery_days > 0, t.battery_sum / t.battery_days, np.nan
            ).astype(np.float32),
            "latency_ms": np.where(
                t.active_days > 0, t.latency_sum / t.active_days, np.nan
            ).astype(np.float32),
            "sensor_score": np.where(
                t.active_days > 0, t.sensor_sum / t.active_days, np.nan
            ).astype(np.float32),
            "retained": retained.astype(np.int8),
            "churn_day": np.where(retained, max(days - RETAINED_WINDOW_DAYS, 0),
                                  t.last_active_end).astype(np.int16),
        }


def lognormal(rng: np.random.Generator, n: int, sigma: float) -> np.ndarray:
    """Mean-one lognormal multipliers exp(sigma z - sigma^2 / 2), float32, from a quantile table.

    Five times faster than numpy's float32 ziggurat plus an exp here; each draw is exact to
    1/65,536 in probability, and the normal's tails end at about 4.2 standard deviations,
    which daily noise never needs.

    >>> x = lognormal(np.random.default_rng(0), 200_000, 0.5)
    >>> abs(float(x.mean()) - 1) < 0.01, abs(float(np.log(x).std()) - 0.5) < 0.01
    (True, True)
    """
    table = _lognormal_quantiles(float(sigma))
    return np.take(table, rng.integers(0, _QUANTILE_POINTS, n, dtype=np.uint16))


_QUANTILE_POINTS = 65_536


@functools.lru_cache(maxsize=32)
def _lognormal_quantiles(sigma: float) -> np.ndarray:
    grid = (np.arange(_QUANTILE_POINTS) + 0.5) / _QUANTILE_POINTS
    table = np.exp(sigma * ndtri(grid) - sigma * sigma / 2).astype(np.float32)
    table.flags.writeable = False
    return table
