"""Cached simulation and analysis, keyed by everything that changes the result."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from sim import Report, SimResult, analyse, simulate
from ui import texts
from ui.guard import guard
from ui.state import case_library

Progress = Callable[[float, str], None]


@st.cache_data(max_entries=8, show_spinner=False)
def run_case(case_id: str, knobs: tuple, seed: int, devices: int,
             _progress: Progress | None = None) -> SimResult:
    """Simulate the case (``knobs`` as sorted (path, repr(value)) pairs, see ui.state.run_key)."""
    from sim.knobs import parse_knob_value

    case = case_library()[case_id].with_knobs({path: parse_knob_value(value)
                                               for path, value in knobs})
    return simulate(case, seed=seed, devices=devices, progress=_progress)


@st.cache_data(max_entries=8, show_spinner=False)
def analyse_case(case_id: str, knobs: tuple, seed: int, devices: int) -> Report:
    """The full readout of a run (the run itself comes from the cache)."""
    return analyse(run_case(case_id, knobs, seed, devices))


def has_run(key: tuple) -> bool:
    """Whether this session ran these exact settings (so pages can show its results)."""
    return key in st.session_state.setdefault("runs", [])


def remember_run(key: tuple) -> None:
    """Record that this session ran these settings."""
    runs = st.session_state.setdefault("runs", [])
    if key not in runs:
        runs.append(key)


def run_with_progress(key: tuple, show: Progress, poll_seconds: float = 0.1) -> SimResult:
    """Run (or fetch from the cache) with live progress.

    The simulation runs in a worker thread and reports into a plain dict; this thread draws
    the progress. The cached function itself never touches a Streamlit element, so replaying
    it from the cache cannot fail.
    """
    latest = {"fraction": 0.0, "message": "starting the rollout"}
    context = get_script_run_ctx()

    def record(fraction: float, message: str) -> None:
        latest.update(fraction=fraction, message=message)

    def work() -> SimResult:
        add_script_run_ctx(threading.current_thread(), context)
        return run_case(*key, _progress=record)

    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(work)
        while not future.done():
            show(latest["fraction"], latest["message"])
            time.sleep(poll_seconds)
        show(1.0, "done")
        return future.result()


def run_and_report(key: tuple, places: Sequence[Any] = ()) -> tuple[SimResult, Report]:
    """This session's run of ``key`` and its readout, or stop the page with a "run first" note.

    ``places`` are the containers (tabs) that each show the note; by default the page.
    """
    if not has_run(key):
        for place in places or (st.container(),):
            with place:
                st.info(texts.RUN_FIRST)
                st.page_link("app_pages/run.py", label="Go to Run", icon="📡")
        st.stop()
    with guard():
        return run_case(*key), analyse_case(*key)
