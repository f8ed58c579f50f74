"""Knobs: the settings a case declares (:class:`Knob`), setting a case's values by dotted
path, and reading them the way TOML would.

Used by :meth:`sim.case.scenario.Scenario.with_knobs`, the command line's ``--set`` and shared links.

>>> knob = Knob(path="experiment.treatment_share", label="Treatment share", min=0.1, max=0.5)
>>> knob_problem(knob, {"experiment": {"treatment_share": 0.9}})
"the case's own value 0.9 is outside the range 0.1..0.5"
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, model_validator

from sim import messages
from sim.case.fields import bounded
from sim.case.frozen import FrozenModel
from sim.errors import ScenarioError

if TYPE_CHECKING:
    from sim.case.scenario import Scenario


def set_path(data: dict, path: str, value: Any, source: str) -> None:
    """Set the value at a dotted path in a case's plain data, or say which keys exist there.

    >>> data = {"feature": {"quantization": "int8"}, "rollout": {"stages": [{"bake_days": 1}]}}
    >>> set_path(data, "rollout.stages.0.bake_days", 3, "case.toml"); data["rollout"]
    {'stages': [{'bake_days': 3}]}
    """
    parts = path.split(".")
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ScenarioError(
                    messages.KNOB_UNKNOWN_PATH.format(
                        path=source,
                        location=path,
                        allowed=f"an index from 0 to {len(node) - 1}",
                    )
                )
            key: Any = int(part)
        elif isinstance(node, dict):
            if part not in node and not _is_open_mapping(parts[:depth]):
                raise ScenarioError(
                    messages.KNOB_UNKNOWN_PATH.format(
                        path=source, location=path, allowed=", ".join(sorted(node))
                    )
                )
            key = part
        else:
            raise ScenarioError(
                messages.KNOB_UNKNOWN_PATH.format(
                    path=source, location=path, allowed=f"nothing below {'.'.join(parts[:depth])}"
                )
            )
        if last:
            node[key] = value
        else:
            node = node[key]


OPEN_MAPPINGS = frozenset({"device_types", "by_chip_tier", "by_device_type", "by_region"})
"""Mappings keyed by data (device types, chip tiers) accept new keys; models do not."""


def _is_open_mapping(parent_parts: list[str]) -> bool:
    return bool(parent_parts) and parent_parts[-1] in OPEN_MAPPINGS


def parse_knob_value(text: str) -> Any:
    """Read a ``--set`` value the way TOML would, falling back to a plain string.

    >>> parse_knob_value("0.25"), parse_knob_value("int4"), parse_knob_value("[1, 2]")
    (0.25, 'int4', [1, 2])
    """
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """Turn ``["a.b=1", "c.d=int8"]`` into ``{"a.b": 1, "c.d": "int8"}``.

    >>> parse_overrides(["feature.quantization=int4", "experiment.treatment_share=0.3"])
    {'feature.quantization': 'int4', 'experiment.treatment_share': 0.3}
    """
    overrides: dict[str, Any] = {}
    for item in items:
        path, sep, value = item.partition("=")
        if not sep or not path.strip() or not value.strip():
            raise ScenarioError(messages.KNOB_FORMAT.format(text=item))
        overrides[path.strip()] = parse_knob_value(value.strip())
    return overrides


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
    step: bounded(0.0, 1e9, above=True) | None = None
    options: Annotated[tuple[str | float | int, ...], Field(min_length=1, max_length=40)] | None = None

    @model_validator(mode="after")
    def _range_or_options(self) -> Knob:
        has_range = self.min is not None and self.max is not None
        if has_range == (self.options is not None):
            raise ValueError("a knob needs either min and max, or options (not both)")
        if has_range and self.min > self.max:
            raise ValueError(f"knob min ({self.min}) is above its max ({self.max})")
        return self


def knob_problem(knob: Knob, data: Mapping[str, Any]) -> str | None:
    """What is wrong with a knob in a case's plain data (``None`` when nothing): a path that
    names no setting, or a range or option list that leaves out the case's own value.

    >>> knob = Knob(path="feature.quantization", label="Quantization", options=("int8", "int4"))
    >>> knob_problem(knob, {"feature": {"quantization": "int8"}}) is None
    True
    >>> knob_problem(knob, {"feature": {"quantisation": "int8"}})
    'there is no such setting in this case'
    """
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

    >>> from sim.case.scenario import load_scenario
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


def check_knob_ends(scenario: Scenario) -> None:
    """Every knob's options and ends make a valid case (a case that validates must run);
    otherwise a :class:`~sim.errors.ScenarioError` names the knob and the end that breaks it.

    >>> from sim.case.scenario import load_scenario
    >>> check_knob_ends(load_scenario("scenarios/aa_test.toml"))
    """
    for index, knob in enumerate(scenario.knobs):
        for value in knob_choices(scenario, knob):
            try:
                scenario.with_knobs({knob.path: value})
            except ScenarioError as error:
                detail = str(error).removeprefix(f"{scenario.source}: ")
                raise ScenarioError(messages.KNOB_END_INVALID.format(
                    path=scenario.source, index=index, knob=knob.path, value=value,
                    detail=detail)) from None
