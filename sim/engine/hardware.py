"""What the on-device model costs on each chip tier: latency, memory, energy and quality.

A two-term roofline: an inference takes as long as the slower of its compute (operations over
the NPU's effective throughput) and its weight traffic (weight bytes over memory bandwidth).
Small vision models are compute-bound; language models decode one token per pass over the
weights and are bandwidth-bound. The public magnitudes behind the constants are cited inline.

>>> from sim.case.scenario import load_scenario
>>> case = load_scenario("scenarios/camera_night_mode.toml")
>>> profile = hardware_profile(case.feature, case.fleet.chip_tiers)
>>> bool(profile.latency_ms[0] < profile.latency_ms[-1])  # flagship faster than entry
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.case.feature import Feature, Quantization
from sim.case.fleet import ChipTier

# Bytes per weight: parameters x bytes per weight (DOMAIN.md: fp16 2, int8 1, int4 0.5).
BYTES_PER_WEIGHT: dict[Quantization, float] = {"fp16": 2.0, "int8": 1.0, "int4": 0.5}

# NPU throughput relative to the vendor's int8 TOPS. int8 is about twice as fast as float on
# an NPU (DOMAIN.md); int4 weights mostly save memory traffic, and NPUs that run int4 natively
# gain less than a second doubling, so we credit 1.3x over int8.
COMPUTE_SPEED: dict[Quantization, float] = {"fp16": 0.5, "int8": 1.0, "int4": 1.3}

# Share of the effect that survives quantization. Post-training int8 typically costs well under
# 1-2% accuracy; 4-bit weight quantization costs several percent on small models.
QUALITY: dict[Quantization, float] = {"fp16": 1.0, "int8": 0.98, "int4": 0.9}

# Sustained NPU utilisation of its peak TOPS; real models reach a fraction of the datasheet.
NPU_UTILISATION = 0.35
# Fraction of peak memory bandwidth a decode loop achieves. With it a 3B model at 4 bits
# (1.5 GB of weights) decodes ~20 tokens/s on a ~50 GB/s flagship, inside the public 15-30
# tokens/s range (DOMAIN.md).
BANDWIDTH_EFFICIENCY = 0.6
# Activations and runtime buffers on top of the weights.
RUNTIME_OVERHEAD = 0.2

# Battery capacity by device type in watt-hours (typical phone ~4,000 mAh at 3.85 V = 15 Wh;
# a smartwatch ~300 mAh = 1.2 Wh). Mains-powered devices have none; an EV's traction battery
# dwarfs any inference, so it is treated as mains-powered.
BATTERY_WH: dict[str, float] = {"phone": 15.0, "wearable": 1.2, "tv": 0.0, "speaker": 0.0, "ev": 0.0}

# Free RAM for apps, as a share of installed RAM: the OS, resident services and other apps
# hold the rest. Each device draws its own share in this range.
FREE_RAM_SHARE = (0.25, 0.55)


@dataclass(frozen=True)
class HardwareProfile:
    """Per-tier costs of running the feature's model (arrays in the case's tier order)."""

    tiers: tuple[str, ...]
    latency_ms: np.ndarray
    weights_mb: float
    footprint_mb: float
    energy_j_per_use: np.ndarray
    quality: float
    latency_budget_ms: float
    ram_gb: np.ndarray

    def over_budget(self) -> np.ndarray:
        """How far each tier's latency is over the budget, as a share (0 when within it)."""
        return np.maximum(self.latency_ms / self.latency_budget_ms - 1.0, 0.0)

    def typical_free_ram_mb(self) -> np.ndarray:
        """Free RAM for a device in the middle of the free-RAM range, per tier."""
        return self.ram_gb * 1024.0 * float(np.mean(FREE_RAM_SHARE))

    def table(self, uses_per_day: float) -> pd.DataFrame:
        """A per-tier feasibility table for people: latency, memory and phone battery cost.

        >>> from sim.case.scenario import load_scenario
        >>> case = load_scenario("scenarios/camera_night_mode.toml")
        >>> profile = hardware_profile(case.feature, case.fleet.chip_tiers)
        >>> list(profile.table(3.0).columns)[:3]
        ['chip_tier', 'latency_ms', 'latency_budget_ms']
        """
        free = self.typical_free_ram_mb()
        return pd.DataFrame(
            {
                "chip_tier": list(self.tiers),
                "latency_ms": self.latency_ms,
                "latency_budget_ms": self.latency_budget_ms,
                "within_budget": self.latency_ms <= self.latency_budget_ms,
                "footprint_mb": self.footprint_mb,
                "typical_free_ram_mb": free,
                "fits_in_memory": self.footprint_mb <= free,
                "oom_per_use": oom_probability_per_use(self.footprint_mb, free),
                "phone_battery_pct_per_day": battery_pct(
                    self.energy_j_per_use * uses_per_day, BATTERY_WH["phone"]
                ),
                "quality": self.quality,
            }
        )


def hardware_profile(feature: Feature, tiers: Sequence[ChipTier]) -> HardwareProfile:
    """Latency, memory, energy and quality of the feature's model on each chip tier.

    >>> from sim.case.scenario import load_scenario
    >>> case = load_scenario("scenarios/camera_night_mode.toml")
    >>> fp16 = hardware_profile(case.feature.model_copy(update={"quantization": "fp16"}), case.fleet.chip_tiers)
    >>> int8 = hardware_profile(case.feature, case.fleet.chip_tiers)
    >>> bool((int8.latency_ms < fp16.latency_ms).all())
    True
    """
    quant = feature.quantization
    tops = np.array([t.npu_tops for t in tiers], dtype=np.float64)
    bandwidth = np.array([t.mem_bandwidth_gbs for t in tiers], dtype=np.float64)
    power = np.array([t.npu_power_w for t in tiers], dtype=np.float64)
    weights_mb = feature.params_m * BYTES_PER_WEIGHT[quant]
    # GOPs / (TOPS x 1000 GOPs per TOPS-second) seconds = GOPs / TOPS milliseconds.
    compute_ms = feature.gops_per_inference / (tops * NPU_UTILISATION * COMPUTE_SPEED[quant])
    # MB / (GB/s) = ms.
    memory_ms = weights_mb / (bandwidth * BANDWIDTH_EFFICIENCY)
    latency_ms = np.maximum(compute_ms, memory_ms) * feature.inferences_per_use
    return HardwareProfile(
        tiers=tuple(t.name for t in tiers),
        latency_ms=latency_ms,
        weights_mb=weights_mb,
        footprint_mb=weights_mb * (1.0 + RUNTIME_OVERHEAD) + feature.kv_cache_mb,
        energy_j_per_use=latency_ms / 1000.0 * power,
        quality=QUALITY[quant] if feature.params_m > 0 else 1.0,
        latency_budget_ms=feature.latency_budget_ms,
        ram_gb=np.array([t.ram_gb for t in tiers], dtype=np.float64),
    )


def free_ram_mb(ram_gb: np.ndarray, draw: np.ndarray) -> np.ndarray:
    """Free RAM per device from its installed RAM and a uniform draw in [0, 1).

    More RAM with the same draw never gives less free memory.

    >>> free_ram_mb(np.array([8.0, 12.0]), np.array([0.5, 0.5])).round()
    array([3277., 4915.])
    """
    low, high = FREE_RAM_SHARE
    share = draw * (high - low)
    share += low
    share *= ram_gb * 1024.0
    return share


def oom_probability_per_use(footprint_mb: float, free_mb: np.ndarray) -> np.ndarray:
    """Chance that one use is killed for memory, rising once the model nears free RAM.

    Below 70% of free RAM nothing is killed; at 130% and beyond half of all uses are.

    >>> oom_probability_per_use(1000.0, np.array([4000.0, 1000.0, 500.0])).round(2)
    array([0.  , 0.25, 0.5 ])
    """
    pressure = footprint_mb / np.maximum(free_mb, 1.0)
    return np.clip((pressure - 0.7) / 0.6, 0.0, 1.0) * 0.5


def battery_pct(energy_j: np.ndarray | float, battery_wh: float) -> np.ndarray | float:
    """Energy in joules as a percentage of a battery (0 for mains-powered devices).

    >>> float(battery_pct(540.0, 15.0))
    1.0
    """
    if battery_wh <= 0:
        return np.zeros_like(np.asarray(energy_j, dtype=np.float64))
    return np.asarray(energy_j) / (battery_wh * 3600.0) * 100.0
