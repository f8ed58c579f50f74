"""A case file: frozen pydantic models, TOML loading and knob overrides.

A case (``scenarios/*.toml``) describes the fleet, its baseline behaviour, the feature and
its on-device model, the staged rollout, the experiment and the telemetry defects, plus the
knobs a person may tune. Unknown keys are rejected; every error names the file, the dotted
path and what was allowed.

>>> from sim.case.scenario import load_scenario
>>> case = load_scenario("scenarios/camera_night_mode.toml")
>>> case.feature.quantization
'int8'
>>> case.with_knobs({"feature.quantization": "int4"}).feature.quantization
'int4'
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from sim import messages
from sim.case.frozen import FrozenModel
from sim.case.knobs import OPEN_MAPPINGS, set_path
from sim.case.metrics import (
    BATTERY_DEVICE_TYPES,
    METRICS,
    RETAINED_WINDOW_DAYS,
    Metric,
    SegmentKind,
)
from sim.case.variants import VariantDraw, Variants, check_number, draw_variant
from sim.errors import ScenarioError
from sim.limits import MAX_DAYS, MAX_DEVICES, MAX_PANEL_DEVICES, MAX_VARIANT, MIN_DEVICES

DeviceType = Literal["phone", "wearable", "tv", "speaker", "ev"]
Quantization = Literal["fp16", "int8", "int4"]
Network = Literal["good", "fair", "poor"]
GateAction = Literal["pause", "halt", "rollback"]
GateMetric = Literal["crash_rate", "battery_drain", "latency_ms"]
Call = Literal["ship_all", "ship_segments", "extend", "iterate", "rollback"]
# The interviewer's questions (their words and grading: sim.decide.questions).
QuestionId = Literal["split", "primary_lift", "guardrails", "hurt_segment", "measurement",
                     "novelty"]
DEFAULT_QUESTIONS: tuple[str, ...] = ("split", "primary_lift", "guardrails", "hurt_segment",
                                      "measurement")
Share = Annotated[float, Field(ge=0.0, le=1.0)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Relative = Annotated[float, Field(ge=-0.9, le=5.0)]
"""A relative change (``0.05`` is +5%): from -90% to +500%."""

_SHARE_TOLERANCE = 1e-6
MAX_NESTING = 12
"""Arrays and tables nested deeper than this are refused (a case file needs about five)."""
NAME = r"^[a-z0-9_]+$"


def _bounded(low: float, high: float, *, above: bool = False) -> Any:
    """A float from ``low`` (excluded when ``above``) to ``high``: every number a case holds
    has a sane range, so an absurd magnitude is refused where it is written."""
    return Annotated[float, Field(gt=low, le=high) if above else Field(ge=low, le=high)]


def _check_sums_to_one(shares: Mapping[str, float], what: str) -> None:
    total = sum(shares.values())
    if abs(total - 1.0) > _SHARE_TOLERANCE:
        raise ValueError(f"{what} must sum to 1 (they sum to {total:g})")


class Meta(FrozenModel):
    """What a person reads before running the case."""

    id: Annotated[str, Field(pattern=NAME, max_length=60)]
    title: Annotated[str, Field(min_length=1, max_length=120)]
    brief: Annotated[str, Field(min_length=1, max_length=20_000)]
    difficulty: Literal[1, 2, 3]
    tags: Annotated[tuple[Annotated[str, Field(max_length=60)], ...], Field(max_length=20)] = ()
    learning_objectives: Annotated[tuple[Annotated[str, Field(max_length=400)], ...],
                                   Field(max_length=20)] = ()
    # Tags and objectives that name the case's trap: hidden until the call is scored, then
    # part of the debrief (a tag "survivor bias" on the case card gives the answer away).
    trap_tags: Annotated[tuple[Annotated[str, Field(max_length=60)], ...],
                         Field(max_length=20)] = ()
    trap_objectives: Annotated[tuple[Annotated[str, Field(max_length=400)], ...],
                               Field(max_length=20)] = ()


class ChipTier(FrozenModel):
    """A chip tier: NPU throughput, memory bandwidth and RAM, and its share of the fleet."""

    name: Annotated[str, Field(pattern=NAME, max_length=40)]
    share: Share
    npu_tops: _bounded(0.0, 10_000.0, above=True)  # int8 TOPS as vendors quote them
    mem_bandwidth_gbs: _bounded(0.0, 10_000.0, above=True)
    ram_gb: _bounded(0.0, 1_024.0, above=True)
    npu_power_w: _bounded(0.0, 1_000.0, above=True) = 3.0
    # Relative daily use by owners of this tier (multiplies the device-type engagement).
    engagement: _bounded(0.0, 100.0, above=True) = 1.0
    # Install failure multiplier: phones with little free storage fail big OTA packages more.
    install_failure_mult: _bounded(0.0, 100.0, above=True) = 1.0


class Region(FrozenModel):
    """A region with its network quality (which drives install failures)."""

    name: Annotated[str, Field(pattern=NAME, max_length=40)]
    share: Share
    network: Network = "good"


class Fleet(FrozenModel):
    """The device population the case simulates."""

    size: Annotated[int, Field(ge=MIN_DEVICES, le=MAX_DEVICES)]
    days: Annotated[int, Field(ge=1, le=MAX_DAYS)]
    pre_days: Annotated[int, Field(ge=0, le=60)] = 14
    device_types: dict[DeviceType, Share]
    chip_tiers: Annotated[tuple[ChipTier, ...], Field(min_length=1, max_length=12)]
    regions: Annotated[tuple[Region, ...], Field(min_length=1, max_length=12)]
    household_size_mean: Annotated[float, Field(ge=1.0, le=8.0)] = 2.5
    # The intra-class correlation of engagement within a household: the share of the
    # variance of a device's (log) engagement propensity that its household shares. Homes
    # differ (one family streams all evening, another barely switches the TV on), so devices
    # of one home are not independent units; 0.1-0.3 is typical of household panels.
    household_correlation: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0

    @model_validator(mode="after")
    def _mixes_sum_to_one(self) -> Fleet:
        for what, names in (
            ("chip tier", [t.name for t in self.chip_tiers]),
            ("region", [r.name for r in self.regions]),
        ):
            if len(set(names)) != len(names):
                raise ValueError(f"each {what} name must be unique (got {names})")
        _check_sums_to_one(self.device_types, "device_types shares")
        _check_sums_to_one({t.name: t.share for t in self.chip_tiers}, "chip_tiers shares")
        _check_sums_to_one({r.name: r.share for r in self.regions}, "regions shares")
        return self

    def tier_names(self) -> tuple[str, ...]:
        """Chip tier names, best first as listed in the case."""
        return tuple(t.name for t in self.chip_tiers)


class Baseline(FrozenModel):
    """Behaviour without the feature: a Markov chain over active / dormant / churned."""

    sessions_per_day: _bounded(0.0, 1_000.0, above=True)
    sessions_spread: _bounded(0.0, 2.0, above=True) = 0.5
    device_spread: Annotated[float, Field(ge=0.0, le=2.0)] = 0.6
    p_active_to_dormant: Probability = 0.08
    p_dormant_to_active: Probability = 0.35
    p_active_to_churned: Probability = 0.002
    p_dormant_to_churned: Probability = 0.01
    crash_rate: Probability = 0.004
    crash_churn_boost: Probability = 0.03
    battery_drain_pct: _bounded(0.0, 100.0) = 18.0
    battery_spread: Annotated[float, Field(ge=0.0, le=1.0)] = 0.25
    latency_ms: _bounded(0.0, 60_000.0) = 40.0
    latency_spread: Annotated[float, Field(ge=0.0, le=1.0)] = 0.15
    sensor_score: _bounded(0.0, 10_000.0) = 50.0
    sensor_spread: _bounded(0.0, 1_000.0) = 8.0
    # Safety-related events per active day (e.g. eyes-off-road alerts from a car's driver
    # monitoring camera); 0 means the fleet does not measure them.
    distraction_per_day: _bounded(0.0, 1_000.0) = 0.0

    @model_validator(mode="after")
    def _each_state_keeps_a_chance_to_stay(self) -> Baseline:
        for state, moves in (("active", (self.p_active_to_dormant, self.p_active_to_churned)),
                             ("dormant", (self.p_dormant_to_active, self.p_dormant_to_churned))):
            if sum(moves) > 1.0:
                raise ValueError(messages.MARKOV_ROW.format(state=state, total=sum(moves)))
        return self


class Effect(FrozenModel):
    """How the feature changes behaviour when it runs well (before hardware penalties)."""

    sessions: Annotated[float, Field(ge=-0.9, le=2.0)] = 0.0
    retention: Annotated[float, Field(ge=-0.9, le=0.9)] = 0.0
    battery: Annotated[float, Field(ge=-0.9, le=2.0)] = 0.0
    sensor: _bounded(-1_000.0, 1_000.0) = 0.0
    novelty_peak: Annotated[float, Field(ge=0.0, le=2.0)] = 0.0
    novelty_half_life_days: _bounded(0.0, 365.0, above=True) = 5.0
    latency_penalty: _bounded(0.0, 10.0) = 0.3
    # Relative change in distraction events on the build, plus this much more for every 100%
    # the model runs over its latency budget (a slow answer pulls the eyes to the screen).
    distraction: Relative = 0.0
    distraction_latency_penalty: _bounded(0.0, 10.0) = 0.0
    # Relative change in sessions on any device when every *other* device in its household
    # runs the build (scaled by the share that does): an ecosystem feature spilling over.
    household_spillover: Annotated[float, Field(ge=-0.9, le=2.0)] = 0.0
    by_chip_tier: dict[str, Annotated[float, Field(ge=-5.0, le=5.0)]] = {}
    by_device_type: dict[DeviceType, Annotated[float, Field(ge=-5.0, le=5.0)]] = {}
    by_region: dict[str, Annotated[float, Field(ge=-5.0, le=5.0)]] = {}


class Feature(FrozenModel):
    """The feature and the on-device model behind it."""

    name: Annotated[str, Field(min_length=1, max_length=120)]
    # Model parameters in millions (0: no on-device model); up to a trillion.
    params_m: _bounded(0.0, 1_000_000.0)
    quantization: Quantization = "int8"
    gops_per_inference: _bounded(0.0, 1_000_000.0) = 0.0
    inferences_per_use: _bounded(1.0, 10_000.0) = 1.0
    kv_cache_mb: _bounded(0.0, 1_000_000.0) = 0.0
    uses_per_day: _bounded(0.0, 10_000.0) = 3.0
    latency_budget_ms: _bounded(0.0, 600_000.0, above=True) = 100.0
    device_types: Annotated[tuple[DeviceType, ...], Field(min_length=1)] = (
        "phone",
        "wearable",
        "tv",
        "speaker",
        "ev",
    )
    lowest_tier: str | None = None
    effect: Effect = Effect()


class Stage(FrozenModel):
    """One rollout stage: the cumulative share of treatment devices offered, and its bake time."""

    share: Annotated[float, Field(gt=0.0, le=1.0)]
    bake_days: Annotated[int, Field(ge=0, le=60)]


class Gate(FrozenModel):
    """A guardrail checked at the end of each bake: what is measured and what a breach does."""

    metric: GateMetric
    max_rel_increase: _bounded(0.0, 100.0) | None = None
    max_value: _bounded(0.0, 1_000_000.0) | None = None
    min_exposed: Annotated[int, Field(ge=1, le=MAX_DEVICES)] = 200
    action: GateAction = "halt"
    # Rate gates breach only when the rate is above the threshold at this one-sided level,
    # so a handful of crashes in a 1% stage does not halt a healthy rollout.
    alpha: Annotated[float, Field(gt=0.0, lt=0.5)] = 0.05

    @model_validator(mode="after")
    def _has_a_threshold(self) -> Gate:
        if self.max_rel_increase is None and self.max_value is None:
            raise ValueError("a gate needs max_rel_increase, max_value or both")
        return self


class Incident(FrozenModel):
    """A scripted incident: a bad firmware batch or an OTA server outage."""

    kind: Literal["bad_batch", "ota_outage"]
    day: _bounded(0.0, MAX_DAYS)
    duration_days: _bounded(0.0, MAX_DAYS, above=True) = 1.0
    extra_crash_rate: Probability = 0.0


class Rollout(FrozenModel):
    """The staged over-the-air rollout plan and the delivery system behind it."""

    stages: Annotated[tuple[Stage, ...], Field(min_length=1, max_length=20)]
    cooldown_days: Annotated[int, Field(ge=0, le=30)] = 2
    max_pauses: Annotated[int, Field(ge=0, le=10)] = 2
    ota_gbps: _bounded(0.0, 10_000.0, above=True) = 2.0
    base_package_mb: _bounded(0.0, 100_000.0) = 40.0
    checkin_mean_hours: _bounded(0.0, 24.0 * 30, above=True) = 10.0
    reboot_mean_hours: _bounded(0.0, 24.0 * 60, above=True) = 18.0
    install_failure_rate: Probability = 0.03
    gates: Annotated[tuple[Gate, ...], Field(max_length=10)] = ()
    incidents: Annotated[tuple[Incident, ...], Field(max_length=20)] = ()

    @model_validator(mode="after")
    def _stages_grow_to_all(self) -> Rollout:
        shares = [s.share for s in self.stages]
        if any(b <= a for a, b in zip(shares, shares[1:], strict=False)):
            raise ValueError(f"stage shares must increase (got {shares})")
        if abs(shares[-1] - 1.0) > _SHARE_TOLERANCE:
            raise ValueError(f"the last stage must offer the build to all (share 1.0, got {shares[-1]})")
        return self


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


class Telemetry(FrozenModel):
    """What goes wrong between the device and the analyst's table."""

    duplicate_rate: Probability = 0.0
    # Below 1: a fleet whose every report goes missing has nothing to analyse.
    missing_rate: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    late_rate: Probability = 0.0
    late_mean_days: Annotated[float, Field(ge=1.0, le=30.0)] = 2.0
    clock_skew_rate: Probability = 0.0
    silent_after_crash: Probability = 0.0
    silent_after_failed_install: Probability = 0.0
    firmware_shift: _bounded(-1_000.0, 1_000.0) = 0.0
    # Outlier devices: test rigs and bots that report far more sessions than any person
    # (heavy-tailed: a Pareto multiple of ``outlier_scale`` typical days), and devices in a
    # crash loop that report a crash on every active day. They are telemetry, not people: the
    # truth does not count them, so they only add noise - unless the estimate is made robust.
    outlier_rate: Annotated[float, Field(ge=0.0, le=0.2)] = 0.0
    outlier_scale: _bounded(1.0, 1_000.0) = 20.0
    # Raw daily rows for at most this many devices: every device of a smaller fleet, a random
    # panel of a larger one; 0 keeps none.
    daily_max_devices: Annotated[int, Field(ge=0, le=MAX_PANEL_DEVICES)] = 20_000


class Knob(FrozenModel):
    """A setting: a numeric range or a list of options.

    ``role`` says whose it is: ``"design"`` is the person's lever (quantization, chip tiers,
    treatment share, stages, decision day, fleet size); ``"world"`` is the situation (a
    latency budget, a sensor shift, a failure rate), for an author or a teacher to set - never
    a lever on a practice page. ``trap_label``, when set, is the knob's name once the call is
    scored (before that, ``label``: a label that names the trap would give it away).
    """

    path: Annotated[str, Field(pattern=r"^[a-z_]+(\.[a-z0-9_]+)+$")]
    label: Annotated[str, Field(min_length=1, max_length=120)]
    help: Annotated[str, Field(max_length=400)] = ""
    role: Literal["design", "world"] = "design"
    trap_label: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    min: float | None = None
    max: float | None = None
    step: _bounded(0.0, 1e9, above=True) | None = None
    options: Annotated[tuple[str | float | int, ...], Field(min_length=1, max_length=40)] | None = None

    @model_validator(mode="after")
    def _range_or_options(self) -> Knob:
        has_range = self.min is not None and self.max is not None
        if has_range == (self.options is not None):
            raise ValueError("a knob needs either min and max, or options (not both)")
        if has_range and self.min > self.max:
            raise ValueError(f"knob min ({self.min}) is above its max ({self.max})")
        return self


class Answer(FrozenModel):
    """The call the case's brief intends (teacher material; never shown before the reveal)."""

    call: Call
    segment_kind: SegmentKind | None = None
    segments: tuple[str, ...] = ()
    rationale: Annotated[str, Field(min_length=1)]

    @model_validator(mode="after")
    def _segments_when_shipping_to_segments(self) -> Answer:
        if self.call == "ship_segments" and (self.segment_kind is None or not self.segments):
            raise ValueError("a ship_segments answer names segment_kind and segments")
        return self


class Interview(FrozenModel):
    """What the interviewer asks with the call: each question is answered in the decision
    form and graded against the readout at the decision day (:mod:`sim.decide.questions`).
    Every case asks the same questions by default, so which ones appear gives nothing away.
    """

    questions: Annotated[tuple[QuestionId, ...], Field(min_length=1, max_length=10)] = (
        DEFAULT_QUESTIONS)


class Scenario(FrozenModel):
    """A validated case. Build one with :func:`load_scenario`; derive variants with knobs."""

    meta: Meta
    fleet: Fleet
    baseline: Baseline
    feature: Feature
    rollout: Rollout
    experiment: Experiment
    telemetry: Telemetry = Telemetry()
    knobs: tuple[Knob, ...] = ()
    answer: Answer | None = None
    interview: Interview = Interview()
    variants: Variants = Variants()
    source: Annotated[str, Field(exclude=True)] = "<memory>"
    # Which variant of the case file this is (0: the file as written); set by variant().
    variant_number: Annotated[int, Field(ge=0, le=MAX_VARIANT, exclude=True)] = 0

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        tiers = self.fleet.tier_names()
        if self.feature.lowest_tier is not None and self.feature.lowest_tier not in tiers:
            raise ValueError(
                f"feature.lowest_tier {self.feature.lowest_tier!r} is not a chip tier; "
                f"allowed: {', '.join(tiers)}"
            )
        unknown = set(self.feature.effect.by_chip_tier) - set(tiers)
        if unknown:
            raise ValueError(
                f"feature.effect.by_chip_tier names unknown tiers {sorted(unknown)}; "
                f"allowed: {', '.join(tiers)}"
            )
        regions = self.segment_names("region")
        unknown = set(self.feature.effect.by_region) - set(regions)
        if unknown:
            raise ValueError(
                f"feature.effect.by_region names unknown regions {sorted(unknown)}; "
                f"allowed: {', '.join(regions)}"
            )
        for index, scene in enumerate(self.variants.scenes):
            if scene.hurt is None:
                continue
            allowed = self.segment_names(scene.hurt.kind)
            unknown = set(scene.hurt.among) - set(allowed)
            if unknown:
                raise ValueError(messages.VARIANT_UNKNOWN_SEGMENT.format(
                    index=index, names=sorted(unknown), kind=scene.hurt.kind,
                    allowed=", ".join(allowed)))
        if self.experiment.decision_day > self.fleet.days:
            raise ValueError(
                messages.DECISION_AFTER_HORIZON.format(
                    decision_day=self.experiment.decision_day, days=self.fleet.days
                )
            )
        for metric in self.decision_metrics():
            problem = self._unmeasurable(metric)
            if problem:
                raise ValueError(problem)
        data = self.model_dump(mode="json")
        for index, knob in enumerate(self.knobs):
            problem = _knob_problem(knob, data, self)
            if problem:
                raise ValueError(messages.KNOB_BAD.format(index=index, path=knob.path,
                                                          detail=problem))
        return self

    def decision_metrics(self) -> tuple[str, ...]:
        """The primary metric and the guardrails' metrics, in that order.

        >>> load_scenario("scenarios/aa_test.toml").decision_metrics()
        ('sessions', 'crashes', 'retained')
        """
        experiment = self.experiment
        return tuple(dict.fromkeys([experiment.primary_metric,
                                    *(g.metric for g in experiment.guardrails)]))

    def _unmeasurable(self, metric: str) -> str | None:
        """Why this fleet cannot read ``metric`` as a decision metric, or ``None``."""
        info = METRICS[metric]
        present = {name for name, share in self.fleet.device_types.items() if share > 0}
        if metric == "feature_uses":
            return messages.METRIC_ZERO_IN_CONTROL.format(metric=metric)
        if info.sensor == "battery" and not present & BATTERY_DEVICE_TYPES:
            return messages.METRIC_NEEDS_SENSOR.format(
                metric=metric, sensor="a battery",
                detail=f"none of {', '.join(sorted(present))} runs on one")
        if info.sensor == "driver_monitoring" and self.baseline.distraction_per_day <= 0:
            return messages.METRIC_NEEDS_SENSOR.format(
                metric=metric, sensor="a driver-monitoring camera",
                detail="baseline.distraction_per_day is 0")
        if metric == "retained" and self.fleet.days <= RETAINED_WINDOW_DAYS:
            return messages.METRIC_NEEDS_DAYS.format(
                metric=metric, days=self.fleet.days, window=RETAINED_WINDOW_DAYS)
        return None

    @property
    def id(self) -> str:
        """The case id (its file name without ``.toml``)."""
        return self.meta.id

    def segment_names(self, kind: str) -> tuple[str, ...]:
        """The segment names of one kind (``chip_tier``, ``device_type``, ``region``) in the
        fleet, in the case's order (chip tiers best first).

        >>> load_scenario("scenarios/aa_test.toml").segment_names("region")
        ('north_america', 'europe', 'asia_pacific', 'latin_america')
        """
        fleet = self.fleet
        if kind == "chip_tier":
            return fleet.tier_names()
        if kind == "region":
            return tuple(region.name for region in fleet.regions)
        return tuple(name for name, share in fleet.device_types.items() if share > 0)

    def variant_draw(self, number: int) -> VariantDraw:
        """What variant ``number`` of this case draws (see :mod:`sim.case.variants`).

        >>> load_scenario("scenarios/aa_test.toml").variant_draw(0).describe()
        'Variant 0: as written'
        """
        try:
            number = check_number(number)
        except ValueError as error:
            raise ScenarioError(f"{self.source}: {error}") from None
        if self.variant_number:
            raise ScenarioError(messages.VARIANT_OF_VARIANT.format(path=self.source,
                                                                   number=self.variant_number))
        if number == 0:
            return VariantDraw(0, None, (), self.model_dump(mode="json"))
        if not self.variants.declared():
            raise ScenarioError(messages.VARIANT_NONE_DECLARED.format(path=self.source))
        return draw_variant(self.variants, self.model_dump(mode="json"), self.id, number)

    def variant(self, number: int) -> Scenario:
        """Variant ``number`` of this case, validated like the file: the same number always
        gives the same case, and variant 0 is the file as written. Apply knobs after it.

        >>> case = load_scenario("scenarios/camera_night_mode.toml")
        >>> case.variant(0) is case, case.variant(3) == case.variant(3), case.variant(3).variant_number
        (True, True, 3)
        """
        drawn = self.variant_draw(number)
        if drawn.number == 0:
            return self
        # The file's answer is the call for the file as written; a variant's model answer is
        # the truth's right call (sim.decide.debrief).
        return _validate({**drawn.data, "answer": None}, self.source, drawn.number)

    def knob(self, path: str) -> Knob | None:
        """The declared knob at ``path``, if the case declares one."""
        return next((k for k in self.knobs if k.path == path), None)

    def get(self, path: str) -> Any:
        """The value at a dotted path, e.g. ``"rollout.stages.0.bake_days"``."""
        node: Any = self.model_dump(mode="json")
        for part in path.split("."):
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def get_or_none(self, path: str) -> Any:
        """The value at a dotted path, or ``None`` where the case sets nothing (an open
        mapping's missing entry).

        >>> load_scenario("scenarios/aa_test.toml").get_or_none("feature.effect.by_region.europe")
        """
        try:
            return self.get(path)
        except (KeyError, IndexError, ValueError, TypeError):
            return None

    def with_knobs(self, overrides: Mapping[str, Any]) -> Scenario:
        """A new validated scenario with the values at the given dotted paths replaced.

        Declared knobs are checked against their range or options; any other existing path
        may be set too (the command line's ``--set``), and is validated like the case file.

        >>> case = load_scenario("scenarios/aa_test.toml")
        >>> case.with_knobs({"experiment.treatment_share": 0.3}).experiment.treatment_share
        0.3
        """
        if not overrides:
            return self
        data = self.model_dump(mode="json")
        for path, value in overrides.items():
            self._check_knob(path, value)
            set_path(data, path, value, self.source)
        return _validate(data, self.source, self.variant_number)

    def _check_knob(self, path: str, value: Any) -> None:
        knob = self.knob(path)
        if knob is None:
            return
        if knob.options is not None:
            if value not in knob.options:
                raise ScenarioError(
                    messages.KNOB_NOT_AN_OPTION.format(
                        path=self.source,
                        location=path,
                        value=value,
                        options=", ".join(str(o) for o in knob.options),
                    )
                )
            return
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
        if number is None or not knob.min <= number <= knob.max:
            raise ScenarioError(
                messages.KNOB_OUT_OF_RANGE.format(
                    path=self.source, location=path, value=value, low=knob.min, high=knob.max
                )
            )


def _knob_problem(knob: Knob, data: Mapping[str, Any], scenario: Scenario) -> str | None:
    """What is wrong with a knob in this case (``None`` when nothing): a path that names no
    setting, or a range or option list that leaves out the case's own value."""
    node: Any = data
    parts = knob.path.split(".")
    for depth, part in enumerate(parts):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, dict) and depth == len(parts) - 1 and parts[depth - 1] in OPEN_MAPPINGS:
            node = 0.0  # an open mapping's missing entry: no effect for that segment
        else:
            return messages.KNOB_NO_SETTING
    value = node
    if knob.options is not None:
        if value is None or value in knob.options:
            return None  # unset (e.g. every chip tier) is what the last option means
        return messages.KNOB_OPTIONS_MISS.format(value=value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return messages.KNOB_NOT_NUMERIC.format(value=value)
    if not knob.min <= value <= knob.max:
        return messages.KNOB_RANGE_MISS.format(value=value, low=knob.min, high=knob.max)
    return None


def knob_choices(scenario: Scenario, knob: Knob) -> tuple[Any, ...]:
    """The values a knob can take at its ends: every option, or its min and max (as whole
    numbers when the setting is one).

    >>> case = load_scenario("scenarios/camera_night_mode.toml")
    >>> knob_choices(case, case.knob("feature.quantization"))
    ('fp16', 'int8', 'int4')
    """
    if knob.options is not None:
        return knob.options
    return tuple(whole_if(scenario.get(knob.path), value) for value in (knob.min, knob.max))


def whole_if(current: Any, value: float) -> int | float:
    """``value`` as an int when the setting it replaces is a whole number.

    >>> whole_if(28, 21.0), whole_if(0.5, 1.0)
    (21, 1.0)
    """
    if isinstance(current, int) and not isinstance(current, bool) and float(value).is_integer():
        return int(value)
    return float(value)


def _as_tuples(value: Any, source: str, depth: int = 0) -> Any:
    """TOML arrays as tuples (the models are frozen and strict), refusing deep nesting."""
    if depth > MAX_NESTING:
        raise ScenarioError(messages.NESTING_TOO_DEEP.format(path=source, limit=MAX_NESTING))
    if isinstance(value, list | tuple):
        return tuple(_as_tuples(item, source, depth + 1) for item in value)
    if isinstance(value, dict):
        return {key: _as_tuples(item, source, depth + 1) for key, item in value.items()}
    return value


def _check_knob_ends(scenario: Scenario) -> None:
    """Every knob's options and ends make a valid case (a case that validates must run)."""
    for index, knob in enumerate(scenario.knobs):
        for value in knob_choices(scenario, knob):
            try:
                scenario.with_knobs({knob.path: value})
            except ScenarioError as error:
                detail = str(error).removeprefix(f"{scenario.source}: ")
                raise ScenarioError(messages.KNOB_END_INVALID.format(
                    path=scenario.source, index=index, knob=knob.path, value=value,
                    detail=detail)) from None


def _check_variant_ends(scenario: Scenario) -> None:
    """Every variant draw's ends (each hurt segment at both ends of its range) make a valid
    case on their own, so a path that names no setting or a range that breaks a rule is
    refused where it is written."""
    data = scenario.model_dump(mode="json")
    spec = scenario.variants
    ends: list[tuple[str, str, Any]] = [
        (f"variants.draws.{index}", draw.path, value)
        for index, draw in enumerate(spec.draws) for value in draw.ends()]
    for index, scene in enumerate(spec.scenes):
        where = f"variants.scenes.{index}"
        ends += [(f"{where}.draws.{number}", draw.path, value)
                 for number, draw in enumerate(scene.draws) for value in draw.ends()]
        if scene.hurt is not None:
            ends += [(f"{where}.hurt", f"{scene.hurt.path}.{segment}", value)
                     for segment in scene.hurt.among for value in (scene.hurt.min, scene.hurt.max)]
    for location, path, value in ends:
        changed = copy.deepcopy(data)
        try:
            set_path(changed, path, whole_if(scenario.get_or_none(path), value)
                     if isinstance(value, float) else value, scenario.source)
            _validate(changed, scenario.source)
        except ScenarioError as error:
            detail = str(error).removeprefix(f"{scenario.source}: ")
            raise ScenarioError(messages.VARIANT_END_INVALID.format(
                path=scenario.source, location=location, setting=path, value=value,
                detail=detail)) from None


def _format_validation_error(error: ValidationError, source: str) -> str:
    problems = error.errors()
    first = problems[0]
    location = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        allowed = _allowed_keys(first["loc"][:-1])
        text = messages.UNKNOWN_KEY.format(path=source, location=location, allowed=allowed)
    else:
        detail = first["msg"].removeprefix("Value error, ")
        if first["type"] == "missing":
            detail = "required but missing"
        elif first["type"].endswith("_type") or first["type"] in _RANGE_ERRORS:
            detail += messages.GOT_VALUE.format(value=_shown(first["input"]))
        text = (
            messages.FIELD_ERROR.format(path=source, location=location, detail=detail)
            if location
            else messages.CASE_ERROR.format(path=source, detail=detail)
        )
    if len(problems) > 1:
        more = len(problems) - 1
        text += messages.MORE_ERRORS.format(count=more, plural="" if more == 1 else "s")
    return text


_RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal",
                 "finite_number", "too_long", "too_short", "string_too_long", "literal_error"}


def _shown(value: Any) -> str:
    """An input value as the case file spells it, cut short."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict | list | tuple):
        text = type(value).__name__.replace("dict", "a table").replace("tuple", "an array")
    else:
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _allowed_keys(parent_loc: tuple) -> str:
    model: Any = Scenario
    for part in parent_loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return "(see the case format in README.md)"
        model = _model_of(field.annotation)
        if model is None:
            return "(see the case format in README.md)"
    names = [name for name in model.model_fields if name != "source"]
    return ", ".join(names)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        found = _model_of(argument)
        if found is not None:
            return found
    return None


def _validate(data: Mapping[str, Any], source: str, variant_number: int = 0) -> Scenario:
    data = _as_tuples(dict(data), source)
    try:
        return Scenario.model_validate({**data, "source": source,
                                        "variant_number": variant_number})
    except ValidationError as error:
        raise ScenarioError(_format_validation_error(error, source)) from None


def scenario_from_data(data: Mapping[str, Any], source: str = "<memory>",
                       variant_number: int = 0) -> Scenario:
    """Validate a case from plain data (a parsed TOML file, or a saved run's JSON, whose
    values are already those of its variant: ``variant_number`` only records which it was).

    >>> scenario_from_data(load_scenario("scenarios/aa_test.toml").model_dump(mode="json")).id
    'aa_test'
    """
    return _validate(data, source, variant_number)


def parse_scenario(text: str, source: str = "<memory>") -> Scenario:
    """Validate a case from TOML text.

    >>> parse_scenario("meta = 1", "x.toml")
    Traceback (most recent call last):
    ...
    sim.errors.ScenarioError: x.toml: meta: Input should be a valid dictionary or instance of Meta (got 1) (and 5 more problems)
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(messages.TOML_SYNTAX.format(path=source, detail=error)) from None
    except RecursionError:
        raise ScenarioError(messages.NESTING_TOO_DEEP.format(path=source,
                                                             limit=MAX_NESTING)) from None
    case = _validate(data, source)
    _check_knob_ends(case)
    _check_variant_ends(case)
    return case


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a case file.

    >>> load_scenario("scenarios/aa_test.toml").meta.id
    'aa_test'
    >>> load_scenario("scenarios/nope.toml")
    Traceback (most recent call last):
    ...
    sim.errors.ScenarioError: scenarios/nope.toml: file not found
    """
    path = _display_path(Path(path))
    if path.is_dir():
        raise ScenarioError(messages.NOT_A_FILE.format(path=path))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(messages.FILE_NOT_FOUND.format(path=path)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(messages.TOML_SYNTAX.format(path=path, detail=error)) from None
    return parse_scenario(text, str(path))


def _display_path(path: Path) -> Path:
    """The path relative to the working folder when it lies inside it (shorter messages)."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path
