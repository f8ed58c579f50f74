"""Deciding: the decision rule, its evidence through the data and through the truth, the
checks that mattered, a person's :class:`Decision`, and the scorecard.

- :mod:`sim.decide.rule` - the rule itself, on evidence already judged by a lens;
- :mod:`sim.decide.evidence` - that evidence from a readout (the data) or from the truth table;
- :mod:`sim.decide.checks` - the checks that mattered in a run;
- :mod:`sim.decide.decision` - :class:`Decision`, :func:`decide` (the data) and
  :func:`right_call` (the truth);
- :mod:`sim.decide.scorecard` - a decision scored against the truth;
- :mod:`sim.decide.words` - calls and numbers in words.

``sim.decide`` is also the façade's function: ``sim.decide(report, scenario=case)`` is
:func:`sim.decide.decision.decide`. The package and the function share the name, so the
package is callable (its module class gains ``__call__``); ``sim.decide.scorecard`` and
``sim.decide(report)`` both work.

>>> import sim
>>> result = sim.simulate(sim.load_scenario("scenarios/aa_test.toml"), seed=4, devices=5_000)
>>> sim.decide(sim.analyse(result), scenario=result.scenario).call in {"iterate", "extend"}
True
"""

import inspect
import sys
import types

from sim.decide.decision import CALLS, CHECKS, SHIP_CALLS, Decision, decide, right_call
from sim.decide.scorecard import Scorecard, ScoreItem, score, score_many
from sim.decide.words import CALL_LABELS, call_label, join_names, pct

__all__ = [
    "CALLS",
    "CALL_LABELS",
    "CHECKS",
    "SHIP_CALLS",
    "Decision",
    "ScoreItem",
    "Scorecard",
    "call_label",
    "decide",
    "join_names",
    "pct",
    "right_call",
    "score",
    "score_many",
]


class _CallablePackage(types.ModuleType):
    """This package, callable as :func:`sim.decide.decision.decide`."""

    __signature__ = inspect.signature(decide)

    def __call__(self, *args, **kwargs) -> Decision:
        return decide(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
