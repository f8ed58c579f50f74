"""The chance a crash gate trips by luck, against a hand-worked example.

Hand-worked (exact binomial sums, independent of scipy): a 1% stage with 200 device-days, a
true daily crash rate of 0.4% and the store's 1.09% bad-behaviour threshold (DOMAIN.md) at
alpha 0.05. At the threshold, P(X >= 5) = 1 - sum_{j<5} C(200, j) 0.0109^j 0.9891^(200-j)
= 0.0693 (not below 0.05) and P(X >= 6) = 0.0233 (below): the gate needs 6 crashes. At the
true rate, P(X >= 6) = 1 - sum_{j<6} C(200, j) 0.004^j 0.996^(200-j) = 0.000174.
"""

from __future__ import annotations

from math import comb

import pytest

from sim.analysis.gates import events_to_trip, gate_trip_chance


def _tail(k: int, n: int, p: float) -> float:
    return 1.0 - sum(comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k))


def test_the_hand_worked_example():
    assert _tail(5, 200, 0.0109) == pytest.approx(0.0693, abs=5e-5)
    assert _tail(6, 200, 0.0109) == pytest.approx(0.0233, abs=5e-5)
    result = gate_trip_chance(trials=200, rate=0.004, threshold=0.0109, alpha=0.05)
    assert result.events_needed == 6
    assert result.chance == pytest.approx(_tail(6, 200, 0.004), rel=1e-9)
    assert result.chance == pytest.approx(0.000174, abs=5e-7)
    assert "at least 6 crashes" in result.reading


def test_a_looser_alpha_needs_fewer_crashes_and_trips_more_often():
    strict = gate_trip_chance(200, 0.004, 0.0109, 0.01)
    loose = gate_trip_chance(200, 0.004, 0.0109, 0.2)
    assert loose.events_needed < 6 < strict.events_needed
    assert loose.chance > 0.000174 > strict.chance


def test_a_stage_too_small_to_breach_cannot_trip():
    # With 3 device-days even 3 crashes of 3 do not reach p < 1e-9 against a 50% threshold.
    assert events_to_trip(3, 0.5, 1e-9) is None
    result = gate_trip_chance(3, 0.4, 0.5, 1e-9)
    assert result.events_needed is None and result.chance == 0.0
    assert "cannot trip" in result.reading
