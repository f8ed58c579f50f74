"""Knobs: setting a case's values by dotted path, and reading them the way TOML would.

Used by :meth:`sim.case.scenario.Scenario.with_knobs`, the command line's ``--set`` and shared links.
"""

from __future__ import annotations

import tomllib
from typing import Any

from sim import messages
from sim.errors import ScenarioError


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


