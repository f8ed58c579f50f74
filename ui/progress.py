"""Long work with live progress: the work runs in a worker thread, this thread draws.

The work reports into a plain dict through the callback it is given; only the script thread
touches Streamlit elements, so a cached function that reports progress can be replayed from
the cache without drawing anything.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

Report = Callable[[float, str], None]
T = TypeVar("T")


def with_progress(work: Callable[[Report], T], show: Report, first: str = "starting",
                  poll_seconds: float = 0.1) -> T:
    """Run ``work(report)`` in a worker thread and call ``show(fraction, message)`` with its
    latest ``report(fraction, message)`` until it is done; return its result (or raise its
    error)."""
    latest = {"fraction": 0.0, "message": first}
    context = get_script_run_ctx()

    def report(fraction: float, message: str) -> None:
        latest.update(fraction=fraction, message=message)

    def run() -> T:
        add_script_run_ctx(threading.current_thread(), context)
        return work(report)

    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(run)
        while not future.done():
            show(min(max(latest["fraction"], 0.0), 1.0), latest["message"])
            # Back as soon as the work is done, not at the end of a full poll.
            wait([future], timeout=poll_seconds)
        return future.result()


@contextlib.contextmanager
def progress_bar(first: str | None = None) -> Iterator[Report]:
    """A place for a progress bar (showing ``first`` at 0% when given) and the
    ``show(fraction, message)`` that moves it. The bar is emptied when the block ends, however
    it ends: inside :func:`ui.guard.guard` a failure then shows only its error, not a bar
    stopped at its last step (the guard stops the script before any line after the block)."""
    bar = st.empty()
    if first is not None:
        bar.progress(0.0, text=first)

    def show(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=message)

    try:
        yield show
    finally:
        bar.empty()
