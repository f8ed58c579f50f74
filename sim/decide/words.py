"""Decisions in words: call labels, lists of names and signed percentages.

>>> call_label("ship_segments", "chip_tier", ["flagship", "mid"]), pct(0.0291)
('ship to flagship and mid (chip_tier)', '+2.9%')
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sim import messages

CALL_LABELS = {
    "ship_all": "ship to all",
    "ship_segments": "ship to segments",
    "extend": "extend",
    "iterate": "iterate",
    "rollback": "roll back",
}
"""Each call in words."""


def call_label(call: str, kind: str | None = None, segments: Sequence[str] = ()) -> str:
    """A call in words: ``ship to flagship and mid (chip_tier)``, ``roll back``.

    >>> call_label("rollback")
    'roll back'
    """
    if call == "ship_segments" and segments:
        return f"ship to {join_names(segments)} ({kind})"
    return CALL_LABELS.get(call, call)


def join_names(names: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``.

    >>> join_names(["flagship", "upper_mid", "mid"])
    'flagship, upper_mid and mid'
    """
    names = [str(name) for name in names]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def pct(value: float | None, digits: int = 1) -> str:
    """A relative change as a signed percentage (``n/a`` when undefined).

    >>> pct(0.0291), pct(-0.1034), pct(float("nan"))
    ('+2.9%', '-10.3%', 'n/a')
    """
    if value is None or not math.isfinite(value):
        return messages.NOT_AVAILABLE
    return f"{value:+.{digits}%}"
