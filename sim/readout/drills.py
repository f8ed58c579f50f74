"""Probability drills built from a person's own run, each checked against exact arithmetic on
the run's tables and shown with its worked solution.

The Markov drill: estimate the active / dormant / churned transition matrix from the control
devices' daily logs and carry "everyone active" forward to day 30 (:mod:`sim.analysis.markov`).
The Bayes drill: a prior that the weakest chip tier that gets the build is hurt (a true
sessions change of -3%, against none), updated by hand with each day's lift there in the first
week (:mod:`sim.analysis.updating`).
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

import numpy as np

from sim import messages
from sim.analysis.gates import GateTripResult, gate_trip_chance
from sim.analysis.markov import STATES, MarkovResult, n_step, transition_matrix
from sim.analysis.updating import likelihood_ratio, posterior_path

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

    def answer_share(self) -> float:
        """The exact answer as a share (0.01 is 1%)."""
        return self.answer.chance

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


MARKOV_TOLERANCE = 0.01
"""A predicted share within this many points (one percentage point) of the chain's is right."""
MARKOV_STEPS = 30


@dataclass(frozen=True)
class MarkovDrill:
    """The Markov drill of one run: the chain from the logs and the share not churned."""

    devices: int
    steps: int
    chain: MarkovResult
    answer: float
    horizon: int
    observed: float  # control devices not churned by the run's last day (this sample's truth)

    def answer_share(self) -> float:
        """The exact answer as a share (0.9 is 90%)."""
        return self.answer

    def check(self, guess: float) -> bool:
        """Whether a predicted share (0.9 is 90%) matches the chain's."""
        return abs(float(guess) - self.answer) <= MARKOV_TOLERANCE

    def question(self) -> str:
        """The drill as the interviewer asks it."""
        return messages.MARKOV_DRILL_QUESTION.format(devices=self.devices, steps=self.steps)

    def solution(self) -> tuple[str, ...]:
        """The worked solution, step by step."""
        counts = "; ".join(f"{a}: " + ", ".join(f"{b} {int(self.chain.counts.loc[a, b]):,}"
                                                for b in STATES) for a in STATES)
        matrix = "; ".join(f"{a}: " + ", ".join(f"{b} {self.chain.matrix.loc[a, b]:.4f}"
                                                for b in STATES) for a in STATES)
        distribution = n_step(self.chain, {"active": 1.0}, self.steps)
        shown = ", ".join(f"{state} {share:.4f}" for state, share in distribution.items())
        at_horizon = 1.0 - n_step(self.chain, {"active": 1.0}, self.horizon)["churned"]
        return (messages.MARKOV_STEP_COUNTS.format(counts=counts),
                messages.MARKOV_STEP_MATRIX.format(matrix=matrix),
                messages.MARKOV_STEP_POWER.format(steps=self.steps, distribution=shown,
                                                  answer=self.answer),
                messages.MARKOV_STEP_TRUTH.format(days=self.horizon, chain=at_horizon,
                                                  observed=self.observed))


def markov_drill(result: SimResult, steps: int = MARKOV_STEPS) -> MarkovDrill | None:
    """The Markov drill of a run (``None`` when the run kept no daily reports).

    A control device's day is ``churned`` from its churn day on (the devices table), else
    ``active`` when it was active that day, else ``dormant``.
    """
    daily = result.daily
    if daily is None or daily.empty:
        return None
    devices = result.devices.set_index("device_id")
    control = devices.index[devices["arm"] == "control"]
    logs = daily[daily["device_id"].isin(control)]
    churn_day = devices["churn_day"].where(devices["churned"].astype(bool))
    churned = logs["day"].to_numpy() >= churn_day.reindex(logs["device_id"]).to_numpy()
    states = np.where(churned, "churned", np.where(logs["active"] == 1, "active", "dormant"))
    chain = transition_matrix(logs.assign(unit=logs["device_id"], state=states))
    answer = 1.0 - n_step(chain, {"active": 1.0}, steps)["churned"]
    observed = 1.0 - float(devices.loc[control, "churned"].astype(bool).mean())
    return MarkovDrill(int(logs["device_id"].nunique()), int(steps), chain, float(answer),
                       int(result.days), observed)


BAYES_PRIOR = 0.5
BAYES_DELTA = 0.03
""""Hurt" means a true relative loss of 3% in sessions (the other hypothesis: no change)."""
BAYES_DAYS = 7
BAYES_TOLERANCE = 0.02
"""A posterior within this many points (two percentage points) of the exact one is right."""


@dataclass(frozen=True)
class BayesDrill:
    """The Bayes drill of one run: the tier, each day's (day, relative lift, standard error)
    and the posterior after the last of them."""

    tier: str
    days: tuple[tuple[int, float, float], ...]
    prior: float
    delta: float
    answer: float

    def answer_share(self) -> float:
        """The exact posterior as a share (0.9 is 90%)."""
        return self.answer

    def check(self, guess: float) -> bool:
        """Whether a guessed posterior (0.9 is 90%) matches the exact one."""
        return abs(float(guess) - self.answer) <= BAYES_TOLERANCE

    def question(self) -> str:
        """The drill as the interviewer asks it."""
        listing = "; ".join(f"day {day}: {lift:+.2%} (se {se:.2%})" for day, lift, se in self.days)
        return messages.BAYES_DRILL_QUESTION.format(tier=self.tier, prior=self.prior,
                                                    delta=self.delta, days=listing)

    def solution(self) -> tuple[str, ...]:
        """The worked solution: each day's likelihood ratio and the posterior after it."""
        path = posterior_path(self.prior, [(x, s) for _, x, s in self.days], self.delta)
        steps = [messages.BAYES_STEP_RULE.format(delta=self.delta)]
        for (day, lift, se), posterior in zip(self.days, path, strict=True):
            steps.append(messages.BAYES_STEP_DAY.format(
                day=day, ratio=likelihood_ratio(lift, se, self.delta), posterior=posterior))
        return tuple(steps)


def bayes_drill(result: SimResult, days: int = BAYES_DAYS) -> BayesDrill | None:
    """The Bayes drill of a run: the lowest chip tier that gets the build, each day's relative
    sessions lift on the build there (treatment devices on the build against control, per
    reporting device, with the standard error of the difference over the control mean). ``None``
    when no day has devices on the build in that tier."""
    scenario = result.scenario
    tiers = scenario.fleet.tier_names()
    tier = scenario.feature.lowest_tier or tiers[-1]
    rows = result.day_arm[result.day_arm["chip_tier"] == tier]
    treated = rows[(rows["arm"] == "treatment") & rows["on_build"]]
    control = rows[rows["arm"] == "control"]
    readings = []
    for day in sorted(set(treated["day"]) & set(control["day"])):
        t = treated[treated["day"] == day][["devices_reporting", "sessions", "sessions_sq"]].sum()
        c = control[control["day"] == day][["devices_reporting", "sessions", "sessions_sq"]].sum()
        if min(t["devices_reporting"], c["devices_reporting"]) < 2 or c["sessions"] <= 0:
            continue
        mean_t, mean_c = (t["sessions"] / t["devices_reporting"],
                          c["sessions"] / c["devices_reporting"])
        var_t = t["sessions_sq"] / t["devices_reporting"] - mean_t**2
        var_c = c["sessions_sq"] / c["devices_reporting"] - mean_c**2
        se = float(np.sqrt(var_t / t["devices_reporting"] + var_c / c["devices_reporting"])
                   / mean_c)
        readings.append((int(day), round(float((mean_t - mean_c) / mean_c), 4), round(se, 4)))
        if len(readings) == days:
            break
    if not readings:
        return None
    path = posterior_path(BAYES_PRIOR, [(x, s) for _, x, s in readings], BAYES_DELTA)
    return BayesDrill(tier, tuple(readings), BAYES_PRIOR, BAYES_DELTA, path[-1])
