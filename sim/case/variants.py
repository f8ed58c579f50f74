"""Variants: a case redrawn within the ranges its file declares, so it can be practised again.

A case file's ``[variants]`` table says what may vary: ``draws`` (a setting redrawn in every
variant, from a range or a list of options), ``scenes`` (ways the case can turn out, one picked
per variant by weight, each with draws of its own and perhaps a ``hurt`` segment whose effect is
redrawn) and ``mix`` (how far the fleet's chip-tier, region and device-type shares may move).
Variant ``k`` of a case is a pure function of the case id and ``k``: its random numbers come
from :class:`numpy.random.SeedSequence` keyed by both, never from global state. Variant 0 is
the file as written. :meth:`sim.case.scenario.Scenario.variant` validates the result.

>>> spec = Variants(draws=(Draw(path="feature.effect.sessions", min=0.02, max=0.05),))
>>> data = {"feature": {"effect": {"sessions": 0.03}}}
>>> drawn = draw_variant(spec, data, "demo", 3)
>>> drawn == draw_variant(spec, data, "demo", 3), 0.02 <= drawn.settings[0][1] <= 0.05
(True, True)
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from sim import messages
from sim.case.frozen import FrozenModel
from sim.limits import MAX_VARIANT

PATH = r"^[a-z_]+(\.[a-z0-9_]+)+$"
SEGMENT_NAME = r"^[a-z0-9_]+$"
DECIMALS = 4
"""Drawn numbers are rounded to this many decimals (a lift of 0.0342, not 0.034187...)."""
SHARE_DECIMALS = 3
"""Redrawn fleet shares are rounded to this many decimals (0.215 of the fleet)."""
HURT_EFFECTS = {"chip_tier": "feature.effect.by_chip_tier", "region": "feature.effect.by_region"}
"""Where a hurt segment's effect multiplier lives, by segment kind."""
MIX_LISTS = {"chip_tiers": "chip_tiers", "regions": "regions"}
"""The fleet's lists of named shares that ``mix`` may move (device types are a mapping)."""


class Draw(FrozenModel):
    """One setting redrawn per variant: uniformly from ``min`` to ``max`` (whole numbers when
    the setting is one), or one of ``options``."""

    path: Annotated[str, Field(pattern=PATH, max_length=120)]
    min: Annotated[float, Field(ge=-1e6, le=1e6)] | None = None
    max: Annotated[float, Field(ge=-1e6, le=1e6)] | None = None
    options: Annotated[tuple[str | float | int, ...], Field(min_length=1, max_length=40)] | None = None

    @model_validator(mode="after")
    def _range_or_options(self) -> Draw:
        has_range = self.min is not None and self.max is not None
        if has_range == (self.options is not None):
            raise ValueError(messages.VARIANT_RANGE_OR_OPTIONS)
        if has_range and self.min > self.max:
            raise ValueError(messages.VARIANT_MIN_ABOVE_MAX.format(low=self.min, high=self.max))
        return self

    def ends(self) -> tuple[Any, ...]:
        """The values a variant can reach at the edges: every option, or the two ends.

        >>> Draw(path="telemetry.firmware_shift", min=1.5, max=4.0).ends()
        (1.5, 4.0)
        """
        return self.options if self.options is not None else (self.min, self.max)


class Hurt(FrozenModel):
    """A segment the feature hurts: one of ``among`` (chip tiers or regions), its effect
    multiplied by a number from ``min`` to ``max`` (below 0 the lift turns into a loss)."""

    kind: Literal["chip_tier", "region"]
    among: Annotated[tuple[Annotated[str, Field(pattern=SEGMENT_NAME)], ...],
                     Field(min_length=1, max_length=12)]
    min: Annotated[float, Field(ge=-5.0, le=5.0)]
    max: Annotated[float, Field(ge=-5.0, le=5.0)]

    @model_validator(mode="after")
    def _ordered(self) -> Hurt:
        if self.min > self.max:
            raise ValueError(messages.VARIANT_MIN_ABOVE_MAX.format(low=self.min, high=self.max))
        return self

    @property
    def path(self) -> str:
        """The open mapping the multiplier goes into.

        >>> Hurt(kind="region", among=("europe",), min=-1.0, max=-0.5).path
        'feature.effect.by_region'
        """
        return HURT_EFFECTS[self.kind]


class Scene(FrozenModel):
    """One way the case can turn out (``name`` says it in a few words, for the debrief)."""

    name: Annotated[str, Field(min_length=1, max_length=120)]
    weight: Annotated[float, Field(gt=0.0, le=1_000.0)] = 1.0
    draws: Annotated[tuple[Draw, ...], Field(max_length=20)] = ()
    hurt: Hurt | None = None


class Mix(FrozenModel):
    """How far each share of the fleet may move: every share is multiplied by a number from
    ``1 - spread`` to ``1 + spread``, then the shares are scaled back to sum to 1."""

    chip_tiers: Annotated[float, Field(ge=0.0, le=0.5)] = 0.0
    regions: Annotated[float, Field(ge=0.0, le=0.5)] = 0.0
    device_types: Annotated[float, Field(ge=0.0, le=0.5)] = 0.0


class Variants(FrozenModel):
    """What a case's variants may change (see the module)."""

    draws: Annotated[tuple[Draw, ...], Field(max_length=20)] = ()
    scenes: Annotated[tuple[Scene, ...], Field(max_length=12)] = ()
    mix: Mix = Mix()

    def declared(self) -> bool:
        """Whether anything varies at all.

        >>> Variants().declared(), Variants(mix=Mix(regions=0.2)).declared()
        (False, True)
        """
        return bool(self.draws or self.scenes or any(self.mix.model_dump().values()))


@dataclass(frozen=True)
class VariantDraw:
    """What variant ``number`` drew: the scene, each setting by dotted path, and the case's
    plain data with them applied (``data``, for validation)."""

    number: int
    scene: str | None
    settings: tuple[tuple[str, Any], ...]
    data: Mapping[str, Any] = field(compare=False, repr=False)

    def describe(self) -> str:
        """The variant in one line: its number, scene and what it set.

        >>> VariantDraw(2, "no firmware step", (("telemetry.firmware_shift", 0.0),), {}).describe()
        'Variant 2 (no firmware step): telemetry.firmware_shift = 0.0'
        """
        scene = f" ({self.scene})" if self.scene else ""
        settings = "; ".join(f"{path} = {value}" for path, value in self.settings)
        return messages.VARIANT_DESCRIPTION.format(number=self.number, scene=scene,
                                                   settings=settings or messages.VARIANT_NOTHING)


def variant_rng(case_id: str, number: int) -> np.random.Generator:
    """The random numbers of variant ``number`` of a case: keyed by both, independent of any
    other generator (so a variant is the same on every machine and in every session).

    >>> float(variant_rng("aa_test", 1).random()) == float(variant_rng("aa_test", 1).random())
    True
    """
    return np.random.default_rng(np.random.SeedSequence((number, *case_id.encode("utf-8"))))


def check_number(number: Any) -> int:
    """A variant number as an int, or a :class:`ValueError` saying which ones exist.

    >>> check_number(3)
    3
    >>> check_number(-1)
    Traceback (most recent call last):
    ...
    ValueError: variant -1 is not a whole number from 0 to 999999
    """
    if isinstance(number, bool) or not isinstance(number, int | np.integer) \
            or not 0 <= number <= MAX_VARIANT:
        raise ValueError(messages.VARIANT_BAD_NUMBER.format(value=number, high=MAX_VARIANT))
    return int(number)


def draw_variant(spec: Variants, data: Mapping[str, Any], case_id: str,
                 number: int) -> VariantDraw:
    """Variant ``number`` of a case's plain data (``Scenario.model_dump(mode="json")``).

    The mix is drawn first, then the draws, then the scene and its draws, always in the file's
    order, so each variant takes the same random numbers for the same purpose.

    >>> spec = Variants(scenes=(Scene(name="calm"), Scene(name="storm", weight=3.0)))
    >>> [draw_variant(spec, {}, "demo", k).scene for k in range(1, 5)]
    ['calm', 'calm', 'storm', 'storm']
    """
    number = check_number(number)
    rng = variant_rng(case_id, number)
    drawn = copy.deepcopy(dict(data))
    settings: list[tuple[str, Any]] = []
    for name, spread in spec.mix.model_dump().items():
        if spread > 0:
            settings.append((f"fleet.{name}", _redraw_shares(drawn["fleet"], name, spread, rng)))
    for item in spec.draws:
        settings.append(_apply(item.path, _draw_value(item, drawn, rng), drawn))
    scene = None
    if spec.scenes:
        weights = np.array([s.weight for s in spec.scenes])
        chosen = spec.scenes[int(rng.choice(len(spec.scenes), p=weights / weights.sum()))]
        scene = chosen.name
        for item in chosen.draws:
            settings.append(_apply(item.path, _draw_value(item, drawn, rng), drawn))
        if chosen.hurt is not None:
            hurt = chosen.hurt
            segment = hurt.among[int(rng.integers(len(hurt.among)))]
            value = round(float(rng.uniform(hurt.min, hurt.max)), DECIMALS)
            settings.append(_apply(f"{hurt.path}.{segment}", value, drawn))
    return VariantDraw(number, scene, tuple(settings), drawn)


def _current(data: Mapping[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def _apply(path: str, value: Any, data: dict) -> tuple[str, Any]:
    # Paths were checked when the case loaded (every draw's ends make a valid case), and the
    # open mappings (by_chip_tier, by_region) take new keys.
    parts = path.split(".")
    node: Any = data
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    last = parts[-1]
    node[int(last) if isinstance(node, list) else last] = value
    return path, value


def _draw_value(item: Draw, data: Mapping[str, Any], rng: np.random.Generator) -> Any:
    if item.options is not None:
        return item.options[int(rng.integers(len(item.options)))]
    current = _current(data, item.path)
    if isinstance(current, int) and not isinstance(current, bool):
        return int(rng.integers(int(np.ceil(item.min)), int(np.floor(item.max)) + 1))
    return round(float(rng.uniform(item.min, item.max)), DECIMALS)


def _redraw_shares(fleet: dict, name: str, spread: float, rng: np.random.Generator) -> str:
    """Move one of the fleet's share lists in place; returns the new shares in words."""
    if name in MIX_LISTS:
        entries = fleet[MIX_LISTS[name]]
        names = [entry["name"] for entry in entries]
        old = np.array([entry["share"] for entry in entries], dtype=float)
    else:
        names = list(fleet[name])
        old = np.array([fleet[name][key] for key in names], dtype=float)
    factors = rng.uniform(1.0 - spread, 1.0 + spread, size=len(old))
    new = np.round(old * factors / (old * factors).sum(), SHARE_DECIMALS)
    # Rounding may leave the sum a thousandth off: the largest share takes the difference.
    largest = int(np.argmax(new))
    new[largest] = round(1.0 - (new.sum() - new[largest]), SHARE_DECIMALS)
    shares = [float(share) for share in new]
    if name in MIX_LISTS:
        for entry, share in zip(entries, shares, strict=True):
            entry["share"] = share
    else:
        fleet[name] = dict(zip(names, shares, strict=True))
    return ", ".join(f"{key} {share:g}" for key, share in zip(names, shares, strict=True))
