"""What a call is worth on this very fleet: its value against the hidden truth.

The truth table holds each segment's true effect (common random numbers: the same devices
under both arms), so the value of shipping to a set of segments is known exactly. Values are
in units of the primary metric's relative change over the whole fleet, over the plan's
horizon (:data:`PLAN_DAYS`):

* **gain** - the devices that get the build change the primary metric by their true effect
  (oriented: lower battery drain is a gain);
* **cost of shipping** - :data:`SHIP_COST` for every share of the fleet the build reaches (an
  over-the-air update, a model to maintain, a risk): a change below it is not worth a launch,
  the same threshold the truth's rule uses (:data:`~sim.decide.rule.MIN_LIFT`);
* **harm** - where a guardrail is worse than its margin, :data:`BREACH_COST` for the share it
  reaches plus :data:`HARM_RATE` times how far past the margin: a guardrail is a promise, so
  breaking it costs more than most lifts are worth;
* **not shipping** keeps the experiment's treatment arm on the build for a while (iterate:
  :data:`ITERATE_DAYS`; extend: until the day it names) and rolls nothing out; a rollback
  takes it off at once.

Value is additive over the segments of one kind, so the best and the worst ship sets of a
kind are the segments of positive and of negative value: the calls available are ship to
all, ship to each kind's best and worst sets, and the three that ship nothing.
:func:`value_fraction` places a call between them. Two calls that put the build on the same
devices - "ship to flagship, upper_mid and mid" when entry phones are not eligible, and "ship
to all" - have the same value.

>>> from sim import load_scenario, simulate
>>> from sim.decide.decision import Decision
>>> result = simulate(load_scenario("scenarios/camera_night_mode.toml"), seed=1, devices=20_000)
>>> values = CallValues(result)
>>> best = values.best()
>>> best.label, values.fraction(Decision(call="iterate", expected_lift=0, decision_day=28))
('ship to flagship, upper_mid and mid (chip_tier)', 0.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.analysis.frame import AnalysisResult
from sim.case.metrics import METRICS, SEGMENT_KINDS
from sim.decide.rule import EXTEND_DAYS, MIN_LIFT
from sim.decide.words import call_label
from sim.engine.truth import TruthTable

if TYPE_CHECKING:
    from sim.decide.decision import Decision
    from sim.engine.result import SimResult

SHIP_COST = MIN_LIFT
"""Value lost per share of the fleet the build reaches."""
BREACH_COST = 0.25
"""Value lost per share reached where a guardrail is past its margin."""
HARM_RATE = 2.0
"""Value lost per share reached per unit of relative worsening beyond the margin."""
PLAN_DAYS = 90
"""The horizon a launch is valued over (a shipped build keeps paying, or costing)."""
ITERATE_DAYS = 14
"""How long an iterate keeps the experiment's treatment arm on the build."""


@dataclass(frozen=True)
class CallValue(AnalysisResult):
    """One call's value: ``gain - cost - harm`` (see the module), with its parts."""

    label: str
    call: str
    segment_kind: str | None
    segments: tuple[str, ...]
    reach: float
    gain: float
    cost: float
    harm: float
    value: float


class CallValues:
    """The value of every call on one run (built once; each lookup is arithmetic)."""

    def __init__(self, result: SimResult) -> None:
        case = result.scenario
        self.metric = case.experiment.primary_metric
        self.guardrails = case.experiment.guardrails
        self.truth = TruthTable(result.truth)
        self.decision_day = case.experiment.decision_day
        self.treatment_share = case.experiment.treatment_share
        devices = result.devices
        self.fleet = len(devices)
        baseline = self.truth.row(self.metric)
        total = float(baseline["control_mean"]) * float(baseline["devices"]) if baseline is not None \
            else 0.0
        self._scale = abs(total) if total else 1.0
        self._sign = METRICS[self.metric].sign
        # Devices that would get the model if their segment ships (the design's eligibility).
        self._eligible = {
            kind: {str(name): int(count) for name, count in
                   devices.loc[devices["eligible"], kind].value_counts().items()}
            for kind in SEGMENT_KINDS
        }
        self._units = {kind: self._segment_units(kind) for kind in SEGMENT_KINDS}
        # Segments in the case's own order (best chip tier first), for calls in words.
        self._order = {kind: {name: index for index, name in enumerate(case.segment_names(kind))}
                       for kind in SEGMENT_KINDS}

    def _segment_units(self, kind: str) -> dict[str, tuple[float, float, float]]:
        """Each segment's (gain, cost, harm) if it ships."""
        units = {}
        for segment, devices in self.truth.segments(kind):
            row = self.truth.row(self.metric, kind, segment)
            gain = 0.0 if row is None else self._sign * float(row["abs_effect"]) * devices / \
                self._scale
            reach = self._eligible[kind].get(segment, 0) / self.fleet
            harm = 0.0
            for guardrail in self.guardrails:
                rel = self.truth.rel(guardrail.metric, kind, segment)
                if not math.isfinite(rel):
                    continue
                worse_by = -rel if guardrail.higher_is_better else rel
                if worse_by > guardrail.margin:
                    harm += reach * (BREACH_COST + HARM_RATE * min(worse_by - guardrail.margin, 1.0))
            units[segment] = (gain if math.isfinite(gain) else 0.0, SHIP_COST * reach, harm)
        return units

    def _ship(self, kind: str, segments: Sequence[str]) -> tuple[float, float, float, float]:
        parts = [self._units[kind][s] for s in segments if s in self._units[kind]]
        gain, cost, harm = (float(np.sum([p[i] for p in parts])) for i in range(3))
        return gain, cost, harm, cost / SHIP_COST

    def _ship_all(self) -> tuple[float, float, float, float]:
        # Every kind splits the same fleet; the harm is the worst any kind's segments show
        # (a breach inside one tier is a breach however the fleet is cut).
        totals = [self._ship(kind, list(self._units[kind])) for kind in SEGMENT_KINDS
                  if self._units[kind]]
        gain, cost, _, reach = totals[0]
        return gain, cost, max(t[2] for t in totals), reach

    def _keep(self, days: float) -> float:
        # The experiment's treatment arm stays on the build: its value for those days.
        gain, _, harm, _ = self._ship_all()
        return self.treatment_share * (gain - harm) * max(days, 0.0) / PLAN_DAYS

    def value(self, decision: Decision) -> CallValue:
        """The value of a decision's call on this run.

        >>> from sim import load_scenario, simulate
        >>> from sim.decide.decision import Decision
        >>> values = CallValues(simulate(load_scenario("scenarios/aa_test.toml"), seed=0,
        ...                               devices=2_000))
        >>> values.value(Decision(call="rollback", expected_lift=0, decision_day=28)).value
        0.0
        """
        call, kind, segments = decision.call, decision.segment_kind, tuple(decision.segments)
        if call == "ship_all":
            gain, cost, harm, reach = self._ship_all()
        elif call == "ship_segments":
            gain, cost, harm, reach = self._ship(kind, segments)
        else:
            reach, gain, cost = 0.0, 0.0, 0.0
            if call == "iterate":
                gain = self._keep(ITERATE_DAYS)
            elif call == "extend":
                later = getattr(decision, "extend_to", None)
                gain = self._keep((later - decision.decision_day) if later else EXTEND_DAYS)
            harm = 0.0
        value = gain - cost - harm
        return CallValue(call_label(call, kind, segments), call, kind, segments, reach, gain,
                         cost, harm, value)

    def candidates(self) -> list[CallValue]:
        """The calls available: ship to all, each kind's best and worst ship sets, and the calls
        that ship nothing."""
        from sim.decide.decision import Decision

        calls = [Decision(call=c, expected_lift=0, decision_day=self.decision_day)
                 for c in ("ship_all", "iterate", "extend", "rollback")]
        for kind, units in self._units.items():
            ordered = sorted(units, key=lambda s: self._order[kind].get(s, len(units)))
            net = {s: units[s][0] - units[s][1] - units[s][2] for s in ordered}
            for chosen in ([s for s, v in net.items() if v > 0], [s for s, v in net.items() if v < 0]):
                if chosen and len(chosen) < len(units):
                    calls.append(Decision(call="ship_segments", segment_kind=kind,
                                          segments=chosen, expected_lift=0,
                                          decision_day=self.decision_day))
        return [self.value(c) for c in calls]

    def best(self) -> CallValue:
        """The most valuable call available (ties: the one that ships least)."""
        return max(self.candidates(), key=lambda v: (round(v.value, 12), -v.reach))

    def fraction(self, decision: Decision) -> float:
        """Where a call sits between the calls available, from 0 to 1.

        When shipping something is worth more than shipping nothing, the scale runs from the
        best of the calls that ship nothing (0) to the best call (1): holding back earns
        nothing, and a ship set earns its share of the gain. When nothing is worth shipping,
        it runs from the worst call (0) to the best (1).
        """
        options = self.candidates()
        best = max(v.value for v in options)
        nothing = max(v.value for v in options if v.reach == 0)
        floor = nothing if best > nothing + 1e-12 else min(v.value for v in options)
        if best - floor <= 1e-12:
            return 1.0
        return float(min(max((self.value(decision).value - floor) / (best - floor), 0.0), 1.0))
