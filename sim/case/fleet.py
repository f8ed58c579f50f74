"""The fleet a case simulates: its size and horizon, device-type mix, chip tiers and regions.

>>> tier = ChipTier(name="flagship", share=1.0, npu_tops=45.0, mem_bandwidth_gbs=77.0, ram_gb=12.0)
>>> fleet = Fleet(size=2_000, days=28, device_types={"phone": 1.0}, chip_tiers=(tier,),
...               regions=(Region(name="europe", share=1.0),))
>>> fleet.tier_names()
('flagship',)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.case.fields import NAME, SHARE_TOLERANCE, bounded
from sim.case.frozen import FrozenModel
from sim.limits import MAX_DAYS, MAX_DEVICES, MIN_DEVICES

DeviceType = Literal["phone", "wearable", "tv", "speaker", "ev"]
Network = Literal["good", "fair", "poor"]
Share = Annotated[float, Field(ge=0.0, le=1.0)]


def _check_sums_to_one(shares: Mapping[str, float], what: str) -> None:
    total = sum(shares.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ValueError(f"{what} must sum to 1 (they sum to {total:g})")


class ChipTier(FrozenModel):
    """A chip tier: NPU throughput, memory bandwidth and RAM, and its share of the fleet."""

    name: Annotated[str, Field(pattern=NAME, max_length=40)]
    share: Share
    npu_tops: bounded(0.0, 10_000.0, above=True)  # int8 TOPS as vendors quote them
    mem_bandwidth_gbs: bounded(0.0, 10_000.0, above=True)
    ram_gb: bounded(0.0, 1_024.0, above=True)
    npu_power_w: bounded(0.0, 1_000.0, above=True) = 3.0
    # Relative daily use by owners of this tier (multiplies the device-type engagement).
    engagement: bounded(0.0, 100.0, above=True) = 1.0
    # Install failure multiplier: phones with little free storage fail big OTA packages more.
    install_failure_mult: bounded(0.0, 100.0, above=True) = 1.0


class Region(FrozenModel):
    """A region with its network quality (which drives install failures)."""

    name: Annotated[str, Field(pattern=NAME, max_length=40)]
    share: Share
    network: Network = "good"


class Fleet(FrozenModel):
    """The device population the case simulates."""

    size: Annotated[int, Field(ge=MIN_DEVICES, le=MAX_DEVICES)]
    days: Annotated[int, Field(ge=1, le=MAX_DAYS)]
    pre_days: Annotated[int, Field(ge=0, le=60)] = 14
    device_types: dict[DeviceType, Share]
    chip_tiers: Annotated[tuple[ChipTier, ...], Field(min_length=1, max_length=12)]
    regions: Annotated[tuple[Region, ...], Field(min_length=1, max_length=12)]
    household_size_mean: Annotated[float, Field(ge=1.0, le=8.0)] = 2.5
    # The intra-class correlation of engagement within a household: the share of the
    # variance of a device's (log) engagement propensity that its household shares. Homes
    # differ (one family streams all evening, another barely switches the TV on), so devices
    # of one home are not independent units; 0.1-0.3 is typical of household panels.
    household_correlation: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0

    @model_validator(mode="after")
    def _mixes_sum_to_one(self) -> Fleet:
        for what, names in (
            ("chip tier", [t.name for t in self.chip_tiers]),
            ("region", [r.name for r in self.regions]),
        ):
            if len(set(names)) != len(names):
                raise ValueError(f"each {what} name must be unique (got {names})")
        _check_sums_to_one(self.device_types, "device_types shares")
        _check_sums_to_one({t.name: t.share for t in self.chip_tiers}, "chip_tiers shares")
        _check_sums_to_one({r.name: r.share for r in self.regions}, "regions shares")
        return self

    def tier_names(self) -> tuple[str, ...]:
        """Chip tier names, best first as listed in the case."""
        return tuple(t.name for t in self.chip_tiers)
