"""The readout: reads a simulated run (:class:`~sim.engine.result.SimResult`) and calls the pure
statistics of :mod:`sim.analysis` on it.

- :mod:`sim.readout.lean` - who is analysed, the quality checks and what the decision rule
  reads (:func:`lean_report`);
- :mod:`sim.readout.report` - every reading, in the order an analyst works (:func:`analyse`);
- :mod:`sim.readout.planning` - the minimum detectable effect by day and the 30-day plan.

>>> from sim import load_scenario, simulate
>>> from sim.readout import analyse
>>> analyse(simulate(load_scenario("scenarios/aa_test.toml"), seed=0, devices=2_000)).srm.alarm
False
"""

from sim.readout.lean import (
    DriftReading,
    LeanReport,
    analysis_population,
    lean_report,
    quality_checks,
    units_per_arm,
)
from sim.readout.report import (
    QualityReadout,
    Report,
    analyse,
    daily_lift,
    quality_readout,
    sequential_reading,
)

__all__ = [
    "DriftReading",
    "LeanReport",
    "QualityReadout",
    "Report",
    "analyse",
    "analysis_population",
    "daily_lift",
    "lean_report",
    "quality_checks",
    "quality_readout",
    "sequential_reading",
    "units_per_arm",
]
