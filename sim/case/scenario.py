"""A case file: the top-level model (:class:`Scenario`) and loading it from TOML.

A case (``scenarios/*.toml``) describes the fleet (:mod:`sim.case.fleet`), its baseline
behaviour (:mod:`sim.case.baseline`), the feature and its on-device model
(:mod:`sim.case.feature`), the staged rollout (:mod:`sim.case.rollout`), the experiment
(:mod:`sim.case.experiment`) and the telemetry defects (:mod:`sim.case.telemetry`), plus the
knobs a person may tune (:mod:`sim.case.knobs`). Unknown keys are rejected; every error names
the file, the dotted path and what was allowed (:mod:`sim.case.validation`).

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

from pydantic import Field, ValidationError, model_validator

from sim import messages
from sim.case.baseline import Baseline
from sim.case.experiment import Experiment
from sim.case.feature import Feature
from sim.case.fields import NAME
from sim.case.fleet import Fleet
from sim.case.frozen import FrozenModel
from sim.case.interview import Answer, Interview
from sim.case.knobs import Knob, check_knob_ends, knob_problem, set_path, whole_if
from sim.case.metrics import BATTERY_DEVICE_TYPES, METRICS, RETAINED_WINDOW_DAYS
from sim.case.rollout import Rollout
from sim.case.telemetry import Telemetry
from sim.case.validation import format_validation_error
from sim.case.variants import VariantDraw, Variants, check_number, draw_variant
from sim.errors import ScenarioError
from sim.limits import MAX_VARIANT

MAX_NESTING = 12
"""Arrays and tables nested deeper than this are refused (a case file needs about five)."""


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
            problem = knob_problem(knob, data)
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


def _as_tuples(value: Any, source: str, depth: int = 0) -> Any:
    """TOML arrays as tuples (the models are frozen and strict), refusing deep nesting."""
    if depth > MAX_NESTING:
        raise ScenarioError(messages.NESTING_TOO_DEEP.format(path=source, limit=MAX_NESTING))
    if isinstance(value, list | tuple):
        return tuple(_as_tuples(item, source, depth + 1) for item in value)
    if isinstance(value, dict):
        return {key: _as_tuples(item, source, depth + 1) for key, item in value.items()}
    return value


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


def _validate(data: Mapping[str, Any], source: str, variant_number: int = 0) -> Scenario:
    data = _as_tuples(dict(data), source)
    try:
        return Scenario.model_validate({**data, "source": source,
                                        "variant_number": variant_number})
    except ValidationError as error:
        raise ScenarioError(format_validation_error(error, source, Scenario)) from None


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
    check_knob_ends(case)
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
