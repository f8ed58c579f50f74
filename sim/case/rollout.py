"""The staged over-the-air rollout: its stages, the delivery system, gates and scripted incidents.

>>> rollout = Rollout(stages=(Stage(share=0.1, bake_days=3), Stage(share=1.0, bake_days=0)))
>>> [stage.share for stage in rollout.stages], rollout.cooldown_days
([0.1, 1.0], 2)
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.case.fields import SHARE_TOLERANCE, Probability, bounded
from sim.case.frozen import FrozenModel
from sim.limits import MAX_DAYS, MAX_DEVICES

GateAction = Literal["pause", "halt", "rollback"]
GateMetric = Literal["crash_rate", "battery_drain", "latency_ms"]


class Stage(FrozenModel):
    """One rollout stage: the cumulative share of treatment devices offered, and its bake time."""

    share: Annotated[float, Field(gt=0.0, le=1.0)]
    bake_days: Annotated[int, Field(ge=0, le=60)]


class Gate(FrozenModel):
    """A guardrail checked at the end of each bake: what is measured and what a breach does."""

    metric: GateMetric
    max_rel_increase: bounded(0.0, 100.0) | None = None
    max_value: bounded(0.0, 1_000_000.0) | None = None
    min_exposed: Annotated[int, Field(ge=1, le=MAX_DEVICES)] = 200
    action: GateAction = "halt"
    # Rate gates breach only when the rate is above the threshold at this one-sided level,
    # so a handful of crashes in a 1% stage does not halt a healthy rollout.
    alpha: Annotated[float, Field(gt=0.0, lt=0.5)] = 0.05

    @model_validator(mode="after")
    def _has_a_threshold(self) -> Gate:
        if self.max_rel_increase is None and self.max_value is None:
            raise ValueError("a gate needs max_rel_increase, max_value or both")
        return self


class Incident(FrozenModel):
    """A scripted incident: a bad firmware batch or an OTA server outage."""

    kind: Literal["bad_batch", "ota_outage"]
    day: bounded(0.0, MAX_DAYS)
    duration_days: bounded(0.0, MAX_DAYS, above=True) = 1.0
    extra_crash_rate: Probability = 0.0


class Rollout(FrozenModel):
    """The staged over-the-air rollout plan and the delivery system behind it."""

    stages: Annotated[tuple[Stage, ...], Field(min_length=1, max_length=20)]
    cooldown_days: Annotated[int, Field(ge=0, le=30)] = 2
    max_pauses: Annotated[int, Field(ge=0, le=10)] = 2
    ota_gbps: bounded(0.0, 10_000.0, above=True) = 2.0
    base_package_mb: bounded(0.0, 100_000.0) = 40.0
    checkin_mean_hours: bounded(0.0, 24.0 * 30, above=True) = 10.0
    reboot_mean_hours: bounded(0.0, 24.0 * 60, above=True) = 18.0
    install_failure_rate: Probability = 0.03
    gates: Annotated[tuple[Gate, ...], Field(max_length=10)] = ()
    incidents: Annotated[tuple[Incident, ...], Field(max_length=20)] = ()

    @model_validator(mode="after")
    def _stages_grow_to_all(self) -> Rollout:
        shares = [s.share for s in self.stages]
        if any(b <= a for a, b in zip(shares, shares[1:], strict=False)):
            raise ValueError(f"stage shares must increase (got {shares})")
        if abs(shares[-1] - 1.0) > SHARE_TOLERANCE:
            raise ValueError(f"the last stage must offer the build to all (share 1.0, got {shares[-1]})")
        return self
