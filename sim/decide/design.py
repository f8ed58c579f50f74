"""The design against the best design: the same fleet, re-simulated under every design.

A case's design knobs on the feature (quantization, the lowest chip tier that gets the model)
are part of the call. The engine draws each device's outcomes from streams keyed by seed,
purpose, day and block (common random numbers), so re-running a seed under another design
gives the same fleet and the same people: the difference in value is the design's alone,
exact and not estimated. For each design the best call's value (:mod:`sim.decide.value`) says
what that design could have earned on this fleet.

>>> from sim import load_scenario, simulate
>>> case = load_scenario("scenarios/camera_night_mode.toml")
>>> [sorted(design) for design in design_grid(case)][:1]
[['feature.lowest_tier', 'feature.quantization']]
>>> len(design_grid(case))
12
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sim import messages
from sim.analysis.frame import AnalysisResult
from sim.case.knobs import knob_choices
from sim.decide.value import CallValues
from sim.decide.words import pct

if TYPE_CHECKING:
    from sim.case.knobs import Knob
    from sim.case.scenario import Scenario
    from sim.engine.result import SimResult

SAME_VALUE = 0.98
"""A design within this share of the best design's value is as good (the rollout's timing
moves a design's value a little even where it ships to the same devices)."""
MAX_DESIGNS = 24
"""At most this many designs are compared (the grid of the case's feature design knobs)."""
Runner = Callable[["Scenario", int, int, int], "SimResult"]
"""Simulates a design: ``runner(scenario, seed, devices, days)``."""



@dataclass(frozen=True)
class DesignValue(AnalysisResult):
    """One design: its knob values, its best call on this fleet and that call's value."""

    knobs: Mapping[str, Any]
    label: str
    best_call: str
    value: float
    gain: float


@dataclass(frozen=True)
class DesignComparison(AnalysisResult):
    """Every design compared; ``fraction`` is the person's design's best value over the best
    design's (1 when no design is worth shipping, or the case has no design to choose)."""

    designs: tuple[DesignValue, ...]
    yours: DesignValue | None
    best: DesignValue | None
    fraction: float
    reading: str
    values: Mapping[str, CallValues] = field(default_factory=dict, repr=False, compare=False)


def design_knobs(scenario: Scenario) -> list[Knob]:
    """The case's design knobs on the feature that take a list of options."""
    return [knob for knob in scenario.knobs
            if knob.role == "design" and knob.path.startswith("feature.")
            and knob.options is not None]


def design_grid(scenario: Scenario) -> list[dict[str, Any]]:
    """Every combination of the feature's design knob options (at most :data:`MAX_DESIGNS`)."""
    knobs = design_knobs(scenario)
    if not knobs:
        return []
    choices = [[(knob.path, value) for value in knob_choices(scenario, knob)] for knob in knobs]
    return [dict(combo) for combo in itertools.product(*choices)][:MAX_DESIGNS]


def design_label(scenario: Scenario, knobs: Mapping[str, Any]) -> str:
    """A design in words, e.g. ``int4, mid and above``.

    >>> from sim import load_scenario
    >>> case = load_scenario("scenarios/camera_night_mode.toml")
    >>> design_label(case, {"feature.quantization": "int4", "feature.lowest_tier": "mid"})
    'int4, mid and above'
    """
    parts = []
    for path, value in knobs.items():
        if path == "feature.lowest_tier":
            tiers = scenario.fleet.tier_names()
            parts.append(messages.DESIGN_ALL_TIERS if value in (None, tiers[-1])
                         else messages.DESIGN_FROM_TIER.format(tier=value))
        else:
            parts.append(str(value))
    return ", ".join(parts)


def _key(knobs: Mapping[str, Any]) -> str:
    return ";".join(f"{path}={value}" for path, value in sorted(knobs.items()))


def design_comparison(result: SimResult, runner: Runner | None = None) -> DesignComparison:
    """Re-simulate ``result``'s fleet (same seed and size) under every design of its case and
    compare the best call of each with the design the run used (``runner`` simulates a design;
    default :func:`sim.simulate`).

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=2_000)
    >>> design_comparison(result).reading
    'This case has no design to choose: the feature is what it is.'
    """
    scenario = result.scenario
    grid = design_grid(scenario)
    if not grid:
        return DesignComparison((), None, None, 1.0, messages.DESIGN_NONE)
    if runner is None:
        from sim.engine.simulation import simulate

        def runner(case: Scenario, seed: int, devices: int, days: int) -> SimResult:
            return simulate(case, seed=seed, devices=devices, days=days)

    yours_knobs = {path: scenario.get(path) for path in grid[0]}
    devices, days = len(result.devices), result.days
    others = [knobs for knobs in grid if _key(knobs) != _key(yours_knobs)]
    computed = [CallValues(runner(scenario.with_knobs(knobs), result.seed, devices, days))
                for knobs in others]
    values = {_key(knobs): call_values for knobs, call_values in zip(others, computed,
                                                                     strict=True)}
    values[_key(yours_knobs)] = CallValues(result)
    designs = []
    for knobs in grid:
        best = values[_key(knobs)].best()
        designs.append(DesignValue(knobs=dict(knobs), label=design_label(scenario, knobs),
                                   best_call=best.label, value=best.value, gain=best.gain))
    yours = next((d for d in designs if _key(d.knobs) == _key(yours_knobs)), None)
    best = max(designs, key=lambda d: d.value)
    if yours is None:  # the run's design is off the grid (a value the knobs do not list)
        top = values[_key(yours_knobs)].best()
        yours = DesignValue(yours_knobs, design_label(scenario, yours_knobs), top.label,
                            top.value, top.gain)
    fraction = 1.0 if best.value <= 0 or yours.value >= SAME_VALUE * best.value else \
        min(max(yours.value / best.value, 0.0), 1.0)
    if best.value <= 0:
        reading = messages.DESIGN_NOTHING_SHIPS
    elif yours.value >= SAME_VALUE * best.value:
        reading = messages.DESIGN_BEST.format(yours=yours.label, call=yours.best_call,
                                              gain=pct(yours.gain))
    else:
        reading = messages.DESIGN_BETTER.format(best=best.label, call=best.best_call,
                                                gain=pct(best.gain), yours=yours.label,
                                                your_call=yours.best_call,
                                                your_gain=pct(yours.gain))
    return DesignComparison(tuple(designs), yours, best, fraction, reading, values)


def values_for(comparison: DesignComparison, knobs: Mapping[str, Any]) -> CallValues | None:
    """The call values under a design of the comparison (``None``: not compared)."""
    return comparison.values.get(_key(knobs))
