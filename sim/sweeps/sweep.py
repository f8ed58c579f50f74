"""Sweeps: replicate a case across seeds and a grid of knob values, one row per run.

``sweep(case, seeds=1_000, grid={"feature.quantization": ["int8", "int4"]})`` simulates every
(grid point, replication) and returns a DataFrame with one row each: the knob values, the run
index and its seed, devices per arm, the sample-ratio check, the primary metric's lift (and its
CUPED version when the metric has a pre-period baseline) with intervals and p-values, each
guardrail's non-inferiority test, the true effect from the run's truth table, whether the
intervals cover it, the decision rule's call and the right call.

**Seeds.** Replication ``run`` of a sweep with base seed ``s`` simulates with
``derive_seed(s, run)``: the first 53 bits of ``numpy.random.SeedSequence([s, run])``, which
is ``simulate``'s seed range (:data:`sim.limits.MAX_SEED`). Every row is a pure function of the case, its knobs, the
fleet size, the horizon and that seed, so the table is the same whatever the number of
workers or the scheduler, and a row is reproduced on its own with
``readout(simulate(case, seed=row.seed, devices=row.devices, days=row.days))``. The same run
index uses the same seed at every grid point (common random numbers across the grid), and
``seeds=range(200, 400)`` extends a 200-run sweep without redoing it.

**Where it runs.** ``workers=1`` runs in this process; otherwise a
``concurrent.futures.ProcessPoolExecutor`` with ``workers`` processes (default: every core),
started with ``spawn`` (safe inside a threaded server) and without re-importing the main
module, so scripts, notebooks and Streamlit pages need no ``if __name__ == "__main__":`` guard. ``scheduler="local"``
starts a ``dask.distributed`` LocalCluster of ``workers`` single-threaded processes and closes
it afterwards; ``scheduler="tcp://host:8786"`` sends the work to an existing Dask cluster,
whose workers must import this repository's ``sim`` (start them from a checkout of the same
commit, e.g. ``PYTHONPATH=/path/to/launch-room dask worker tcp://host:8786``). Runs are sent
in chunks so that pickling the case is paid once per chunk, not once per run.

**The readout is lean.** ``sim.analyse`` reads everything (retention models, drift, Bayes,
...) and costs 0.1-0.3 s on a 10,000-device run; a sweep computes only what its row needs with
the same ``sim.analysis`` functions, about 0.05 s. The rule's call (``call="lean"``, the
default) applies the decision rule of :mod:`sim.decide.rule` to the very evidence it reads from a
report - primary metric (CUPED when available), guardrails, other engagement metrics, quality
checks, drift on a decision metric and segment splits with their interaction tests - so it
equals ``decide(analyse(result)).call``. It does not re-test the guardrails inside each
segment, which ``decide(report, result=result)`` does (the Decide page's call) at about
0.1 s more per run: ``call="full"`` runs exactly that, with the full ``analyse``, for sweeps
that can afford it; ``call="none"`` skips the rule and the right call.

``sim.sweep`` is the :func:`sweep` function; the package :mod:`sim.sweeps` exports the rest.

>>> from sim import load_scenario
>>> frame = sweep(load_scenario("scenarios/aa_test.toml"), seeds=3, devices=500, days=7,
...               grid={"experiment.treatment_share": [0.3, 0.5]}, workers=1)
>>> frame["experiment.treatment_share"].tolist(), frame["run"].tolist()
([0.3, 0.3, 0.3, 0.5, 0.5, 0.5], [0, 1, 2, 0, 1, 2])
>>> bool((frame["seed"] == [derive_seed(0, run) for run in frame["run"]]).all())
True
"""

from __future__ import annotations

import contextlib
import itertools
import math
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import messages
from sim.case.scenario import Scenario, load_scenario
from sim.engine.simulation import check_run_inputs, simulate
from sim.errors import LaunchRoomError, ServiceError
from sim.limits import MAX_SEED
from sim.sweeps.row import EXTRA_READINGS, SWEEP_METRICS, readout

Progress = Callable[[int, int], None]
"""``progress(done, total)``: called as replications finish (per chunk with workers)."""

CALLS = ("lean", "full", "none")
EXTRAS = tuple(EXTRA_READINGS)
"""Optional readings (see :data:`sim.sweeps.row.EXTRA_READINGS`)."""
SPECIAL_AXES = ("devices", "days")
"""Grid keys that are not case settings: the fleet size and the horizon of each run."""
CHUNKS_PER_WORKER = 16
MAX_CHUNK = 64
CONNECT_TIMEOUT_S = 10
"""How long to try to reach a Dask scheduler before saying it cannot be reached."""


def derive_seed(base_seed: int, run: int) -> int:
    """The simulation seed of replication ``run`` in a sweep with base seed ``base_seed``.

    >>> derive_seed(0, 0) == derive_seed(0, 0) != derive_seed(0, 1)
    True
    >>> 0 <= derive_seed(7, 123) <= MAX_SEED
    True
    """
    state = np.random.SeedSequence([int(base_seed), int(run)]).generate_state(1, dtype=np.uint64)
    return int(state[0] >> np.uint64(64 - MAX_SEED.bit_length()))


# --- the specification ---------------------------------------------------------------------
@dataclass(frozen=True)
class SweepSpec:
    """Everything a sweep depends on (picklable, sent to every worker).

    ``axes`` are ``(path, values)`` pairs expanded as a cartesian product in the order given
    (the last axis varies fastest); ``runs`` the replication indices; ``metrics`` extra metrics
    whose lift each row reads out; ``extras`` optional readings from :data:`EXTRAS`.
    """

    scenario: Scenario
    runs: tuple[int, ...]
    axes: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    base_seed: int = 0
    devices: int | None = None
    days: int | None = None
    metrics: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()
    call: str = "lean"
    points: tuple[Mapping[str, Any], ...] = field(default=(), compare=False)

    @property
    def paths(self) -> tuple[str, ...]:
        """The grid's keys, in order."""
        return tuple(path for path, _ in self.axes)

    def point_values(self) -> list[dict[str, Any]]:
        """Every grid point as ``{path: value}`` (one empty point without a grid)."""
        names = self.paths
        return [dict(zip(names, combo, strict=True))
                for combo in itertools.product(*(values for _, values in self.axes))]

    def case_at(self, values: Mapping[str, Any]) -> tuple[Scenario, int | None, int | None]:
        """The case, fleet size and horizon of one grid point."""
        knobs = {p: v for p, v in values.items() if p not in SPECIAL_AXES}
        if "peeking" not in self.extras:
            # Raw daily reports are only needed to peek day by day; dropping them leaves every
            # other table (and every random draw) as it is and saves a third of the time.
            knobs["telemetry.daily_max_devices"] = 0
        case = self.scenario.with_knobs(knobs)
        devices = values.get("devices", self.devices)
        days = values.get("days", self.days)
        return case, devices, days

    def tasks(self) -> list[tuple[int, int]]:
        """``(point, run)`` pairs in output order."""
        return [(point, run) for point in range(len(self.points)) for run in self.runs]


def build_spec(
    scenario: Scenario | str | Path,
    seeds: int | Iterable[int] = 100,
    grid: Mapping[str, Sequence[Any]] | None = None,
    devices: int | None = None,
    days: int | None = None,
    metrics: Sequence[str] = (),
    extras: Sequence[str] = (),
    call: str = "lean",
    base_seed: int = 0,
) -> SweepSpec:
    """Check a sweep's inputs (one-line :class:`~sim.errors.LaunchRoomError` on bad ones) and
    validate every grid point's case up front, so a bad value fails before any run.

    >>> from sim import load_scenario
    >>> spec = build_spec(load_scenario("scenarios/aa_test.toml"), seeds=range(5, 8),
    ...                   grid={"days": [7, 14]})
    >>> spec.runs, [dict(p) for p in spec.points]
    ((5, 6, 7), [{'days': 7}, {'days': 14}])
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    runs = _runs(seeds)
    if isinstance(base_seed, bool) or not isinstance(base_seed, int | np.integer) \
            or not 0 <= base_seed <= MAX_SEED:
        raise LaunchRoomError(messages.SWEEP_BASE_SEED_BAD.format(high=MAX_SEED, value=base_seed))
    if call not in CALLS:
        raise LaunchRoomError(messages.SWEEP_OPTION_UNKNOWN.format(
            name="call", value=call, allowed=", ".join(CALLS)))
    for extra in extras:
        if extra not in EXTRAS:
            raise LaunchRoomError(messages.SWEEP_OPTION_UNKNOWN.format(
                name="extra reading", value=extra, allowed=", ".join(EXTRAS)))
    axes = []
    for path, values in (grid or {}).items():
        values = tuple([values] if isinstance(values, str) or not isinstance(values, Iterable)
                       else values)
        if not values:
            raise LaunchRoomError(messages.SWEEP_GRID_EMPTY.format(path=path))
        axes.append((str(path), values))
    spec = SweepSpec(scenario=scenario, runs=runs, axes=tuple(axes), base_seed=int(base_seed),
                     devices=devices, days=days, metrics=tuple(metrics), extras=tuple(extras),
                     call=call)
    for metric in spec.metrics:
        if metric not in SWEEP_METRICS:
            raise LaunchRoomError(messages.SWEEP_OPTION_UNKNOWN.format(
                name="metric", value=metric, allowed=", ".join(SWEEP_METRICS)))
    points = spec.point_values()
    for values in points:
        try:
            case, devices, days = spec.case_at(values)
            check_run_inputs(case, spec.base_seed, devices, days)
        except LaunchRoomError as error:
            detail = str(error)
            if len(points) > 1 or values:
                detail = messages.SWEEP_GRID_POINT.format(point=_describe(values), detail=detail)
            raise type(error)(detail) from None
    return SweepSpec(**{**spec.__dict__, "points": tuple(points)})


def _runs(seeds: int | Iterable[int]) -> tuple[int, ...]:
    if isinstance(seeds, bool):
        raise LaunchRoomError(messages.SWEEP_SEEDS_BAD.format(value=seeds))
    if isinstance(seeds, int | np.integer):
        if seeds < 1:
            raise LaunchRoomError(messages.SWEEP_SEEDS_BAD.format(value=seeds))
        return tuple(range(int(seeds)))
    try:
        runs = tuple(int(run) for run in seeds if not isinstance(run, bool) and int(run) == run)
        valid = len(runs) == len(list(seeds)) and runs and min(runs) >= 0 \
            and len(set(runs)) == len(runs)
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise LaunchRoomError(messages.SWEEP_SEEDS_BAD.format(value=seeds))
    return runs


def _describe(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{path}={value!r}" for path, value in values.items()) or "(no grid)"


# --- running the tasks ---------------------------------------------------------------------
def _run_one(spec: SweepSpec, cases: dict, point: int, run: int) -> dict[str, Any]:

    values = spec.points[point]
    if point not in cases:
        cases[point] = spec.case_at(values)
    case, devices, days = cases[point]
    seed = derive_seed(spec.base_seed, run)
    try:
        result = simulate(case, seed=seed, devices=devices, days=days)
        row = readout(result, spec.metrics, spec.extras, spec.call)
    except LaunchRoomError as error:
        raise type(error)(messages.SWEEP_RUN_FAILED.format(
            run=run, seed=seed, point=_describe(values), detail=error)) from None
    grid = {path: values[path] for path in spec.paths if path not in SPECIAL_AXES}
    return {"point": point, **grid, "devices": len(result.devices), "days": result.days,
            "run": run, "seed": seed, **row}


def _run_chunk(spec: SweepSpec, tasks: Sequence[tuple[int, int]]) -> list[dict[str, Any]]:
    """Run a chunk of ``(point, run)`` tasks (the unit sent to a worker)."""
    cases: dict = {}
    return [_run_one(spec, cases, point, run) for point, run in tasks]


def _chunks(tasks: list, workers: int) -> list[list]:
    size = max(1, min(MAX_CHUNK, math.ceil(len(tasks) / (workers * CHUNKS_PER_WORKER))))
    return [tasks[start:start + size] for start in range(0, len(tasks), size)]


def _check_workers(workers: int | None) -> int:
    if workers is None:
        return os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, int | np.integer) or workers < 1:
        raise LaunchRoomError(messages.SWEEP_WORKERS_BAD.format(value=workers))
    return int(workers)


def _in_process(spec: SweepSpec, tasks: list, progress: Progress | None) -> list[dict]:
    cases: dict = {}
    rows = []
    for point, run in tasks:
        rows.append(_run_one(spec, cases, point, run))
        if progress is not None:
            progress(len(rows), len(tasks))
    return rows


_MAIN_LOCK = threading.Lock()


@contextlib.contextmanager
def plain_main() -> Iterator[None]:
    """Start worker processes without re-running the main module in each of them (wrap
    whatever starts them: a pool's first submissions, a LocalCluster, a Manager).

    ``spawn`` re-imports ``__main__`` in every child. The work needs nothing from it (the task
    function lives here, the data is pickled), and the main module may be a script that must
    not run twice: Streamlit installs the page script as ``__main__``, so each worker would
    re-run the app. While processes start, ``__main__`` is a blank module instead.

    >>> import sys
    >>> with plain_main():
    ...     hasattr(sys.modules["__main__"], "__file__")
    False
    """
    import sys
    import types

    with _MAIN_LOCK:
        saved = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            if saved is not None:
                sys.modules["__main__"] = saved


def worker_pool(workers: int, initializer: Callable[[], None] | None = None
                ) -> ProcessPoolExecutor:
    """A pool of ``workers`` spawned processes for callers that run many sweeps.

    Pass it to :func:`sweep` as ``pool=`` to skip the seconds of start-up each sweep would
    otherwise pay; the caller owns it and shuts it down (the app's server keeps one, see
    :mod:`sim.sweeps.remote`). Submit under :func:`plain_main`, as processes start on
    demand; each runs ``initializer()`` first.

    >>> pool = worker_pool(1)
    >>> with plain_main():
    ...     future = pool.submit(sum, [1, 2])
    >>> future.result(), pool.shutdown()
    (3, None)
    """
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=initializer)


def _in_processes(spec: SweepSpec, tasks: list, workers: int, progress: Progress | None,
                  pool: ProcessPoolExecutor | None = None) -> list[dict]:
    chunks = _chunks(tasks, workers)
    rows: list[dict] = []
    owned = pool is None
    if owned:
        pool = worker_pool(min(workers, len(chunks)))
    futures = []
    try:
        with plain_main():  # processes start as work is submitted
            futures = [pool.submit(_run_chunk, spec, chunk) for chunk in chunks]
        for future in as_completed(futures):
            rows.extend(future.result())
            if progress is not None:
                progress(len(rows), len(tasks))
    finally:
        for future in futures:
            future.cancel()
        if owned:
            pool.shutdown(wait=True, cancel_futures=True)
    return rows


def _local_cluster(factory: Callable, workers: int, log_level: int, attempts: int = 2):
    """Start a Dask LocalCluster, once more if its event loop was slow to start.

    distributed gives its IO-loop thread ten seconds to start and then fails with a bare
    AssertionError; on a loaded two-core machine that can happen once.
    """
    failure: AssertionError | None = None
    for _ in range(attempts):
        try:
            with plain_main():
                return factory(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=log_level)
        except AssertionError as error:
            failure = error
    raise TimeoutError("the Dask event loop did not start in time") from failure


@dataclass
class DaskConnection:
    """A client of a Dask cluster, and the LocalCluster it started (if any); ``close()`` ends
    both. See :func:`connect_dask`."""

    client: Any
    cluster: Any = None

    def workers(self) -> int:
        """Threads the cluster has to run tasks on (at least one)."""
        return max(sum(self.client.nthreads().values()), 1)

    def close(self) -> None:
        """Close the client, then the LocalCluster this connection started."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def connect_dask(scheduler: str, workers: int | None = None) -> DaskConnection:
    """Connect to a Dask cluster: ``"local"`` starts a LocalCluster of ``workers``
    single-threaded processes (default: every core), ``"tcp://host:port"`` reaches an existing
    scheduler. A missing ``distributed`` is one line (:class:`~sim.errors.LaunchRoomError`),
    and so is an unreachable scheduler (:class:`~sim.errors.ServiceError`).

    >>> connect_dask("nonsense")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    sim.errors.ServiceError: cannot reach a Dask scheduler at nonsense ...
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise LaunchRoomError(messages.SWEEP_DASK_MISSING.format(scheduler=scheduler)) from None
    import logging

    cluster = None
    try:
        if scheduler == "local":
            cluster = _local_cluster(LocalCluster, _check_workers(workers), logging.ERROR)
            client = Client(cluster)
        else:
            client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (OSError, TimeoutError, ValueError, TypeError) as error:
        if cluster is not None:
            cluster.close()
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ServiceError(messages.SWEEP_SCHEDULER_UNREACHABLE.format(
            address=scheduler, detail=detail)) from None
    return DaskConnection(client, cluster)


def _on_dask(spec: SweepSpec, tasks: list, connection: DaskConnection,
             progress: Progress | None) -> list[dict]:
    from dask.distributed import as_completed as dask_completed

    client = connection.client
    chunks = _chunks(tasks, connection.workers())
    [shared] = client.scatter([spec], broadcast=True)
    futures = [client.submit(_run_chunk, shared, chunk, pure=False) for chunk in chunks]
    rows: list[dict] = []
    try:
        for future in dask_completed(futures):
            rows.extend(future.result())
            if progress is not None:
                progress(len(rows), len(tasks))
    finally:
        client.cancel(futures)
    return rows


def run_spec(spec: SweepSpec, workers: int | None = None, scheduler: str | None = None,
             progress: Progress | None = None,
             pool: ProcessPoolExecutor | None = None,
             dask: DaskConnection | None = None) -> pd.DataFrame:
    """Run a checked :class:`SweepSpec` (see :func:`sweep`)."""
    workers = _check_workers(workers)
    tasks = spec.tasks()
    if dask is not None:
        rows = _on_dask(spec, tasks, dask, progress)
    elif scheduler is not None:
        connection = connect_dask(str(scheduler), workers)
        try:
            rows = _on_dask(spec, tasks, connection, progress)
        finally:
            connection.close()
    elif workers == 1 or len(tasks) == 1:
        rows = _in_process(spec, tasks, progress)
    else:
        rows = _in_processes(spec, tasks, workers, progress, pool)
    frame = pd.DataFrame(rows).sort_values(["point", "run"], kind="stable").reset_index(drop=True)
    if "cuped_covers" in frame:
        frame["cuped_covers"] = frame["cuped_covers"].astype("boolean")
    frame.attrs["sweep"] = {
        "case": spec.scenario.meta.id,
        "variant": spec.scenario.variant_number,
        "grid": [path for path in spec.paths],
        "base_seed": spec.base_seed,
        "alpha": spec.scenario.experiment.alpha,
    }
    return frame


def sweep(
    scenario: Scenario | str | Path,
    seeds: int | Iterable[int] = 100,
    grid: Mapping[str, Sequence[Any]] | None = None,
    devices: int | None = None,
    days: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    metrics: Sequence[str] = (),
    extras: Sequence[str] = (),
    call: str = "lean",
    base_seed: int = 0,
    pool: ProcessPoolExecutor | None = None,
    dask: DaskConnection | None = None,
) -> pd.DataFrame:
    """Replicate a case across seeds and a knob grid; one row per (grid point, run).

    ``scenario`` is a :class:`~sim.case.scenario.Scenario` (apply fixed knobs with
    ``with_knobs`` first) or a case file. ``seeds`` is a number of replications or the run
    indices themselves. ``grid`` maps dotted case paths - and ``"devices"`` or ``"days"`` - to
    the values to try. ``workers`` (default: every core; 1 runs here), ``scheduler``
    (``None``: local processes; ``"local"``: a Dask LocalCluster; ``"tcp://host:port"``: an
    existing Dask cluster) and ``progress(done, total)`` say how it runs, never what it
    returns. ``metrics`` adds the lift of more metrics to each row; ``extras`` adds optional
    readings (:data:`EXTRAS`); ``call`` is ``"lean"``, ``"full"`` or ``"none"`` (see the
    module's notes). ``pool`` runs local processes on a caller's :func:`worker_pool` (a server
    answering many small sweeps saves their start-up, about 1.5 s each) and ``dask`` on a
    caller's :func:`connect_dask` connection (kept open across sweeps). Rows are sorted by
    grid point, then run.
    """
    spec = build_spec(scenario, seeds, grid, devices, days, metrics, extras, call, base_seed)
    return run_spec(spec, workers, scheduler, progress, pool, dask)


# --- summaries -----------------------------------------------------------------------------
def summarise(frame: pd.DataFrame) -> pd.DataFrame:
    """Per grid point: runs, share significant, mean estimate and truth, coverage, SRM alarms
    and, when the rule ran, how often its call was the right one.

    >>> from sim import load_scenario
    >>> frame = sweep(load_scenario("scenarios/aa_test.toml"), seeds=4, devices=500, days=7,
    ...               workers=1)
    >>> summarise(frame)[["runs", "significant", "coverage"]].columns.tolist()
    ['runs', 'significant', 'coverage']
    """
    grid = [c for c in frame.attrs.get("sweep", {}).get("grid", []) if c in frame]
    keys = ["point", *[c for c in grid if c != "point"]]
    groups = frame.groupby(keys, sort=True, dropna=False)
    summary = groups.agg(
        runs=("run", "size"),
        significant=("significant", "mean"),
        mean_estimate=("estimate", "mean"),
        mean_true_effect=("true_effect", "mean"),
        coverage=("covers", "mean"),
        srm_alarms=("srm_alarm", "mean"),
    )
    if frame["cuped_estimate"].notna().any():
        summary["cuped_significant"] = groups["cuped_p_value"].apply(
            lambda p: float((p < frame.attrs.get("sweep", {}).get("alpha", 0.05)).mean()))
        summary["cuped_coverage"] = groups["cuped_covers"].apply(
            lambda c: float(c.astype(float).mean()))
    if "call" in frame and "right_call" in frame:
        summary["right_calls"] = groups.apply(
            lambda g: float((g["call"] == g["right_call"]).mean()), include_groups=False)
        summary["usual_call"] = groups["call"].agg(lambda calls: calls.mode().iloc[0])
    return summary.reset_index()


def format_summary(summary: pd.DataFrame) -> str:
    """The summary as a plain-text table (the command line prints it)."""
    shown = summary.copy()
    for column in ("significant", "coverage", "srm_alarms", "cuped_significant",
                   "cuped_coverage", "right_calls"):
        if column in shown:
            shown[column] = shown[column].map(lambda v: "n/a" if pd.isna(v) else f"{v:.1%}")
    for column in ("mean_estimate", "mean_true_effect"):
        shown[column] = shown[column].map(lambda v: f"{v:+.4g}")
    return shown.to_string(index=False)
