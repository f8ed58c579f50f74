"""Launch Room's headless core: case files, the simulated fleet, its readout, and decisions.

The façade: :func:`load_scenario`, :func:`simulate`, :func:`analyse`, :func:`decide`,
:func:`right_call`, :func:`score`, :func:`sweep`, :class:`Decision` and the result types. The
packages below hold one concept each, and depend one way (case <- engine <- readout ->
analysis; decide on readout and analysis; export, rooms and sweeps on decide):
:mod:`sim.case`, :mod:`sim.engine`, :mod:`sim.analysis`, :mod:`sim.readout`,
:mod:`sim.decide`, :mod:`sim.export`, :mod:`sim.rooms`, :mod:`sim.sweeps`.

>>> import sim
>>> case = sim.load_scenario("scenarios/aa_test.toml")
>>> result = sim.simulate(case, seed=0, devices=1_000, days=7)
>>> len(result.devices)
1000
"""

from sim import decide  # the package is callable: sim.decide(report) is the data rule
from sim.case.scenario import Scenario, load_scenario
from sim.decide.decision import Decision, right_call
from sim.decide.scorecard import Scorecard, score
from sim.engine.result import SimResult
from sim.engine.simulation import simulate
from sim.errors import DataError, DecisionError, LaunchRoomError, ScenarioError, ServiceError
from sim.readout.report import Report, analyse
from sim.sweeps.sweep import sweep

__all__ = [
    "DataError",
    "Decision",
    "DecisionError",
    "LaunchRoomError",
    "Report",
    "Scenario",
    "ScenarioError",
    "ServiceError",
    "SimResult",
    "Scorecard",
    "analyse",
    "decide",
    "load_scenario",
    "right_call",
    "score",
    "simulate",
    "sweep",
]
