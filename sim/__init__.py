"""Launch Room's headless core: case files, the simulated fleet, and its analysis.

>>> import sim
>>> case = sim.load_scenario("scenarios/aa_test.toml")
>>> result = sim.simulate(case, seed=0, devices=1_000, days=7)
>>> len(result.devices)
1000
"""

from sim.analysis.report import Report, analyse
from sim.decision import Decision, decide, right_call
from sim.errors import DataError, DecisionError, LaunchRoomError, ScenarioError
from sim.result import SimResult
from sim.scenario import Scenario, load_scenario
from sim.scorecard import Scorecard, score
from sim.simulation import simulate
from sim.sweep import sweep  # the function; import the module's names from sim.sweep

__all__ = [
    "DataError",
    "Decision",
    "DecisionError",
    "LaunchRoomError",
    "Report",
    "Scenario",
    "ScenarioError",
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
