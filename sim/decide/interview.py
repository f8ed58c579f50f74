"""A timed case interview: its steps, its clock, the interviewer's answers to clarifying
questions (from the case) and the hints (a nudge first, then a pointer to the reading).

The steps run in order: the prompt, clarifying questions, the design, the readout at the
decision day, the call, the follow-ups (:mod:`sim.decide.followups`) and the rubric
(:mod:`sim.decide.rubric`). When the clock runs out the interview jumps to the call: the
person decides with what they have. Everything here is pure: the clock is given the time.

>>> clock = Clock(started=100.0, minutes=20)
>>> clock.remaining(100.0 + 5 * 60), clock.out_of_time(100.0 + 20 * 60)
(900.0, True)
>>> step_after("design"), step_after("readout", out_of_time=True)
('readout', 'call')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sim import messages
from sim.case.metrics import label
from sim.decide.words import join_names, pct
from sim.limits import BUDGET_DAYS

if TYPE_CHECKING:
    from sim.case.scenario import Scenario

Step = Literal["prompt", "clarify", "design", "readout", "call", "followups", "rubric"]
STEPS: tuple[Step, ...] = ("prompt", "clarify", "design", "readout", "call", "followups",
                           "rubric")
Length = Literal[20, 30, 45]
LENGTHS: tuple[Length, ...] = (20, 30, 45)
"""Interview lengths in minutes."""
SUGGESTED_LENGTH: dict[int, Length] = {1: 20, 2: 30, 3: 45}
"""The length a case suggests, by its difficulty."""
Clarifying = Literal["devices", "metric", "guardrails", "budget", "success", "rollout"]
CLARIFYING: tuple[Clarifying, ...] = ("devices", "metric", "guardrails", "budget", "success",
                                      "rollout")
HINT_LEVELS = ("nudge", "pointer")
"""A step's hints in the order they are given: a nudge first, then a pointer."""
HINTED_STEPS: tuple[Step, ...] = ("clarify", "design", "readout", "call", "followups")


@dataclass(frozen=True)
class Clock:
    """The interview's clock: when it started (seconds, any epoch) and how long it runs."""

    started: float
    minutes: int

    def remaining(self, now: float) -> float:
        """Seconds left at ``now`` (never below 0)."""
        return max(0.0, self.started + 60.0 * self.minutes - now)

    def out_of_time(self, now: float) -> bool:
        """Whether the time is up at ``now``."""
        return self.remaining(now) <= 0.0

    def used_minutes(self, now: float) -> float:
        """Minutes used by ``now`` (at most the length).

        >>> Clock(started=0.0, minutes=30).used_minutes(90.0)
        1.5
        """
        return min(float(self.minutes), max(0.0, now - self.started) / 60.0)


def suggested_length(case: Scenario) -> Length:
    """The length a case suggests: 20 minutes for an easy case, 45 for a hard one.

    >>> from sim.case.library import load_case
    >>> suggested_length(load_case("aa_test")), suggested_length(load_case("assistant_llm_ram"))
    (20, 45)
    """
    return SUGGESTED_LENGTH[case.meta.difficulty]


def step_after(step: Step, out_of_time: bool = False) -> Step:
    """The next step; out of time before the call, the call itself."""
    index = STEPS.index(step)
    if out_of_time and index < STEPS.index("call"):
        return "call"
    return STEPS[min(index + 1, len(STEPS) - 1)]


def clarifying_answer(case: Scenario, question: Clarifying) -> str:
    """The interviewer's answer to a clarifying question, from the case (never its trap).

    >>> from sim.case.library import load_case
    >>> print(clarifying_answer(load_case("camera_night_mode"), "metric"))
    The success metric is Sessions per device (higher is better), read at day 28.
    """
    fleet, experiment, feature = case.fleet, case.experiment, case.feature
    if question == "devices":
        types = join_names([name for name, share in fleet.device_types.items() if share > 0])
        tiers = ", ".join(f"{t.name} {t.share:.0%} ({t.ram_gb:g} GB RAM)" for t in fleet.chip_tiers)
        return messages.CLARIFY_DEVICES.format(size=fleet.size, types=types, tiers=tiers)
    if question == "metric":
        metric = experiment.primary_metric
        return messages.CLARIFY_METRIC.format(
            metric=label(metric), day=experiment.decision_day,
            better="higher" if experiment.primary_higher_is_better else "lower")
    if question == "guardrails":
        if not experiment.guardrails:
            return messages.CLARIFY_NO_GUARDRAILS
        return messages.CLARIFY_GUARDRAILS.format(guardrails="; ".join(
            f"{label(g.metric)} no worse than {pct(g.margin).lstrip('+')}"
            for g in experiment.guardrails))
    if question == "budget":
        return messages.CLARIFY_BUDGET.format(budget=BUDGET_DAYS, days=fleet.days,
                                              budget_ms=f"{feature.latency_budget_ms:g}")
    if question == "success":
        return messages.CLARIFY_SUCCESS
    stages = " -> ".join(f"{stage.share:.0%}" for stage in case.rollout.stages)
    return messages.CLARIFY_ROLLOUT.format(stages=stages, share=experiment.treatment_share,
                                           unit=experiment.unit)


def hint(step: Step, level: int, case: Scenario) -> str:
    """The hint of a step: level 0 is a nudge, level 1 a pointer to the reading that matters.

    >>> from sim.case.library import load_case
    >>> hint("readout", 0, load_case("aa_test"))
    'Before any lift: is the split what the plan says?'
    """
    if step not in HINTED_STEPS or not 0 <= level < len(HINT_LEVELS):
        raise ValueError(messages.HINT_NONE.format(step=step))
    text = messages.HINTS[step][level]
    lowest = case.fleet.tier_names()[-1]
    return text.format(metric=label(case.experiment.primary_metric), tier=lowest,
                       budget=BUDGET_DAYS)


def hint_id(step: Step, level: int) -> str:
    """How a hint taken is listed in the debrief (``readout:nudge``).

    >>> hint_id("design", 1)
    'design:pointer'
    """
    return f"{step}:{HINT_LEVELS[level]}"
