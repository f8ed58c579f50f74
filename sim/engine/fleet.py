"""The device population as a struct of numpy arrays, and sticky experiment assignment.

One row a device, never one Python object a device. Segment columns are small integer codes
into the case's lists (``device_types``, ``tiers``, ``regions``).

>>> import numpy as np
>>> from sim.case.scenario import load_scenario
>>> case = load_scenario("scenarios/aa_test.toml")
>>> fleet = build_fleet(case, np.random.default_rng(0), 1_000, seed=0)
>>> fleet.size, fleet.treatment.dtype
(1000, dtype('bool'))
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from sim.case.metrics import BATTERY_DEVICE_TYPES
from sim.case.scenario import Scenario
from sim.engine.hardware import free_ram_mb

# Relative daily engagement by device type (a phone is picked up far more often than a TV is
# switched on); multiplies the case's baseline sessions per day.
ENGAGEMENT_BY_TYPE: dict[str, float] = {
    "phone": 1.0,
    "wearable": 0.7,
    "tv": 0.35,
    "speaker": 0.3,
    "ev": 0.4,
}
# Install failure multiplier by network quality: a few % on good networks, far more on poor
# ones (DOMAIN.md).
INSTALL_FAILURE_BY_NETWORK: dict[str, float] = {"good": 1.0, "fair": 2.0, "poor": 5.0}


@dataclass(frozen=True)
class Fleet:
    """Per-device arrays; every array has one entry per device."""

    device_types: tuple[str, ...]
    tiers: tuple[str, ...]
    regions: tuple[str, ...]
    device_id: np.ndarray
    household_id: np.ndarray
    device_type: np.ndarray
    tier: np.ndarray
    region: np.ndarray
    ram_gb: np.ndarray
    free_ram_mb: np.ndarray
    engagement: np.ndarray
    has_battery: np.ndarray
    install_failure_rate: np.ndarray
    treatment: np.ndarray
    stage: np.ndarray
    eligible: np.ndarray
    clock_skew: np.ndarray
    n_control: int

    @property
    def size(self) -> int:
        """Number of devices."""
        return int(self.device_id.shape[0])

    def pick(self, control: np.ndarray, treatment: np.ndarray, start: int = 0) -> np.ndarray:
        """Each device's value under the arm it is in (control devices come first).

        ``control`` and ``treatment`` may cover a block of devices beginning at ``start``.

        >>> import numpy as np
        >>> from sim.case.scenario import load_scenario
        >>> case = load_scenario("scenarios/aa_test.toml")
        >>> fleet = build_fleet(case, np.random.default_rng(0), 200, seed=0)
        >>> picked = fleet.pick(np.zeros(200), np.ones(200))
        >>> bool((picked == fleet.treatment).all())
        True
        >>> bool((fleet.pick(np.zeros(50), np.ones(50), 100) == fleet.treatment[100:150]).all())
        True
        """
        split = min(max(self.n_control - start, 0), control.shape[0])
        picked = control.copy()
        picked[split:] = treatment[split:]
        return picked


def stable_hash_uniform(keys: np.ndarray, salt: str) -> np.ndarray:
    """A uniform number in [0, 1) per key, the same on every machine and every run.

    Assignment must be sticky: the same unit and experiment always land in the same arm,
    so it comes from a hash (splitmix64 of key xor salt), not from a random stream.

    >>> stable_hash_uniform(np.array([1, 2, 3]), "exp").round(3)
    array([0.489, 0.452, 0.595])
    """
    salt_int = int.from_bytes(hashlib.blake2b(salt.encode(), digest_size=8).digest(), "little")
    # In place, on one array: uint64 arithmetic wraps modulo 2**64 by itself, and at ten
    # million keys every temporary costs more in fresh memory than in arithmetic (10x here).
    x = keys.astype(np.uint64)
    x ^= np.uint64(salt_int)
    x += np.uint64(0x9E3779B97F4A7C15)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    x >>= np.uint64(11)
    uniform = x.astype(np.float64)
    uniform *= 1.0 / 2.0**53
    return uniform


def _draw_codes(rng: np.random.Generator, shares: list[float], n: int) -> np.ndarray:
    return _bin_codes(rng.random(n), np.cumsum(shares)[:-1])


def _bin_codes(draw: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The bin of each draw among ascending ``edges``: how many edges are at or below it.

    ``np.searchsorted(edges, draw, side="right")``, counted with one comparison an edge:
    binary search over a handful of edges costs ten times more per draw.

    >>> _bin_codes(np.array([0.1, 0.5, 0.7, 0.99]), np.array([0.5, 0.8]))
    array([0, 1, 1, 2], dtype=int8)
    """
    codes = np.zeros(draw.shape, dtype=np.int8)
    for edge in edges:
        codes += draw >= edge
    return codes


def _households(rng: np.random.Generator, n: int, mean_size: float) -> np.ndarray:
    # Household sizes are 1 + Poisson(mean - 1); devices fill households in order.
    expected = int(n / mean_size * 1.2) + 10
    sizes = 1 + rng.poisson(mean_size - 1.0, expected)
    while sizes.sum() < n:
        sizes = np.concatenate([sizes, 1 + rng.poisson(mean_size - 1.0, expected)])
    return np.repeat(np.arange(sizes.shape[0], dtype=np.int32), sizes)[:n]


def assignment_salt(experiment_id: str, seed: int) -> str:
    """The salt of a run's arm and stage hashes: the experiment and the seed.

    Within a run a unit's arm is sticky (a hash, not a draw, so it does not depend on the
    fleet's order or on the knobs); across seeds the split is a fresh randomisation, as two
    real experiments would be, so replications show the sampling variation of the split too.

    >>> assignment_salt("night_mode_v1", 7)
    'night_mode_v1:7'
    """
    return f"{experiment_id}:{seed}"


def household_engagement(rng: np.random.Generator, household_id: np.ndarray,
                         independent: np.ndarray, correlation: float) -> np.ndarray:
    """Standard normal engagement scores with intra-class correlation ``correlation`` within
    a household: ``√ρ · h_household + √(1-ρ) · e_device``.

    >>> rng = np.random.default_rng(0)
    >>> home = np.repeat(np.arange(20_000), 2)
    >>> z = household_engagement(rng, home, rng.standard_normal(40_000), 0.3)
    >>> bool(abs(np.corrcoef(z[0::2], z[1::2])[0, 1] - 0.3) < 0.02)
    True
    """
    if correlation == 0:
        return independent
    score = rng.standard_normal(int(household_id.max()) + 1)[household_id]
    score *= np.sqrt(correlation)
    score += np.sqrt(1.0 - correlation) * independent
    return score


def build_fleet(scenario: Scenario, rng: np.random.Generator, n: int, seed: int,
                mapper: Callable[..., Iterator] = map) -> Fleet:
    """Draw ``n`` devices for a case: types, chip tiers, regions, households and arms.

    Arms and rollout stages come from stable hashes of the randomisation unit (device or
    household) salted with the experiment id and the seed (:func:`assignment_salt`), so they
    are sticky within a run and fresh for every seed. ``mapper`` (``map``, or a thread pool's)
    puts the columns in the fleet's order; the fleet is the same either way.

    >>> from sim.case.scenario import load_scenario
    >>> case = load_scenario("scenarios/aa_test.toml")
    >>> fleet = build_fleet(case, np.random.default_rng(1), 20_000, seed=1)
    >>> bool(abs(fleet.treatment.mean() - case.experiment.treatment_share) < 0.02)
    True
    """
    spec = scenario.fleet
    device_types = tuple(spec.device_types)
    tiers = spec.tier_names()
    regions = tuple(r.name for r in spec.regions)

    device_type = _draw_codes(rng, list(spec.device_types.values()), n)
    tier = _draw_codes(rng, [t.share for t in spec.chip_tiers], n)
    region = _draw_codes(rng, [r.share for r in spec.regions], n)
    household_id = _households(rng, n, spec.household_size_mean)
    tier_ram_gb = np.array([t.ram_gb for t in spec.chip_tiers], dtype=np.float32)
    free = free_ram_mb(tier_ram_gb[tier].astype(np.float64), rng.random(n)).astype(np.float32)
    spread = scenario.baseline.device_spread
    # Mean-one lognormal propensity: heavy users stay heavy, which is what CUPED exploits.
    score = rng.standard_normal(n, dtype=np.float32)
    skew_draw = rng.random(n)
    skew_rate = scenario.telemetry.clock_skew_rate
    # -1 (behind) below half the rate, +1 (ahead) up to the rate, else 0.
    clock_skew = (skew_draw < skew_rate).view(np.int8) - 2 * (skew_draw < skew_rate / 2).view(np.int8)
    # Drawn last, so a fleet without household correlation keeps every other draw.
    score = household_engagement(rng, household_id, score, spec.household_correlation)
    propensity = np.exp(score * spread - spread**2 / 2).astype(np.float32)

    experiment = scenario.experiment
    unit = household_id if experiment.unit == "household" else np.arange(n, dtype=np.int32)
    salt = assignment_salt(experiment.id, seed)
    treatment = stable_hash_uniform(unit, f"{salt}:arm") < experiment.treatment_share
    stage_shares = np.array([s.share for s in scenario.rollout.stages])
    stage_draw = stable_hash_uniform(unit, f"{salt}:stage")
    stage = np.minimum(_bin_codes(stage_draw, stage_shares), len(stage_shares) - 1).astype(np.int8)

    # Devices are stored control first, treatment after, and by segment within each arm:
    # picking each device's arm is then two slices instead of a branchy select over a random
    # mask, and per-segment sums are contiguous runs. `device_id` keeps the original order and
    # the devices table is sorted back by it.
    segment = (tier.astype(np.int64) * len(device_types) + device_type) * len(regions) + region
    key = treatment * (len(tiers) * len(device_types) * len(regions)) + segment
    # A stable sort's order depends only on the keys; keys that fit 16 bits (every real case)
    # sort by radix, in linear time, instead of by merging.
    small = key.max(initial=0) < 2**15
    order = np.argsort(key.astype(np.int16) if small else key, kind="stable")
    drawn = {
        "household_id": household_id, "device_type": device_type, "tier": tier,
        "region": region, "free_ram_mb": free, "propensity": propensity,
        "treatment": treatment, "stage": stage, "clock_skew": clock_skew,
    }
    # Gathers of ten million values each (numpy releases the interpreter lock in them); what
    # follows from a device's codes is looked up after the gather, which costs far less than
    # gathering it.
    ordered = dict(zip(drawn, mapper(lambda values: values[order], drawn.values()), strict=True))
    device_type, tier, region = ordered["device_type"], ordered["tier"], ordered["region"]
    type_engagement = np.array([ENGAGEMENT_BY_TYPE[t] for t in device_types], dtype=np.float32)
    tier_engagement = np.array([t.engagement for t in spec.chip_tiers], dtype=np.float32)
    network_mult = np.array(
        [INSTALL_FAILURE_BY_NETWORK[r.network] for r in spec.regions], dtype=np.float32
    )
    tier_failure_mult = np.array(
        [t.install_failure_mult for t in spec.chip_tiers], dtype=np.float32
    )
    feature = scenario.feature
    type_ok = np.array([t in feature.device_types for t in device_types])[device_type]
    lowest = tiers.index(feature.lowest_tier) if feature.lowest_tier else len(tiers) - 1
    return Fleet(
        device_types=device_types,
        tiers=tiers,
        regions=regions,
        device_id=order.astype(np.int32),
        household_id=ordered["household_id"],
        device_type=device_type,
        tier=tier,
        region=region,
        ram_gb=tier_ram_gb[tier],
        free_ram_mb=ordered["free_ram_mb"],
        engagement=(ordered["propensity"] * type_engagement[device_type]
                    * tier_engagement[tier]).astype(np.float32),
        has_battery=np.array([t in BATTERY_DEVICE_TYPES for t in device_types])[device_type],
        install_failure_rate=np.minimum(
            scenario.rollout.install_failure_rate * network_mult[region] * tier_failure_mult[tier],
            0.95,
        ).astype(np.float32),
        treatment=ordered["treatment"],
        stage=ordered["stage"],
        eligible=type_ok & (tier <= lowest),
        clock_skew=ordered["clock_skew"],
        n_control=int(n - np.count_nonzero(treatment)),
    )
