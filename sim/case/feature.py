"""The feature under test: its on-device model (size, quantization, compute, memory, latency
budget), where it runs, and its effect on behaviour (:class:`Effect`).

>>> feature = Feature(name="Night mode", params_m=120.0, effect=Effect(sessions=0.04))
>>> feature.quantization, feature.effect.sessions
('int8', 0.04)
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from sim.case.fields import bounded
from sim.case.fleet import DeviceType
from sim.case.frozen import FrozenModel

Quantization = Literal["fp16", "int8", "int4"]
Relative = Annotated[float, Field(ge=-0.9, le=5.0)]
"""A relative change (``0.05`` is +5%): from -90% to +500%."""


class Effect(FrozenModel):
    """How the feature changes behaviour when it runs well (before hardware penalties)."""

    sessions: Annotated[float, Field(ge=-0.9, le=2.0)] = 0.0
    retention: Annotated[float, Field(ge=-0.9, le=0.9)] = 0.0
    battery: Annotated[float, Field(ge=-0.9, le=2.0)] = 0.0
    sensor: bounded(-1_000.0, 1_000.0) = 0.0
    novelty_peak: Annotated[float, Field(ge=0.0, le=2.0)] = 0.0
    novelty_half_life_days: bounded(0.0, 365.0, above=True) = 5.0
    latency_penalty: bounded(0.0, 10.0) = 0.3
    # Relative change in distraction events on the build, plus this much more for every 100%
    # the model runs over its latency budget (a slow answer pulls the eyes to the screen).
    distraction: Relative = 0.0
    distraction_latency_penalty: bounded(0.0, 10.0) = 0.0
    # Relative change in sessions on any device when every *other* device in its household
    # runs the build (scaled by the share that does): an ecosystem feature spilling over.
    household_spillover: Annotated[float, Field(ge=-0.9, le=2.0)] = 0.0
    by_chip_tier: dict[str, Annotated[float, Field(ge=-5.0, le=5.0)]] = {}
    by_device_type: dict[DeviceType, Annotated[float, Field(ge=-5.0, le=5.0)]] = {}
    by_region: dict[str, Annotated[float, Field(ge=-5.0, le=5.0)]] = {}


class Feature(FrozenModel):
    """The feature and the on-device model behind it."""

    name: Annotated[str, Field(min_length=1, max_length=120)]
    # Model parameters in millions (0: no on-device model); up to a trillion.
    params_m: bounded(0.0, 1_000_000.0)
    quantization: Quantization = "int8"
    gops_per_inference: bounded(0.0, 1_000_000.0) = 0.0
    inferences_per_use: bounded(1.0, 10_000.0) = 1.0
    kv_cache_mb: bounded(0.0, 1_000_000.0) = 0.0
    uses_per_day: bounded(0.0, 10_000.0) = 3.0
    latency_budget_ms: bounded(0.0, 600_000.0, above=True) = 100.0
    device_types: Annotated[tuple[DeviceType, ...], Field(min_length=1)] = (
        "phone",
        "wearable",
        "tv",
        "speaker",
        "ev",
    )
    lowest_tier: str | None = None
    effect: Effect = Effect()
