"""How often a rollout gate trips by luck: a crash-rate gate on a small stage, when the build
changes nothing.

A gate breaches when the stage's crash rate is above its threshold and a one-sided binomial
test against the threshold is below the gate's alpha (as :mod:`sim.engine.rollout` checks it).
With ``trials`` device-days at a true daily crash rate ``rate``, the crash count is binomial;
the gate needs at least ``events_needed`` crashes, and the chance of a false alarm is the
binomial tail from there.

>>> result = gate_trip_chance(trials=200, rate=0.004, threshold=0.0109, alpha=0.05)
>>> result.events_needed, round(result.chance, 6)
(6, 0.000174)
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy.stats import binom

from sim import messages
from sim.analysis.frame import AnalysisResult


@dataclass(frozen=True)
class GateTripResult(AnalysisResult):
    """The fewest crashes that trip the gate (``None``: none can) and the chance of that many
    or more at the true rate."""

    trials: int
    rate: float
    threshold: float
    alpha: float
    events_needed: int | None
    chance: float
    reading: str


def events_to_trip(trials: int, threshold: float, alpha: float) -> int | None:
    """The fewest events among ``trials`` that breach: a rate above ``threshold`` and a
    one-sided binomial p-value against it below ``alpha`` (``None`` when no count does).

    >>> events_to_trip(200, 0.0109, 0.05)
    6
    """
    for events in range(int(threshold * trials) + 1, trials + 1):
        if events / trials > threshold and binom.sf(events - 1, trials, threshold) < alpha:
            return events
    return None


def gate_trip_chance(trials: int, rate: float, threshold: float, alpha: float) -> GateTripResult:
    """The chance a gate trips by luck (see the module)."""
    needed = events_to_trip(trials, threshold, alpha) if trials > 0 else None
    chance = 0.0 if needed is None else float(binom.sf(needed - 1, trials, rate))
    reading = (messages.GATE_TRIP_NEVER.format(trials=trials) if needed is None else
               messages.GATE_TRIP_READING.format(trials=trials, needed=needed,
                                                 threshold=threshold, chance=chance,
                                                 rate=rate))
    return GateTripResult(int(trials), float(rate), float(threshold), float(alpha), needed,
                          chance, reading)
