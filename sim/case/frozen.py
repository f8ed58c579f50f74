"""The base of every case-file model: frozen, strict, and closed to unknown keys.

>>> class Example(FrozenModel):
...     days: int
>>> Example(days=28).days
28
>>> Example(days=28.0)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for Example
...
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class FrozenModel(BaseModel):
    """A case-file model: unknown keys are refused, values never change after validation."""

    # Strict: a boolean is not a number, 28.0 is not a whole number of days, and infinity or
    # NaN is no setting at all. TOML arrays arrive as tuples (see scenario._as_tuples).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
