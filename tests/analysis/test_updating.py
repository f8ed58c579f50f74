"""Bayes' rule day by day, against a hand-worked example.

Hand-worked: prior 50% (odds 1) that the effect is a loss of 3% rather than none. Day 1 shows
-3% with a standard error of 3%: the normal density ratio is exp((0.03^2 - 0^2) / (2 * 0.03^2))
= exp(0.5) = 1.6487, odds 1.6487, P = 1.6487 / 2.6487 = 62.25%. Day 2 shows +1.5% with a
standard error of 1.5%: exp((0.015^2 - 0.045^2) / (2 * 0.015^2)) = exp(-4) = 0.01832, odds
1.6487 * 0.01832 = 0.03020, P = 2.93%.
"""

from __future__ import annotations

import math

import pytest

from sim.analysis.updating import likelihood_ratio, posterior_path


def test_the_hand_worked_example():
    assert likelihood_ratio(-0.03, 0.03, 0.03) == pytest.approx(math.exp(0.5))
    assert likelihood_ratio(0.015, 0.015, 0.03) == pytest.approx(math.exp(-4))
    first, second = posterior_path(0.5, [(-0.03, 0.03), (0.015, 0.015)], delta=0.03)
    assert first == pytest.approx(0.6225, abs=5e-5)
    assert second == pytest.approx(0.0293, abs=5e-5)


def test_an_estimate_halfway_between_the_hypotheses_changes_nothing():
    assert posterior_path(0.3, [(-0.015, 0.01)] * 5, delta=0.03)[-1] == pytest.approx(0.3)
