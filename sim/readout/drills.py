"""Probability drills built from a person's own run, each checked against exact arithmetic on
the run's tables and shown with its worked solution.

The Markov drill: estimate the active / dormant / churned transition matrix from the control
devices' daily logs and carry "everyone active" forward to day 30 (:mod:`sim.analysis.markov`),
then compare the chain, on the last day the run can show churn, with the control arm's
Kaplan-Meier curve (the readout's retention reading, :func:`sim.analysis.retention.kaplan_meier`)
and with the truth (the truth table's share retained under control).
The Bayes drill: a prior that the weakest chip tier that gets the build is hurt (a true
sessions change of -3%, against none), updated by hand with each day's lift there in the first
week (:mod:`sim.analysis.updating`), then set beside the Bayesian reading the readout gives on
that tier (:func:`sim.analysis.bayes.bayes_lift`: a flat prior over the lift, pooled devices).
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
from scipy import stats

from sim import messages
from sim.analysis.bayes import BayesResult, bayes_lift
from sim.analysis.gates import GateTripResult, gate_trip_chance
from sim.analysis.markov import STATES, MarkovResult, n_step, transition_matrix
from sim.analysis.retention import kaplan_meier
from sim.analysis.updating import likelihood_ratio, posterior_path
from sim.case.metrics import METRICS, RETAINED_WINDOW_DAYS
from sim.errors import DataError
from sim.readout.lean import analysis_population, randomisation_cluster

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
    """The Markov drill of one run: the chain from the logs and the share not churned it
    predicts ``steps`` days on; then, on ``check_day`` (the last day the run can show churn: a
    week without activity is churn), the control arm's Kaplan-Meier survival (``None`` when the
    run is too short to show churn) over ``km_devices`` devices, and the truth: the share of the
    whole sample that would not have churned by then without the build (the truth table's
    ``retained`` under control)."""

    devices: int
    steps: int
    chain: MarkovResult
    answer: float
    horizon: int
    check_day: int
    kaplan_meier: float | None
    km_devices: int
    truth: float | None

    def chain_at(self, day: int) -> float:
        """The chain's share not churned ``day`` days on, starting from everyone active."""
        return 1.0 - n_step(self.chain, {"active": 1.0}, day)["churned"]

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
        steps = (messages.MARKOV_STEP_COUNTS.format(counts=counts),
                 messages.MARKOV_STEP_MATRIX.format(matrix=matrix),
                 messages.MARKOV_STEP_POWER.format(steps=self.steps, distribution=shown,
                                                   answer=self.answer))
        if self.kaplan_meier is None or self.truth is None:
            return (*steps, messages.MARKOV_STEP_TOO_SHORT.format(
                days=self.horizon, window=RETAINED_WINDOW_DAYS))
        return (*steps,
                messages.MARKOV_STEP_CHECK.format(
                    day=self.check_day, days=self.horizon, window=RETAINED_WINDOW_DAYS,
                    chain=self.chain_at(self.check_day), km=self.kaplan_meier,
                    n=self.km_devices, truth=self.truth),
                messages.MARKOV_STEP_WHY.format(day=self.check_day))


def markov_drill(result: SimResult, steps: int = MARKOV_STEPS) -> MarkovDrill | None:
    """The Markov drill of a run (``None`` when the run kept no daily reports).

    A control device's day is ``churned`` from its churn day on (the devices table), else
    ``active`` when it was active that day, else ``dormant``. The Kaplan-Meier curve and the
    truth are read on the last day the run shows churn (:class:`MarkovDrill`).

    >>> from sim import load_scenario, simulate
    >>> drill = markov_drill(simulate(load_scenario("scenarios/aa_test.toml"), seed=1,
    ...                               devices=5_000))
    >>> drill.check_day, drill.chain_at(21) > drill.kaplan_meier  # the chain overstates it
    (21, True)
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
    check_day = int(result.days) - RETAINED_WINDOW_DAYS
    survival, km_devices, truth = None, 0, None
    if check_day >= 1:
        try:  # the readout's retention reading: every analysed device, churn_day and churned
            curve = kaplan_meier(analysis_population(result), "churn_day", "churned",
                                 alpha=result.scenario.experiment.alpha).control
            survival, km_devices = curve.survival_at(check_day), curve.n
        except DataError:  # an arm without devices: no curve to read
            pass
        truth = true_control_mean(result, "retained")
    return MarkovDrill(int(logs["device_id"].nunique()), int(steps), chain, float(answer),
                       int(result.days), check_day, survival, km_devices, truth)


def true_control_mean(result: SimResult, metric: str) -> float | None:
    """The truth table's mean of ``metric`` under control over the whole sample (every device's
    control outcome, from the simulator's record, not telemetry); ``None`` if it has none.

    >>> from sim import load_scenario, simulate
    >>> run = simulate(load_scenario("scenarios/aa_test.toml"), seed=1, devices=2_000)
    >>> 0.8 < true_control_mean(run, "retained") < 1.0, true_control_mean(run, "nothing")
    (True, None)
    """
    truth = result.truth
    row = truth[(truth["metric"] == metric) & (truth["segment_kind"] == "all")]
    return float(row["control_mean"].iloc[0]) if len(row) else None


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
    readout: BayesResult | None = None
    """The readout's Bayesian reading of sessions on the tier over the whole run
    (:func:`~sim.analysis.bayes.bayes_lift`; ``None`` when the tier has too few devices)."""

    def readout_lift(self) -> tuple[float, tuple[float, float]]:
        """The readout's posterior on the lift as a share of the control mean: its mean and
        its credible interval."""
        reading = self.readout
        base = reading.control_mean
        low, high = reading.credible_interval
        return reading.posterior_mean / base, (low / base, high / base)

    def readout_lower(self) -> float:
        """The readout's chance that sessions on the tier are lower under treatment."""
        better = self.readout.prob_treatment_better
        return 1.0 - better if self.readout.higher_is_better else better

    def readout_loss(self) -> float:
        """The readout's chance of a loss of ``delta`` or more (the drill's "hurt" or worse):
        the normal posterior's mass at or below ``-delta`` times the control mean."""
        reading = self.readout
        return float(stats.norm.cdf(-self.delta * reading.control_mean,
                                    loc=reading.posterior_mean, scale=reading.posterior_sd))

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
        if self.readout is None:
            return tuple(steps)
        lift, (low, high) = self.readout_lift()
        steps.append(messages.BAYES_STEP_READOUT.format(
            tier=self.tier, treated=self.readout.n_treatment, control=self.readout.n_control,
            method=self.readout.method, lift=lift, low=low, high=high,
            level=1 - self.readout.alpha, lower=self.readout_lower(),
            delta=self.delta, loss=self.readout_loss()))
        steps.append(messages.BAYES_STEP_WHY.format(delta=self.delta, days=len(self.days),
                                                    tier=self.tier))
        return tuple(steps)


def bayes_drill(result: SimResult, days: int = BAYES_DAYS) -> BayesDrill | None:
    """The Bayes drill of a run: the lowest chip tier that gets the build, each day's relative
    sessions lift on the build there (treatment devices on the build against control, per
    reporting device, with the standard error of the difference over the control mean), and
    the readout's Bayesian reading of the tier (:func:`tier_reading`). ``None`` when no day has
    devices on the build in that tier.

    >>> from sim import load_scenario, simulate
    >>> drill = bayes_drill(simulate(load_scenario("scenarios/camera_night_mode.toml"), seed=1,
    ...                              devices=5_000))
    >>> drill.tier, round(drill.answer, 2), round(drill.readout_lower(), 2)  # P(hurt), P(lower)
    ('entry', 0.96, 0.81)
    """
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
    return BayesDrill(tier, tuple(readings), BAYES_PRIOR, BAYES_DELTA, path[-1],
                      tier_reading(result, tier))


def tier_reading(result: SimResult, tier: str, metric: str = "sessions") -> BayesResult | None:
    """The Bayesian reading the readout gives (:func:`~sim.readout.report.analyse`'s, the same
    function, basis and clustering), on one chip tier's devices alone; ``None`` when the tier
    has fewer than two devices in an arm.

    >>> from sim import load_scenario, simulate
    >>> run = simulate(load_scenario("scenarios/camera_night_mode.toml"), seed=1, devices=4_000)
    >>> reading = tier_reading(run, "entry")
    >>> reading.method, reading.n_control + reading.n_treatment < 4_000
    ('normal approximation, flat prior', True)
    """
    case = result.scenario
    seen = analysis_population(result)
    try:
        return bayes_lift(seen[seen["chip_tier"] == tier], metric, alpha=case.experiment.alpha,
                          higher_is_better=METRICS[metric].higher_is_better,
                          cluster=randomisation_cluster(case))
    except DataError:
        return None
