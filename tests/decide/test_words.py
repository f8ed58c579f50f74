"""Decisions in words."""

from __future__ import annotations

import math

from sim.case.interview import Call
from sim.decide.words import CALL_LABELS, call_label, join_names, pct


def test_every_call_has_words():
    assert set(CALL_LABELS) == set(Call.__args__)
    assert call_label("ship_segments") == "ship to segments"
    assert call_label("ship_segments", "region", ["europe"]) == "ship to europe (region)"


def test_names_join_as_a_sentence_would():
    assert [join_names(n) for n in ([], ["a"], ["a", "b"], ["a", "b", "c"])] == [
        "", "a", "a and b", "a, b and c"]


def test_percentages_are_signed_and_undefined_ones_say_so():
    assert (pct(0.0), pct(0.123456, 2), pct(-1.0)) == ("+0.0%", "+12.35%", "-100.0%")
    assert pct(math.inf) == pct(None) == "n/a"
