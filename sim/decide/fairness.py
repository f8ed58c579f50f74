"""Is a case fair? The data rule at the case's decision day against the truth's right call,
over a few seeds: the case editor's preview (``benchmarks/bench_fairness.py`` runs it at full
size over more seeds).

For each seed the run to the case's horizon gives the truth and its right call; the same fleet
through the decision day gives the readout a person has, and the data rule's call on it. Ship
calls agree when they put the build on the same devices. A case is fair when they agree in at
least :data:`FAIR_SHARE` of seeds.

>>> from sim import load_scenario
>>> preview = preview_case(load_scenario("scenarios/aa_test.toml"), seeds=2, devices=2_000)
>>> preview.share, [seed.right for seed in preview.seeds]
(1.0, ['iterate', 'iterate'])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.decide.decision import decide, right_call
from sim.decide.scorecard import support
from sim.engine.simulation import simulate
from sim.limits import PREVIEW_MAX_DEVICES, PREVIEW_SEEDS
from sim.readout.lean import lean_report
from sim.readout.report import run_through

if TYPE_CHECKING:
    import pandas as pd

    from sim.case.scenario import Scenario
    from sim.engine.result import SimResult

FAIR_SHARE = 0.80
"""A case is fair when the data rule reaches the right call in at least this share of seeds."""
AGREE = 0.999


@dataclass(frozen=True)
class SeedCall:
    """One seed: the truth's right call and the data rule's call at the decision day."""

    seed: int
    right: str
    data: str
    agree: bool


@dataclass(frozen=True)
class CasePreview:
    """A small run of a case: its size, each seed's two calls, the share that agree, and the
    first seed's true effect on the primary metric per segment."""

    devices: int
    decision_day: int
    seeds: tuple[SeedCall, ...]
    truth: pd.DataFrame

    @property
    def share(self) -> float:
        """The share of seeds where the data rule's call is the right call."""
        return sum(seed.agree for seed in self.seeds) / len(self.seeds)

    @property
    def fair(self) -> bool:
        return self.share >= FAIR_SHARE


def preview_case(case: Scenario, seeds: int = PREVIEW_SEEDS,
                 devices: int | None = None) -> CasePreview:
    """Run ``case`` on ``seeds`` seeds (0, 1, ...) at ``devices`` (default: the case's size,
    at most :data:`~sim.limits.PREVIEW_MAX_DEVICES`) and compare the calls (see the module)."""
    size = devices if devices is not None else min(case.fleet.size, PREVIEW_MAX_DEVICES)
    metric = case.experiment.primary_metric
    runs = [seed_call(case, seed, size) for seed in range(seeds)]
    first = runs[0][1].truth
    return CasePreview(devices=size, decision_day=case.experiment.decision_day,
                       seeds=tuple(call for call, _ in runs),
                       truth=first[first["metric"] == metric].reset_index(drop=True))


def seed_call(case: Scenario, seed: int, devices: int | None = None) -> tuple[SeedCall, SimResult]:
    """One seed of a case (at ``devices``, default the case's size): the two calls, and the run.

    >>> from sim import load_scenario
    >>> call, _ = seed_call(load_scenario("scenarios/aa_test.toml"), 0, 2_000)
    >>> call.right, call.agree
    ('iterate', True)
    """
    day = case.experiment.decision_day
    result = simulate(case, seed=seed, devices=devices)
    early = run_through(result, day)
    data = decide(lean_report(early), decision_day=day, result=early)
    right = right_call(result)
    return SeedCall(seed, right.label(), data.label(),
                    support(data, right, result.devices) >= AGREE), result
