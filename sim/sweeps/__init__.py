"""Replications: a case run over many seeds and knob grids, locally or on Dask, and the metric
lab built on them.

- :mod:`sim.sweeps.sweep` - the sweep itself (``sim.sweep`` is its :func:`sweep` function);
- :mod:`sim.sweeps.row` - what each run's row reads out;
- :mod:`sim.sweeps.lab` - the Learn page's demos, and :mod:`sim.sweeps.lab_store` their
  default replications, shipped precomputed;
- :mod:`sim.sweeps.remote` - heavy calls (a run, a readout) in worker processes or on Dask.

>>> from sim import load_scenario
>>> from sim.sweeps import summarise, sweep
>>> rows = sweep(load_scenario("scenarios/aa_test.toml"), seeds=2, devices=500, days=7, workers=1)
>>> int(summarise(rows)["runs"].iloc[0])
2
"""

from sim.sweeps.row import readout
from sim.sweeps.sweep import (
    CALLS,
    EXTRAS,
    DaskConnection,
    Progress,
    SweepSpec,
    build_spec,
    connect_dask,
    derive_seed,
    format_summary,
    run_spec,
    summarise,
    sweep,
    worker_pool,
)

__all__ = [
    "CALLS",
    "EXTRAS",
    "DaskConnection",
    "Progress",
    "SweepSpec",
    "build_spec",
    "connect_dask",
    "derive_seed",
    "format_summary",
    "readout",
    "run_spec",
    "summarise",
    "sweep",
    "worker_pool",
]
