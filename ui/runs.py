"""Cached simulation and analysis, keyed by :class:`ui.state.RunKey`.

Simulating and analysing run outside the script threads, in worker processes the server owns
(:func:`heavy_work`, one :class:`sim.sweeps.remote.Offload` per server), or on the Dask
cluster ``LAUNCHROOM_DASK`` names: one person's big run then never stalls another person's page
or the health endpoint, and a class's runs share the server's cores. The results are the same
as in-process runs (tests/app/test_runs.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

import streamlit as st

from sim import (
    Decision,
    LaunchRoomError,
    Report,
    Scorecard,
    ServiceError,
    SimResult,
    analyse,
    messages,
    score,
    simulate,
)
from sim.decide.design import DesignComparison, design_comparison
from sim.export import Workbench, export_zip
from sim.readout.lean import case_basis
from sim.readout.report import QualityReadout, quality_readout, run_through
from sim.sweeps.remote import DASK_VARIABLE, Offload, dask_address
from ui import texts
from ui.guard import guard
from ui.progress import with_progress
from ui.state import RunKey, case_for, readout_day

_log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]

MAX_DEVICE_DAYS = 200_000 * 60
"""The most device-days one run started from the app may simulate (the server is shared)."""
MAX_ROWS_KEPT = 2_000_000
"""The most raw report rows (panel devices x days) one run started from the app may keep."""
CACHED_RUNS = 6
"""Runs the server keeps in memory. Within the caps above a run takes at most about 100 MB
(32 MB at 200,000 devices x 28 days), so the cache holds at most about 600 MB."""


def check_run_size(key: RunKey) -> None:
    """Refuse, with one line, a run bigger than this server runs for one person."""
    case = case_for(key)
    device_days = key.devices * case.fleet.days
    rows = min(key.devices, case.telemetry.daily_max_devices) * case.fleet.days
    if device_days > MAX_DEVICE_DAYS or rows > MAX_ROWS_KEPT:
        raise LaunchRoomError(texts.RUN_TOO_BIG.format(
            devices=key.devices, days=case.fleet.days, device_days=device_days,
            cap=MAX_DEVICE_DAYS, rows=rows, row_cap=MAX_ROWS_KEPT))


@st.cache_resource(max_entries=1, show_spinner=False, on_release=Offload.close)
def _offload(dask_address: str) -> Offload:
    try:
        offload = Offload.at(dask_address)
    except ServiceError as error:
        # The scheduler's own words (and the command line's advice) are for whoever runs the
        # server: they go to its log, the page says what a student can do.
        _log.warning("%s", error)
        raise ServiceError(texts.CLUSTER_UNREACHABLE.format(
            variable=DASK_VARIABLE, address=dask_address)) from None
    offload.warm_up()
    return offload


def heavy_work() -> Offload:
    """Where this server's runs, readouts and lab sweeps are computed: a pool of one worker
    process a core, or the Dask cluster ``LAUNCHROOM_DASK`` names (see
    :mod:`sim.sweeps.remote`). Started once and shared by every session; a changed address
    closes the old one."""
    return _offload(dask_address())


def start_workers() -> None:
    """Start this server's worker processes without waiting for them, so that they are ready
    by the first run (the entry point calls this on every page). A Dask cluster is connected
    to when it is first needed, as before: connecting can take seconds or fail, and that must
    not hold up or break a page that runs nothing."""
    if not dask_address():
        heavy_work()


# Runs are kept as objects (``cache_resource``), shared by every page and session, not
# pickled on the way in and unpickled on every call as ``cache_data`` does: at 100,000 devices
# a run pickles to 24 MB, and each copy cost 0.03-0.2 s of a page's rerun, most of it the
# kernel faulting in fresh memory. Nothing changes a run after it is made (pandas'
# copy-on-write hands out read-only arrays; tests/app/test_runs.py checks the cached run is
# unchanged after every page has read it).
@st.cache_resource(max_entries=CACHED_RUNS, show_spinner=False)
def run_case(key: RunKey, _progress: Progress | None = None) -> SimResult:
    """Simulate the run ``key`` describes (within :func:`check_run_size`'s caps)."""
    check_run_size(key)
    case = case_for(key)
    return heavy_work().call(simulate, case, seed=key.seed, devices=key.devices,
                             progress=_progress)


@st.cache_resource(max_entries=CACHED_RUNS, show_spinner=False)
def run_until(key: RunKey, day: int) -> SimResult:
    """The run as the analyst had it at the end of ``day`` (:func:`sim.readout.report.run_through`)."""
    return heavy_work().call(run_through, run_case(key), day)


@dataclass(frozen=True)
class Started:
    """Work started on a worker: a process-pool or Dask future, held in a plain object because
    ``st.cache_resource`` refuses to keep an awaitable (a Dask future is one)."""

    future: Any

    def result(self) -> Any:
        """The value, once the work is done (waits for it)."""
        return self.future.result()


@dataclass(frozen=True)
class ReadoutKey:
    """One readout of a run: through which day, on which basis, with which robust readings.
    Built by :func:`readout_key`, so the same readout asked for in different words (no day, or
    the horizon; no basis, or the case's own) is computed once."""

    run: RunKey
    day: int
    basis: str
    cap_percentile: float | None = None
    quantiles: tuple[float, ...] = ()


def readout_key(key: RunKey, day: int | None = None, basis: str | None = None,
                cap_percentile: float | None = None, quantiles: Sequence[float] = ()
                ) -> ReadoutKey:
    """The readout of ``key`` through ``day`` (the whole run without one) on ``basis`` (the
    case's own without one)."""
    case = case_for(key)
    horizon = case.fleet.days
    return ReadoutKey(key, horizon if day is None else min(int(day), horizon),
                      case_basis(case) if basis is None else basis, cap_percentile,
                      tuple(sorted(quantiles)))


def _through_day(readout: ReadoutKey, run: SimResult) -> int | None:
    """The day a worker re-simulates the run to for ``readout`` (none for the whole run)."""
    return readout.day if readout.day < run.days else None


@st.cache_resource(max_entries=2 * CACHED_RUNS, show_spinner=False)
def _readout_started(readout: ReadoutKey) -> Any:
    """A readout, started on a worker (a future; shared by every session). The worker also
    re-simulates the run through the readout day, so starting it never waits."""
    run = run_case(readout.run)
    return Started(heavy_work().submit(
        analyse, run, basis=readout.basis, cap_percentile=readout.cap_percentile,
        quantiles=readout.quantiles, through_day=_through_day(readout, run)))


@st.cache_resource(max_entries=2 * CACHED_RUNS, show_spinner=False)
def _quality_started(readout: ReadoutKey) -> Any:
    """A readout's quality checks, started on a worker (a future; shared by every session)."""
    run = run_case(readout.run)
    return Started(heavy_work().submit(quality_readout, run, basis=readout.basis,
                                       through_day=_through_day(readout, run)))


def start_readout(key: RunKey, day: int | None = None, **options: Any) -> None:
    """Start a run's readout in the background (the Run page does once it has drawn the run, the
    Analyse page as it draws its quality checks): its quality checks, which the Analyse page
    shows first, and every reading, about a second at 100,000 devices, computed while the
    person reads the first tab. ``options`` as in :func:`analyse_case`."""
    _quality_started(readout_key(key, day, options.get("basis")))
    _readout_started(readout_key(key, day, **options))


def _finished(started: Any, key: Any) -> Any:
    """The value of the work ``started(key)`` started (waits for it)."""
    try:
        return started(key).result()
    except BrokenProcessPool:
        started.clear()  # the next call starts it again on fresh workers
        raise LaunchRoomError(messages.WORKER_DIED) from None


@st.cache_data(max_entries=2 * CACHED_RUNS, show_spinner=False)
def _readout(readout: ReadoutKey) -> Report:
    return _finished(_readout_started, readout)


def analyse_case(key: RunKey, day: int | None = None, basis: str | None = None,
                 cap_percentile: float | None = None, quantiles: Sequence[float] = ()
                 ) -> Report:
    """The readout of a run through ``day`` (the whole run without one), on ``basis``, with
    capped and quantile readings when asked for (started by :func:`start_readout` if it has
    not been yet; waits for it)."""
    return _readout(readout_key(key, day, basis, cap_percentile, quantiles))


def clear_readouts() -> None:
    """Forget every cached and started readout (after the place heavy work runs changes)."""
    _readout.clear()
    _readout_started.clear()
    _quality.clear()
    _quality_started.clear()


@st.cache_data(max_entries=2 * CACHED_RUNS, show_spinner=False)
def _quality(readout: ReadoutKey) -> QualityReadout:
    return _finished(_quality_started, readout)


def quality_case(key: RunKey, day: int | None = None, basis: str | None = None
                 ) -> QualityReadout:
    """The quality checks of a run's readout alone (what the Analyse page shows first): the
    full readout's numbers in a fraction of its time (started by :func:`start_readout` if it
    has not been yet; waits for it)."""
    return _quality(readout_key(key, day, basis))


@st.cache_resource(max_entries=CACHED_RUNS, show_spinner=False)
def _designs_started(key: RunKey) -> Any:
    """The run's design comparison, started on a worker (a future; shared by every session)."""
    return Started(heavy_work().submit(design_comparison, run_case(key)))


def start_design_comparison(key: RunKey) -> None:
    """Start comparing the run's designs in the background (the Decide page does, as it
    opens): one simulation per design, seconds at 100,000 devices, done while the person
    fills in the form rather than after they submit it."""
    _designs_started(key)


@st.cache_data(max_entries=CACHED_RUNS, show_spinner=False)
def compare_designs(key: RunKey) -> DesignComparison:
    """The run's design against every other design of its case, on the same fleet (started by
    :func:`start_design_comparison` if it has not been yet; waits for it)."""
    return _finished(_designs_started, key)


def score_decision(key: RunKey, decision: Decision) -> Scorecard:
    """Score a decision on the run ``key``, on the readout through its decision day."""
    day = min(decision.decision_day, run_case(key).days)
    return score(decision, run_case(key), analyse_case(key, day), day_result=run_until(key, day),
                 design=compare_designs(key))


@st.cache_data(max_entries=2, show_spinner=False)
def run_zip(key: RunKey) -> bytes:
    """The run's export as a zip (tables, data dictionary, case, notebook), made on demand."""
    return export_zip(run_case(key))


@st.cache_resource(max_entries=4, show_spinner=False)
def run_workbench(key: RunKey) -> Workbench:
    """The SQL workbench over the run's tables, shared by every session that ran it (each
    query runs on a cursor of its own, and the sandbox holds no one's state)."""
    return Workbench(run_case(key))


def has_run(key: RunKey) -> bool:
    """Whether this session ran these exact settings (so pages can show its results)."""
    return key in st.session_state.setdefault("runs", [])


def remember_run(key: RunKey) -> None:
    """Record that this session ran these settings."""
    runs = st.session_state.setdefault("runs", [])
    if key not in runs:
        runs.append(key)


def run_with_progress(key: RunKey, show: Progress) -> SimResult:
    """Run (or fetch from the cache) with live progress (see :mod:`ui.progress`)."""
    result = with_progress(lambda report: run_case(key, _progress=report), show,
                           first="starting the rollout")
    show(1.0, "done")
    return result


def run_first(key: RunKey, places: Sequence[Any] = ()) -> SimResult:
    """This session's run of ``key``, or stop the page with a "run first" note.

    ``places`` are the containers (tabs) that each show the note; by default the page.
    """
    if not has_run(key):
        for place in places or (st.container(),):
            with place:
                st.info(texts.RUN_FIRST)
                st.page_link("app_pages/run.py", label="Go to Run", icon="📡")
        st.stop()
    with guard():
        return run_case(key)


def run_and_report(key: RunKey, places: Sequence[Any] = (), **options: Any
                   ) -> tuple[SimResult, Report]:
    """This session's run of ``key`` and its readout through the session's decision day
    (:func:`ui.state.readout_day`), or stop the page with a "run first" note (see
    :func:`run_first`). ``options`` go to :func:`analyse_case` (basis, capping, quantiles)."""
    result = run_first(key, places)
    with guard():
        return result, analyse_case(key, readout_day(key), **options)
