"""Bayes' rule by hand, day by day: two hypotheses about an effect (none, or a loss of
``delta``), a prior, and one normal likelihood per day's estimate and standard error.

The likelihood ratio of a day's estimate ``x`` with standard error ``s`` is
``exp((x**2 - (x + delta)**2) / (2 * s**2))`` (hurt: mean ``-delta``; not hurt: mean 0), and
the posterior odds are the prior odds times every day's ratio.

>>> [round(p, 4) for p in posterior_path(0.5, [(-0.03, 0.03), (-0.03, 0.03)], delta=0.03)]
[0.6225, 0.7311]
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def likelihood_ratio(estimate: float, se: float, delta: float) -> float:
    """How much more likely ``estimate`` is under a loss of ``delta`` than under no effect.

    >>> round(likelihood_ratio(-0.03, 0.03, 0.03), 4)   # exp(0.5)
    1.6487
    """
    return math.exp((estimate**2 - (estimate + delta) ** 2) / (2 * se**2))


def posterior_path(prior: float, days: Sequence[tuple[float, float]],
                   delta: float) -> list[float]:
    """The probability of "hurt" after each day's (estimate, standard error)."""
    odds = prior / (1.0 - prior)
    path = []
    for estimate, se in days:
        odds *= likelihood_ratio(estimate, se, delta)
        path.append(odds / (1.0 + odds))
    return path
