"""The experiment: the randomisation unit and split, the primary metric, guardrails with
margins, the decision day and alpha. Which way each metric is good comes from
:mod:`sim.case.metrics`.

>>> Experiment(guardrails=(Guardrail(metric="crashes", margin=0.1),)).primary_metric
'sessions'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from sim import messages
from sim.case.frozen import FrozenModel
from sim.case.metrics import METRICS, Metric
from sim.limits import MAX_DAYS


class Guardrail(FrozenModel):
    """A metric that must not get worse than its margin (relative, e.g. 0.02 = 2%).

    Which way is worse comes from the metric catalogue (:mod:`sim.case.metrics`). Older case
    files also state ``higher_is_better``; it is accepted when it agrees with the catalogue.

    >>> Guardrail(metric="distraction_events", margin=0.05).higher_is_better
    False
    """

    metric: Metric
    margin: Annotated[float, Field(ge=0.0, le=1.0)]

    @model_validator(mode="before")
    @classmethod
    def _direction_is_the_catalogue_s(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or "higher_is_better" not in data:
            return data
        data = dict(data)
        stated = data.pop("higher_is_better")
        known = METRICS.get(data.get("metric"))
        if known is not None and stated is not known.higher_is_better:
            better = "higher" if known.higher_is_better else "lower"
            raise ValueError(messages.GUARDRAIL_DIRECTION.format(metric=known.name, better=better))
        return data

    @property
    def higher_is_better(self) -> bool:
        """Whether a rise in the metric is good (from the metric catalogue)."""
        return METRICS[self.metric].higher_is_better


class Experiment(FrozenModel):
    """How the rollout is made an experiment, and what decides it.

    ``analysis_population`` is who the readout analyses: ``"seen"`` is every device with at
    least one report (the cohort); ``"reporting_at_decision"`` is the devices that reported in
    the last week of the run, which is what an engagement dashboard shows at decision time
    (devices that went silent or churned earlier drop out of it).
    """

    id: Annotated[str, Field(pattern=r"^[a-z0-9_\-]+$")] = "exp"
    unit: Literal["device", "household"] = "device"
    treatment_share: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.5
    primary_metric: Metric = "sessions"
    guardrails: Annotated[tuple[Guardrail, ...], Field(max_length=len(METRICS))] = ()
    decision_day: Annotated[int, Field(ge=1, le=MAX_DAYS)] = 28
    alpha: Annotated[float, Field(gt=0.0, lt=0.5)] = 0.05
    analysis_population: Literal["seen", "reporting_at_decision"] = "seen"

    @property
    def primary_higher_is_better(self) -> bool:
        """Whether a rise in the primary metric is good (from the metric catalogue).

        >>> Experiment(primary_metric="battery_drain").primary_higher_is_better
        False
        """
        return METRICS[self.primary_metric].higher_is_better
