"""A Markov chain over device states (active, dormant, churned) estimated from daily logs.

Each transition is a pair of consecutive days of one unit that both reported; the estimate of
P(state i -> state j) is the count of i -> j over the count of i -> anything (the maximum
likelihood estimate). ``n_step`` carries a starting distribution forward.

>>> logs = pd.DataFrame({"unit": [1, 1, 1, 2, 2, 2], "day": [0, 1, 2, 0, 1, 2],
...                      "state": ["active", "active", "dormant", "active", "dormant",
...                                "churned"]})
>>> chain = transition_matrix(logs)
>>> chain.matrix.loc["active"].tolist(), chain.matrix.loc["dormant"].tolist()
([0.3333333333333333, 0.6666666666666666, 0.0], [0.0, 0.0, 1.0])
>>> n_step(chain, {"active": 1.0}, 2)["churned"]
0.6666666666666666
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim import messages
from sim.analysis.frame import AnalysisResult

STATES = ("active", "dormant", "churned")
ABSORBING = "churned"
"""A churned device never comes back: its row of the matrix is fixed at staying churned."""


@dataclass(frozen=True)
class MarkovResult(AnalysisResult):
    """Transition counts and the estimated matrix (rows: from, columns: to)."""

    counts: pd.DataFrame
    matrix: pd.DataFrame
    reading: str


def transition_matrix(logs: pd.DataFrame, unit: str = "unit", day: str = "day",
                      state: str = "state") -> MarkovResult:
    """Estimate the chain from one row per unit and day (duplicates are dropped)."""
    frame = logs[[unit, day, state]].drop_duplicates([unit, day]).sort_values([unit, day])
    following = frame.groupby(unit)[[day, state]].shift(-1)
    pairs = frame.assign(next_day=following[day], next_state=following[state])
    pairs = pairs[pairs["next_day"] == pairs[day] + 1]
    counts = pd.crosstab(pairs[state], pairs["next_state"]).reindex(
        index=STATES, columns=STATES, fill_value=0)
    totals = counts.sum(axis=1).replace(0, np.nan)
    matrix = counts.div(totals, axis=0).fillna(0.0)
    matrix.loc[ABSORBING] = [1.0 if s == ABSORBING else 0.0 for s in STATES]
    reading = messages.MARKOV_READING.format(
        pairs=int(counts.to_numpy().sum()), stay=matrix.loc["active", "active"],
        churn=matrix.loc["active", "churned"])
    return MarkovResult(counts, matrix, reading)


def n_step(chain: MarkovResult, start: Mapping[str, float], steps: int) -> dict[str, float]:
    """The state distribution ``steps`` days after ``start`` (shares of units by state)."""
    vector = np.array([float(start.get(s, 0.0)) for s in STATES])
    power = np.linalg.matrix_power(chain.matrix.to_numpy(dtype=float), int(steps))
    return dict(zip(STATES, (vector @ power).tolist(), strict=True))
