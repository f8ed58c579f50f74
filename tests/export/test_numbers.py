"""Every number formatter on the edge values: vanishing, zero, huge, negative and missing."""

from __future__ import annotations

import re

import numpy as np
import pytest

from sim.case.metrics import METRIC_NAMES
from sim.export import numbers

EDGES = [1e-300, 0.0, 1e6, -3.75, -1e-300, float("nan"), None, float("inf"), -float("inf"),
         np.float32(0.5), np.int64(7)]
MISSING = [float("nan"), None, float("inf"), -float("inf")]

FORMATTERS = {
    "number": numbers.number,
    "count": numbers.count,
    "significant": numbers.significant,
    "p_value": numbers.p_value,
    "percent": numbers.percent,
    "relative": numbers.relative,
    "probability": numbers.probability,
    "ratio": numbers.ratio,
    **{f"metric_value[{m}]": (lambda v, m=m: numbers.metric_value(v, m)) for m in METRIC_NAMES},
    **{f"metric_change[{m}]": (lambda v, m=m: numbers.metric_change(v, m)) for m in METRIC_NAMES},
    "metric_value[own column]": lambda v: numbers.metric_value(v, "revenue"),
    "metric_change[own column]": lambda v: numbers.metric_change(v, "revenue"),
    "interval[sessions]": lambda v: numbers.interval(v, v, "sessions"),
    "interval[retained]": lambda v: numbers.interval(v, v, "retained"),
    "interval[relative]": lambda v: numbers.interval(v, v, share=True),
}
READABLE = re.compile(r"^[<>+\-0-9.,% a-z/]+$")


@pytest.mark.parametrize("name", sorted(FORMATTERS))
@pytest.mark.parametrize("value", EDGES, ids=repr)
def test_every_formatter_gives_readable_text_on_edge_values(name, value):
    text = FORMATTERS[name](value)
    assert isinstance(text, str) and text
    assert READABLE.match(text), text
    assert "e-" not in text and "e+" not in text, f"scientific notation: {text}"
    assert "nan" not in text.lower() and "inf" not in text.lower() and "None" not in text
    assert not re.search(r"(^|\s)[-+]0(\.0*)?(%| pp|$)", text), f"a signed zero: {text}"
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        assert text == "n/a"


@pytest.mark.parametrize("value", MISSING, ids=repr)
def test_missing_values_read_as_a_word(value):
    assert numbers.p_value(value) == "n/a"
    assert numbers.metric_value(value, "sessions") == "n/a"
    assert numbers.interval(value, 1.0, "sessions") == "n/a"
    assert numbers.interval(0.0, value, "retained") == "n/a"


def test_p_values_read_below_a_thousandth_or_with_three_significant_figures():
    assert numbers.p_value(1e-300) == "< 0.001"
    assert numbers.p_value(0.0) == "< 0.001"
    assert numbers.p_value(0.000999) == "< 0.001"
    assert numbers.p_value(0.00123456) == "0.00123"
    assert numbers.p_value(0.0412345) == "0.0412"
    assert numbers.p_value(0.099996) == "0.100"
    assert numbers.p_value(0.5) == "0.500"
    assert numbers.p_value(1e6) == "1.00"  # clipped: a p-value is at most 1
    assert numbers.p_value(-0.2) == "n/a"


def test_a_metric_keeps_one_precision_across_values_changes_and_intervals():
    assert numbers.metric_value(85.5504, "sessions") == "85.55"
    assert numbers.metric_change(1.794, "sessions") == "+1.79"
    assert numbers.interval(0.8945, 2.693, "sessions") == "+0.89 to +2.69"
    assert numbers.interval(-0.005104, 0.01104, "crashes") == "-0.005 to +0.011"
    assert numbers.metric_value(1e6, "latency_ms") == "1,000,000.0"
    # A 0/1 metric: its value as a share, its change in percentage points.
    assert numbers.metric_value(0.9101, "retained") == "91.0%"
    assert numbers.interval(-0.007583, 0.008288, "retained") == "-0.76 to +0.83 pp"


def test_values_that_round_to_zero_lose_their_sign():
    assert numbers.metric_change(-1e-300, "sessions") == "0.00"
    assert numbers.relative(-1e-300) == "0.00%"
    assert numbers.number(-0.0001, 2) == "0.00"
    assert numbers.significant(-1e-300) == "0"


def test_chances_stop_short_of_certainty():
    assert numbers.probability(1e-300) == "< 0.1%"
    assert numbers.probability(1 - 1e-12) == "> 99.9%"
    assert numbers.probability(0.5) == "50.0%"
    assert numbers.probability(-0.1) == "n/a"
