"""The device-state Markov chain, against a hand-worked example.

Hand-worked: device 1 reports days 0-3 as active, active, dormant, active; device 2 reports
days 0, 1 and 3 (day 2 is missing) as active, dormant, dormant, and device 3 days 0-2 as active,
churned, churned. Consecutive reported pairs: 1: A->A, A->D, D->A; 2: A->D (1->3 skips a day,
so it is no transition); 3: A->C, C->C. From active: 1 A, 2 D, 1 C of 4 -> (0.25, 0.5, 0.25);
from dormant: 1 A of 1 -> (1, 0, 0); churned stays churned. Two days from all-active:
(1, 0, 0) P = (0.25, 0.5, 0.25); times P again = (0.25*0.25 + 0.5*1, 0.25*0.5, 0.25*0.25 + 0.25)
= (0.5625, 0.125, 0.3125): 68.75% not churned.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim.analysis.markov import n_step, transition_matrix

LOGS = pd.DataFrame({
    "unit": [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3],
    "day": [0, 1, 2, 3, 0, 1, 3, 3, 0, 1, 2],
    "state": ["active", "active", "dormant", "active", "active", "dormant", "dormant",
              "dormant", "active", "churned", "churned"],
})


def test_the_hand_worked_chain():
    chain = transition_matrix(LOGS)
    assert chain.matrix.loc["active"].tolist() == [0.25, 0.5, 0.25]
    assert chain.matrix.loc["dormant"].tolist() == [1.0, 0.0, 0.0]
    assert chain.matrix.loc["churned"].tolist() == [0.0, 0.0, 1.0]
    assert int(chain.counts.to_numpy().sum()) == 6  # the duplicate and the gap add nothing
    two = n_step(chain, {"active": 1.0}, 2)
    assert two == pytest.approx({"active": 0.5625, "dormant": 0.125, "churned": 0.3125})


def test_a_state_never_left_has_a_zero_row_and_churned_absorbs():
    only_active = pd.DataFrame({"unit": [1, 1], "day": [0, 1], "state": ["active", "active"]})
    chain = transition_matrix(only_active)
    assert chain.matrix.loc["active"].tolist() == [1.0, 0.0, 0.0]
    assert chain.matrix.loc["dormant"].tolist() == [0.0, 0.0, 0.0]
    assert n_step(chain, {"churned": 1.0}, 5)["churned"] == 1.0
