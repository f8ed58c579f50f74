"""Numbers as people read them: one place that turns every statistic the app shows into text.

Rules, the same everywhere:

- a missing or undefined value (``None``, NaN, infinity) reads ``n/a``, never ``nan``;
- p-values read ``< 0.001`` below 0.001 and otherwise three significant figures;
- a metric's values, differences and intervals use a fixed number of decimals chosen from its
  unit in the metric catalogue (sessions 2, crashes 3, milliseconds 1, ...), and a 0/1 metric
  reads as a percentage with its changes in percentage points;
- relative changes are signed percentages with two decimals; chances are percentages that
  stop at ``> 99.9%`` and ``< 0.1%``;
- nothing is ever written in scientific notation: very small values round to zero (and lose
  their sign), very large ones get thousands separators.

>>> p_value(1e-300), p_value(0.04123), p_value(0.5)
('< 0.001', '0.0412', '0.500')
>>> metric_value(87.4202, "sessions"), metric_change(0.0005953, "retained")
('87.42', '+0.06 pp')
>>> interval(0.0005953, 0.007888, "retained"), interval(-0.00510, 0.01104, "crashes")
('+0.06 to +0.79 pp', '-0.005 to +0.011')
>>> relative(0.021), probability(0.99999), significant(1.27e-255), number(1e6)
('+2.10%', '> 99.9%', '0', '1,000,000')
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

from sim import messages
from sim.case.metrics import METRICS

UNIT_DECIMALS: dict[str, int] = {
    "sessions": 2,
    "days": 2,
    "crashes": 3,
    "% of battery": 2,
    "ms": 1,
    "score points": 2,
    "uses": 2,
    "events": 3,
}
"""Decimals a metric's values and changes get, by the unit the metric catalogue gives it."""
SHARE_DECIMALS = 1
"""Decimals of a 0/1 metric's share (``91.0%``)."""
POINTS_DECIMALS = 2
"""Decimals of a change in a 0/1 metric, in percentage points (``+0.06 pp``)."""
DEFAULT_DIGITS = 4
"""Significant figures of a number whose metric the catalogue does not know (own data)."""
MAX_DECIMALS = 6
"""No number shows more decimals than this; anything smaller reads as zero."""
P_FLOOR = 0.001
"""p-values below this read ``< 0.001``."""


def _finite(value: Any) -> float | None:
    """``value`` as a float when it is a finite real number, else ``None``."""
    if value is None or isinstance(value, bool) or not isinstance(value, Real):
        try:
            value = float(value)  # numpy scalars and numeric strings
        except (TypeError, ValueError):
            return None
    value = float(value)
    return value if math.isfinite(value) else None


def is_missing(value: Any) -> bool:
    """Whether ``value`` is something a number cannot be read from (None, NaN, infinity).

    >>> is_missing(None), is_missing(float("nan")), is_missing(float("inf")), is_missing(0)
    (True, True, True, False)
    """
    return _finite(value) is None


def _fixed(value: float, decimals: int, signed: bool) -> str:
    """``value`` with ``decimals`` decimals and thousands separators; a value that rounds to
    zero reads unsigned (no ``-0.00``)."""
    decimals = max(0, min(decimals, MAX_DECIMALS))
    if round(value, decimals) == 0:
        value = 0.0
        signed = False
    return f"{value:{'+' if signed else ''},.{decimals}f}"


def number(value: Any, decimals: int = 0, signed: bool = False) -> str:
    """A number with a fixed number of decimals and thousands separators.

    >>> number(1234567.891, 1), number(-0.0004, 2), number(3, signed=True), number(None)
    ('1,234,567.9', '0.00', '+3', 'n/a')
    """
    finite = _finite(value)
    return messages.NOT_AVAILABLE if finite is None else _fixed(finite, decimals, signed)


def count(value: Any) -> str:
    """A whole count with thousands separators.

    >>> count(20000), count(float("nan"))
    ('20,000', 'n/a')
    """
    return number(value, 0)


def significant(value: Any, digits: int = 3, signed: bool = False) -> str:
    """``digits`` significant figures, never in scientific notation (at most
    :data:`MAX_DECIMALS` decimals, so a vanishing value reads ``0``).

    >>> significant(3.96123), significant(0.031234), significant(123456.7), significant(-2e-9)
    ('3.96', '0.0312', '123,457', '0')
    >>> significant(0.0001234, 4)
    '0.000123'
    """
    finite = _finite(value)
    if finite is None:
        return messages.NOT_AVAILABLE
    if finite == 0:
        return "0"
    decimals = min(digits - 1 - math.floor(math.log10(abs(finite))), MAX_DECIMALS)
    if round(finite, max(decimals, 0)) == 0:
        return "0"
    return _fixed(finite, decimals, signed)


def p_value(value: Any) -> str:
    """A p-value: ``< 0.001`` below 0.001, else three significant figures (``n/a`` when it
    cannot be computed).

    >>> p_value(0.00099), p_value(0.001), p_value(0.9996), p_value(1.0), p_value(-1)
    ('< 0.001', '0.00100', '1.00', '1.00', 'n/a')
    """
    finite = _finite(value)
    if finite is None or finite < 0:
        return messages.NOT_AVAILABLE
    if finite < P_FLOOR:
        return messages.P_BELOW.format(limit=f"{P_FLOOR:g}")
    finite = min(finite, 1.0)
    decimals = 2 - math.floor(math.log10(finite))
    rounded = round(finite, decimals)
    if rounded >= 1.0:
        return "1.00"
    if math.floor(math.log10(rounded)) != math.floor(math.log10(finite)):
        decimals -= 1  # 0.09996 rounds to 0.100: three figures, not four
    return f"{rounded:.{decimals}f}"


def percent(value: Any, decimals: int = 1, signed: bool = False) -> str:
    """A share as a percentage (``0.874`` reads ``87.4%``).

    >>> percent(0.874), percent(0.0123, 2, signed=True), percent(None)
    ('87.4%', '+1.23%', 'n/a')
    """
    finite = _finite(value)
    if finite is None:
        return messages.NOT_AVAILABLE
    return _fixed(100 * finite, decimals, signed) + "%"


def relative(value: Any) -> str:
    """A relative change as a signed percentage with two decimals.

    >>> relative(0.0210), relative(-0.0436), relative(float("inf"))
    ('+2.10%', '-4.36%', 'n/a')
    """
    return percent(value, 2, signed=True)


def probability(value: Any) -> str:
    """A chance as a percentage with one decimal, ``> 99.9%`` and ``< 0.1%`` at the ends.

    >>> probability(0.995), probability(1.0), probability(0.0), probability(2.0)
    ('99.5%', '> 99.9%', '< 0.1%', 'n/a')
    """
    finite = _finite(value)
    if finite is None or not 0 <= finite <= 1:
        return messages.NOT_AVAILABLE
    if finite > 0.999:
        return messages.ABOVE.format(limit="99.9%")
    if finite < 0.001:
        return messages.P_BELOW.format(limit="0.1%")
    return percent(finite, 1)


def ratio(value: Any) -> str:
    """A ratio (a hazard ratio, a variance ratio) with three decimals.

    >>> ratio(1.02345), ratio(0)
    ('1.023', '0.000')
    """
    return number(value, 3)


def _is_share(metric: str | None) -> bool:
    info = METRICS.get(metric) if metric else None
    return info is not None and info.kind == "binary"


def decimals_for(metric: str | None) -> int | None:
    """The decimals a metric's values get (``None``: a column the catalogue does not know,
    shown with :data:`DEFAULT_DIGITS` significant figures).

    >>> decimals_for("crashes"), decimals_for("latency_ms"), decimals_for("revenue")
    (3, 1, None)
    """
    info = METRICS.get(metric) if metric else None
    return None if info is None else UNIT_DECIMALS.get(info.unit, 2)


def metric_value(value: Any, metric: str | None) -> str:
    """A metric's value (a mean per device) in its unit's precision; a 0/1 metric as a share.

    >>> metric_value(0.9101, "retained"), metric_value(39.9003, "latency_ms")
    ('91.0%', '39.9')
    >>> metric_value(0.0001234, "revenue"), metric_value(None, "sessions")
    ('0.000123', 'n/a')
    """
    if _is_share(metric):
        return percent(value, SHARE_DECIMALS)
    decimals = decimals_for(metric)
    if decimals is None:
        return significant(value, DEFAULT_DIGITS)
    return number(value, decimals)


def metric_change(value: Any, metric: str | None) -> str:
    """A signed change in a metric's unit; a 0/1 metric's change in percentage points.

    >>> metric_change(1.7941, "sessions"), metric_change(-0.0021, "battery_drain")
    ('+1.79', '0.00')
    >>> metric_change(0.0004, "retained"), metric_change(-12.5, "revenue")
    ('+0.04 pp', '-12.50')
    """
    if _is_share(metric):
        text = number(None if is_missing(value) else 100 * float(value), POINTS_DECIMALS,
                      signed=True)
        return text if text == messages.NOT_AVAILABLE else f"{text} {messages.POINTS}"
    decimals = decimals_for(metric)
    if decimals is None:
        return significant(value, DEFAULT_DIGITS, signed=True)
    return number(value, decimals, signed=True)


def interval(low: Any, high: Any, metric: str | None = None, share: bool = False) -> str:
    """A confidence interval ``low to high``: in the metric's unit (percentage points for a
    0/1 metric), or as relative changes with ``share=True``.

    >>> interval(0.8945, 2.693, "sessions"), interval(-0.0511, 0.1304, share=True)
    ('+0.89 to +2.69', '-5.11% to +13.04%')
    >>> interval(float("nan"), 1.0, "sessions")
    'n/a'
    """
    if is_missing(low) or is_missing(high):
        return messages.NOT_AVAILABLE
    if share:
        return messages.INTERVAL.format(low=relative(low), high=relative(high))
    if _is_share(metric):
        return messages.INTERVAL.format(
            low=number(100 * float(low), POINTS_DECIMALS, signed=True),
            high=number(100 * float(high), POINTS_DECIMALS, signed=True),
        ) + f" {messages.POINTS}"
    return messages.INTERVAL.format(low=metric_change(low, metric),
                                    high=metric_change(high, metric))
