"""The fleet's behaviour without the feature: sessions, a Markov chain over active / dormant /
churned, crashes, battery, latency, a sensor score and distraction events.

>>> Baseline(sessions_per_day=4.0).p_active_to_dormant
0.08
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from sim import messages
from sim.case.fields import Probability, bounded
from sim.case.frozen import FrozenModel


class Baseline(FrozenModel):
    """Behaviour without the feature: a Markov chain over active / dormant / churned."""

    sessions_per_day: bounded(0.0, 1_000.0, above=True)
    sessions_spread: bounded(0.0, 2.0, above=True) = 0.5
    device_spread: Annotated[float, Field(ge=0.0, le=2.0)] = 0.6
    p_active_to_dormant: Probability = 0.08
    p_dormant_to_active: Probability = 0.35
    p_active_to_churned: Probability = 0.002
    p_dormant_to_churned: Probability = 0.01
    crash_rate: Probability = 0.004
    crash_churn_boost: Probability = 0.03
    battery_drain_pct: bounded(0.0, 100.0) = 18.0
    battery_spread: Annotated[float, Field(ge=0.0, le=1.0)] = 0.25
    latency_ms: bounded(0.0, 60_000.0) = 40.0
    latency_spread: Annotated[float, Field(ge=0.0, le=1.0)] = 0.15
    sensor_score: bounded(0.0, 10_000.0) = 50.0
    sensor_spread: bounded(0.0, 1_000.0) = 8.0
    # Safety-related events per active day (e.g. eyes-off-road alerts from a car's driver
    # monitoring camera); 0 means the fleet does not measure them.
    distraction_per_day: bounded(0.0, 1_000.0) = 0.0

    @model_validator(mode="after")
    def _each_state_keeps_a_chance_to_stay(self) -> Baseline:
        for state, moves in (("active", (self.p_active_to_dormant, self.p_active_to_churned)),
                             ("dormant", (self.p_dormant_to_active, self.p_dormant_to_churned))):
            if sum(moves) > 1.0:
                raise ValueError(messages.MARKOV_ROW.format(state=state, total=sum(moves)))
        return self
