"""Heavy calls run elsewhere (sim.sweeps.remote): worker processes and Dask give exactly the
tables of an in-process run and its readout, forward progress, and survive a dead worker.

A readout is compared with this process's exactly in everything but floats, and floats to
1e-12: a few readings (the sequential looks, the compliance regression) go through BLAS, whose
sums depend on its thread count, and the workers run BLAS on one thread where this process may
use more. The worker processes and Dask's workers (both on one BLAS thread) agree exactly.
"""

from __future__ import annotations

import math
import os

import pandas as pd
import pytest

from sim import LaunchRoomError, analyse, messages, simulate
from sim.engine.result import TABLES
from sim.sweeps import connect_dask, lab
from sim.sweeps.remote import DASK_VARIABLE, Offload, dask_address

RUN = {"seed": 17, "devices": 30_000, "days": 14}


@pytest.fixture(scope="module")
def local_run(night_case):
    result = simulate(night_case, **RUN)
    return result, analyse(result)


def same_tables(there, here) -> None:
    """Every table of two runs is equal (values, dtypes, order)."""
    for name in TABLES:
        if getattr(here, name) is None:
            assert getattr(there, name) is None
        else:
            pd.testing.assert_frame_equal(getattr(there, name), getattr(here, name))


def same_readout(there, here, path: str = "report") -> None:
    """Two readouts (their to_dict()) are equal: floats to 1e-12, everything else exactly."""
    if isinstance(here, dict):
        assert there.keys() == here.keys(), path
        for key in here:
            same_readout(there[key], here[key], f"{path}.{key}")
    elif isinstance(here, list | tuple):
        assert len(there) == len(here), path
        for index, (a, b) in enumerate(zip(there, here, strict=True)):
            same_readout(a, b, f"{path}[{index}]")
    elif isinstance(here, float) and not isinstance(there, bool):
        assert math.isclose(there, here, rel_tol=1e-12, abs_tol=1e-12) or (
            math.isnan(there) and math.isnan(here)), (path, there, here)
    else:
        assert there == here, (path, there, here)


def _check(offload: Offload, night_case, local_run) -> dict:
    here, report = local_run
    seen = []
    there = offload.call(simulate, night_case, progress=lambda f, m: seen.append((f, m)), **RUN)
    same_tables(there, here)
    assert seen and all(0 < f <= 1 and m.startswith("day ") for f, m in seen)
    readout = offload.call(analyse, there).to_dict()
    same_readout(readout, report.to_dict())
    return readout


@pytest.fixture(scope="module")
def pool_readout(night_case, local_run):
    with Offload(workers=2) as offload:
        return _check(offload, night_case, local_run)


def test_worker_processes_give_the_same_tables_and_readout(pool_readout):
    assert pool_readout["case"] == "camera_night_mode"


@pytest.mark.timeout(180)
def test_a_dask_local_cluster_gives_the_same_tables_readout_and_lab_rows(night_case, local_run,
                                                                         pool_readout):
    with Offload(dask=connect_dask("local", 2)) as offload:
        assert offload.where().startswith("the Dask cluster at tcp://127.0.0.1:")
        assert _check(offload, night_case, local_run) == pool_readout  # exactly
        rows = lab.run_demo("cuped", range(3), devices=1_000, **offload.sweep_options())
        assert offload.submit(divmod, 9, 4).result() == (2, 1)
    pd.testing.assert_frame_equal(rows, lab.run_demo("cuped", range(3), devices=1_000,
                                                     workers=1))


def test_the_environment_names_the_cluster_and_a_bad_address_is_one_line(monkeypatch):
    monkeypatch.setenv(DASK_VARIABLE, " nonsense ")
    assert dask_address() == "nonsense"
    with pytest.raises(LaunchRoomError, match="cannot reach a Dask scheduler at nonsense"):
        Offload.at(dask_address())
    monkeypatch.setenv(DASK_VARIABLE, " ")
    with Offload.at(dask_address(), workers=1) as offload:
        assert offload.where() == "1 worker process"


def test_a_worker_that_dies_is_one_line_and_the_next_call_gets_a_fresh_one():
    with Offload(workers=1) as offload:
        with pytest.raises(LaunchRoomError) as caught:
            offload.call(os._exit, 3)
        assert str(caught.value) == messages.WORKER_DIED
        assert offload.call(divmod, 9, 4) == (2, 1)


def test_errors_in_the_work_come_back_as_they_are(night_case):
    with Offload(workers=1) as offload, pytest.raises(LaunchRoomError, match="seed"):
        offload.call(simulate, night_case, seed=-1)


def test_warm_up_starts_every_worker_before_the_first_call():
    with Offload(workers=2) as offload:
        offload.warm_up()
        started = dict(offload.pool._processes)  # noqa: SLF001 - what the pool has started
        assert len(started) == 2
        assert offload.call(divmod, 7, 2) == (3, 1)
        assert dict(offload.pool._processes) == started  # the call used them, started no other
