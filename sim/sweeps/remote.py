"""Heavy calls run elsewhere: a pool of worker processes, or a Dask cluster, with live progress.

A server that answers many people at once must not simulate in the threads that serve pages:
a run holds the interpreter's lock for much of its time, so one person's million-device run
would stall everyone's pages and the health check. :class:`Offload` sends a call (``simulate``,
``analyse``, a sweep's chunks) to worker processes the caller owns - spawned, so safe inside a
threaded server - or to a Dask cluster (``LAUNCHROOM_DASK=local`` starts a LocalCluster,
``LAUNCHROOM_DASK=tcp://host:8786`` reaches an existing one), waits for it, and meanwhile
forwards the ``progress(fraction, message)`` the call reports. A call returns what it returns
in this process: the work is a pure function of its arguments (the engine's random streams come
from the seed alone), and only the result travels back. The tables are the same bit for bit;
a readout's floats can differ in the last digits, as BLAS sums depend on its thread count: the
worker processes run BLAS on one thread, as Dask's workers do (so both give the same readout),
which also keeps two workers' BLAS threads from fighting over two cores.

>>> from sim import load_scenario, simulate
>>> case = load_scenario("scenarios/aa_test.toml")
>>> with Offload(workers=1) as offload:
...     seen = []
...     there = offload.call(simulate, case, seed=3, devices=1_000, days=5,
...                          progress=lambda fraction, message: seen.append(fraction))
>>> there.devices.equals(simulate(case, seed=3, devices=1_000, days=5).devices)
True
"""

from __future__ import annotations

import multiprocessing
import os
import uuid
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from sim import messages
from sim.engine.allocator import retain_freed_memory
from sim.errors import LaunchRoomError
from sim.sweeps.sweep import DaskConnection, connect_dask, plain_main, worker_pool

T = TypeVar("T")
Progress = Callable[[float, str], None]

DASK_VARIABLE = "LAUNCHROOM_DASK"
"""The environment variable naming where the app's heavy work runs: unset or empty, worker
processes on this machine; ``local``, a Dask LocalCluster; ``tcp://host:port``, a cluster."""
POLL_S = 0.1
"""How often a waiting call forwards the latest progress."""


@dataclass(frozen=True)
class _SharedProgress:
    """A progress callback that works in another process: it writes the latest report into a
    ``multiprocessing`` Manager dict, which the waiting side reads."""

    shared: Any

    def __call__(self, fraction: float, message: str) -> None:
        self.shared["latest"] = (fraction, message)

    def latest(self) -> tuple[float, str] | None:
        return self.shared.get("latest")


@dataclass(frozen=True)
class _DaskProgress:
    """A progress callback for a task on a Dask worker: the latest report in a named
    ``distributed.Variable``, which the waiting client reads."""

    name: str

    def __call__(self, fraction: float, message: str) -> None:
        from dask.distributed import Variable

        Variable(self.name).set((fraction, message))

    def start(self, client: Any) -> None:
        """Set the variable before the task runs, so reading it never waits."""
        from dask.distributed import Variable

        Variable(self.name, client).set((0.0, ""))

    def latest(self, client: Any) -> tuple[float, str] | None:
        from dask.distributed import Variable

        fraction, message = Variable(self.name, client).get()
        return (fraction, message) if message else None


def _start_worker() -> None:
    """Worker start-up: BLAS (and OpenMP) on one thread, as on a Dask worker, and freed memory
    kept for the next run (:mod:`sim.engine.allocator`: a worker runs one fleet after
    another; about 5% off a 100,000-device run and its readout)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    retain_freed_memory()


class Offload:
    """Where heavy calls run: ``workers`` local processes (default: every core), or the Dask
    cluster of ``dask`` (a :func:`~sim.sweeps.sweep.connect_dask` connection). The owner
    closes it (or uses it as a context manager); processes start on the first call.

    >>> with Offload(workers=1) as offload:
    ...     offload.call(divmod, 7, 2), offload.where()
    ((3, 1), '1 worker process')
    """

    def __init__(self, workers: int | None = None, dask: DaskConnection | None = None) -> None:
        self._workers = int(workers or os.cpu_count() or 1)
        self.dask = dask
        self.pool = None if dask is not None else worker_pool(self._workers, _start_worker)
        self._manager = None

    @classmethod
    def at(cls, address: str = "", workers: int | None = None) -> Offload:
        """Worker processes (``address`` empty), or the Dask cluster at ``address`` (``local``
        for a LocalCluster of ``workers``; one line if it cannot be reached).

        >>> with Offload.at("", workers=1) as offload:
        ...     offload.where()
        '1 worker process'
        """
        if address.strip():
            return cls(dask=connect_dask(address.strip(), workers))
        return cls(workers=workers)

    def where(self) -> str:
        """Where calls run, in words."""
        if self.dask is not None:
            return f"the Dask cluster at {self.dask.client.scheduler.address}"
        return f"{self._workers} worker process" + ("es" if self._workers > 1 else "")

    def sweep_options(self) -> dict[str, Any]:
        """``sweep``'s keyword for running on this: ``pool=`` or ``dask=``.

        >>> with Offload(workers=1) as offload:
        ...     sorted(offload.sweep_options())
        ['pool']
        """
        return {"dask": self.dask} if self.dask is not None else {"pool": self.pool}

    def call(self, function: Callable[..., T], *args: Any, progress: Progress | None = None,
             **kwargs: Any) -> T:
        """``function(*args, **kwargs)`` run elsewhere; with ``progress``, the function is
        also passed ``progress=`` a callback whose reports reach ``progress`` here.

        ``function`` and its arguments must pickle (a module-level function such as
        ``sim.simulate``). Its errors are raised here; a worker process that died (killed,
        out of memory) is one line, and the next call gets fresh processes.
        """
        if self.dask is not None:
            return self._on_dask(function, args, kwargs, progress)
        channel = None
        if progress is not None:
            channel = _SharedProgress(self._shared_dict())
            kwargs = {**kwargs, "progress": channel}
        try:
            with plain_main():  # processes start on demand
                future = self.pool.submit(function, *args, **kwargs)
            while True:
                try:
                    return future.result(timeout=POLL_S)
                except TimeoutError:
                    latest = None if channel is None else channel.latest()
                    if latest is not None:
                        progress(*latest)
        except BrokenProcessPool:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = worker_pool(self._workers, _start_worker)
            raise LaunchRoomError(messages.WORKER_DIED) from None

    def warm_up(self) -> None:
        """Start every worker process now, in the background, instead of on the first calls:
        each imports the engine and its libraries, seconds the first run would wait for (a
        Dask cluster's workers are already running).

        >>> with Offload(workers=1) as offload:
        ...     offload.warm_up()
        ...     offload.call(divmod, 7, 2)
        (3, 1)
        """
        if self.pool is None:
            return
        # The pool starts a process for each task that finds none idle.
        with plain_main():
            for _ in range(self._workers):
                self.pool.submit(os.getpid)

    def submit(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> Any:
        """Start ``function(*args, **kwargs)`` elsewhere and return at once: a future whose
        ``result()`` waits for the value (work a page starts before the person needs it).

        >>> with Offload(workers=1) as offload:
        ...     offload.submit(divmod, 7, 2).result()
        (3, 1)
        """
        if self.dask is not None:
            client = self.dask.client
            return client.submit(function, *client.scatter(list(args), hash=False), pure=False,
                                 **kwargs)
        with plain_main():
            return self.pool.submit(function, *args, **kwargs)

    def _shared_dict(self) -> Any:
        if self._manager is None:
            with plain_main():
                self._manager = multiprocessing.get_context("spawn").Manager()
        return self._manager.dict()

    def _on_dask(self, function: Callable[..., T], args: tuple, kwargs: dict,
                 progress: Progress | None) -> T:
        client = self.dask.client
        channel = None
        if progress is not None:
            channel = _DaskProgress(f"launchroom-progress-{uuid.uuid4().hex}")
            channel.start(client)
            kwargs = {**kwargs, "progress": channel}
        # Arguments go ahead of the task (a run's tables are megabytes, too big for a graph).
        future = client.submit(function, *client.scatter(list(args), hash=False), pure=False,
                               **kwargs)
        try:
            while True:
                try:
                    return future.result(timeout=POLL_S)
                except TimeoutError:
                    latest = None if channel is None else channel.latest(client)
                    if latest is not None:
                        progress(*latest)
        finally:
            future.release()
            if channel is not None:
                from dask.distributed import Variable

                Variable(channel.name, client).delete()

    def close(self) -> None:
        """Stop the worker processes (or close the Dask connection)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        if self._manager is not None:
            self._manager.shutdown()
        if self.dask is not None:
            self.dask.close()

    def __enter__(self) -> Offload:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def dask_address() -> str:
    """The Dask address :data:`DASK_VARIABLE` names (empty: run on local worker processes).

    >>> import os
    >>> os.environ[DASK_VARIABLE] = " local "; dask_address()
    'local'
    >>> del os.environ[DASK_VARIABLE]; dask_address()
    ''
    """
    return os.environ.get(DASK_VARIABLE, "").strip()

