"""Cases: the case-file models, knobs, the case library and the metric catalogue.

>>> from sim.case import load_case
>>> load_case("camera_night_mode").experiment.primary_metric
'sessions'
"""

from sim.case.knobs import Knob
from sim.case.library import CASES_FOLDER, case_paths, load_case, resolve_case
from sim.case.scenario import Scenario, load_scenario, parse_scenario

__all__ = [
    "CASES_FOLDER",
    "Knob",
    "Scenario",
    "case_paths",
    "load_case",
    "load_scenario",
    "parse_scenario",
    "resolve_case",
]
