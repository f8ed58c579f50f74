"""The engine: one seeded run of a case, from the fleet to the telemetry and the truth.

- :mod:`sim.engine.simulation` - :func:`simulate`, the day loop over blocks of devices;
- :mod:`sim.engine.fleet` - the devices as numpy arrays, households and sticky assignment;
- :mod:`sim.engine.hardware` - the roofline model: latency, memory and energy per chip tier;
- :mod:`sim.engine.rollout` - the staged over-the-air rollout in SimPy;
- :mod:`sim.engine.behaviour` - both potential outcomes of every device-day;
- :mod:`sim.engine.telemetry` - what reaches the analyst, defects and all;
- :mod:`sim.engine.truth` - the true effect on this very sample;
- :mod:`sim.engine.result` - :class:`SimResult` and its Parquet round trip.

>>> from sim.case import load_case
>>> from sim.engine import simulate
>>> simulate(load_case("aa_test"), seed=1, devices=500, days=3).days
3
"""

from sim.engine.result import SimResult
from sim.engine.simulation import check_run_inputs, simulate

__all__ = ["SimResult", "check_run_inputs", "simulate"]
