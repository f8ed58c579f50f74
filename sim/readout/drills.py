"""Probability drills built from a person's own run, each checked against exact arithmetic on
the run's tables and shown with its worked solution.

The gate drill: the chance that the first rollout stage trips the crash gate by luck - the
stage's device-days, the control arm's crash rate as the truth, the gate's threshold and
alpha, then the binomial tail (:mod:`sim.analysis.gates`).

>>> from sim import load_scenario, simulate
>>> drill = gate_drill(simulate(load_scenario("scenarios/aa_test.toml"), seed=1, devices=50_000))
>>> drill.stage_devices, drill.bake_days, drill.answer.events_needed
(258, 1, 6)
>>> drill.check(drill.answer.chance), drill.check(drill.answer.chance + 0.2)
(True, False)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim import messages
from sim.analysis.gates import GateTripResult, gate_trip_chance

if TYPE_CHECKING:
    from sim.engine.result import SimResult

ABSOLUTE_TOLERANCE = 0.002
"""An answer within this many probability points of the exact chance is right..."""
RELATIVE_TOLERANCE = 0.10
"""...or within this share of it."""


@dataclass(frozen=True)
class GateDrill:
    """The gate drill of one run: the numbers the person works with and the exact answer."""

    stage_share: float
    stage_devices: int
    bake_days: int
    rate: float
    threshold: float
    alpha: float
    answer: GateTripResult

    def check(self, guess: float) -> bool:
        """Whether a guessed probability (0.01 is 1%) matches the exact chance."""
        gap = abs(float(guess) - self.answer.chance)
        return gap <= max(ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE * self.answer.chance)

    def question(self) -> str:
        """The drill as the interviewer asks it."""
        return messages.GATE_DRILL_QUESTION.format(
            share=self.stage_share, devices=self.stage_devices, days=self.bake_days,
            rate=self.rate, threshold=self.threshold, alpha=self.alpha)

    def solution(self) -> tuple[str, ...]:
        """The worked solution, step by step."""
        answer = self.answer
        steps = [messages.GATE_STEP_TRIALS.format(devices=self.stage_devices,
                                                  days=self.bake_days, trials=answer.trials)]
        if answer.events_needed is None:
            return (*steps, answer.reading)
        return (*steps,
                messages.GATE_STEP_NEEDED.format(needed=answer.events_needed,
                                                 trials=answer.trials,
                                                 threshold=self.threshold, alpha=self.alpha),
                messages.GATE_STEP_CHANCE.format(needed=answer.events_needed,
                                                 last=answer.events_needed - 1,
                                                 trials=answer.trials, rate=self.rate,
                                                 chance=answer.chance))


def gate_drill(result: SimResult) -> GateDrill | None:
    """The gate drill of a run (``None`` when the case has no crash-rate gate)."""
    scenario = result.scenario
    gate = next((g for g in scenario.rollout.gates if g.metric == "crash_rate"), None)
    if gate is None:
        return None
    devices = result.devices
    control = devices[devices["arm"] == "control"]
    rate = float(control["crashes"].sum() / max(control["active_days"].sum(), 1))
    limits = [limit for limit in (gate.max_value, None if gate.max_rel_increase is None
                                  else rate * (1.0 + gate.max_rel_increase)) if limit is not None]
    stage = scenario.rollout.stages[0]
    first = int(((devices["arm"] == "treatment") & (devices["stage"] == 0)).sum())
    days = max(stage.bake_days, 1)  # a stage without bake time is checked after one day
    answer = gate_trip_chance(first * days, rate, min(limits), gate.alpha)
    return GateDrill(stage.share, first, days, rate, min(limits), gate.alpha, answer)
