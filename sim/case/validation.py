"""How a case's validation error reads: one line naming the file, the dotted path and what was
allowed there, never pydantic's dump (:func:`sim.case.scenario.load_scenario` raises it as a
:class:`~sim.errors.ScenarioError`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from sim import messages


def format_validation_error(error: ValidationError, source: str, model: type[BaseModel]) -> str:
    """The first problem of a failed validation of ``model`` as one line: the file, the dotted
    path and what was wrong (for an unknown key, the keys allowed there), and how many more
    problems there are.

    >>> from sim.case.telemetry import Telemetry
    >>> try:
    ...     Telemetry.model_validate({"late_rate": 2.0, "missing_rat": 0.1})
    ... except ValidationError as error:
    ...     print(format_validation_error(error, "x.toml", Telemetry))
    x.toml: late_rate: Input should be less than or equal to 1 (got 2.0) (and 1 more problem)
    """
    problems = error.errors()
    first = problems[0]
    location = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        allowed = _allowed_keys(first["loc"][:-1], model)
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


def _allowed_keys(parent_loc: tuple, model: Any) -> str:
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
