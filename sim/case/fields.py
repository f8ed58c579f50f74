"""Field types the case-file models share: a name, a probability and a bounded number.

>>> from sim.case.frozen import FrozenModel
>>> class Crashes(FrozenModel):
...     name: Annotated[str, Field(pattern=NAME)]
...     rate: Probability
>>> Crashes(name="baseline", rate=0.004).rate
0.004
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

NAME = r"^[a-z0-9_]+$"
"""A segment or case name: lower-case letters, digits and underscores."""
SHARE_TOLERANCE = 1e-6
"""How far shares that must sum to 1 (or a last stage that must offer the build to all) may miss."""
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


def bounded(low: float, high: float, *, above: bool = False) -> Any:
    """A float from ``low`` (excluded when ``above``) to ``high``: every number a case holds
    has a sane range, so an absurd magnitude is refused where it is written.

    >>> from sim.case.frozen import FrozenModel
    >>> class Battery(FrozenModel):
    ...     drain_pct: bounded(0.0, 100.0)
    >>> Battery(drain_pct=18.0).drain_pct
    18.0
    >>> Battery(drain_pct=1e9)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Battery
    ...
    """
    return Annotated[float, Field(gt=low, le=high) if above else Field(ge=low, le=high)]
