"""The Learn page's sweeps: cached blocks of replications and the "run more" state.

A demo's replications come in blocks of run indices that double (``sim.sweeps.lab.blocks``): the
first block is the demo's default count, shipped precomputed with the package
(:mod:`sim.sweeps.lab_store`), so the first visit reads it; "Run more replications" computes
only the new block, on the server's worker processes (or its Dask cluster), and every block
stays in the server's cache for everyone (a sweep row depends only on the case, its knobs and
the run index, so blocks combine into exactly the bigger sweep).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from sim.sweeps import lab, lab_store
from ui.progress import with_progress
from ui.runs import heavy_work
from ui.state import canonical_knobs

MAX_DOUBLINGS = 4
""""Run more replications" doubles the count up to 2**4 = 16 times the default."""


def _fingerprint(key: str) -> tuple:
    """Everything about a demo that changes its rows (so a changed demo is a cache miss)."""
    demo = lab.DEMOS[key]
    return (demo.case_id, demo.devices, demo.days, demo.extras, canonical_knobs(demo.knobs),
            tuple((path, tuple(values)) for path, values in demo.grid.items()))


@st.cache_data(max_entries=64, show_spinner=False)
def demo_block(key: str, start: int, stop: int, fingerprint: tuple,
               _progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Replications ``start..stop-1`` of a demo's sweep (``fingerprint`` keys the cache): the
    shipped rows for the default block, else computed on the server's workers."""
    # Asked for only when rows are computed: the page opens even when the Dask cluster is down.
    return lab_store.demo_rows(key, range(start, stop), progress=_progress,
                               where=lambda: heavy_work().sweep_options())


def state_key(key: str) -> str:
    """The session-state key holding a demo's replication count."""
    return f"lab_runs::{key}"


def replications(key: str) -> int:
    """Replications per grid point this session asked for (the demo's default at first)."""
    return int(st.session_state.setdefault(state_key(key), lab.DEMOS[key].runs))


def can_double(key: str) -> bool:
    """Whether "Run more replications" may double the count again."""
    return replications(key) < lab.DEMOS[key].runs * 2**MAX_DOUBLINGS


def double(key: str) -> None:
    """Double a demo's replications (a button callback)."""
    if can_double(key):
        st.session_state[state_key(key)] = replications(key) * 2


def demo_frame(key: str, show: Callable[[float, str], None]) -> pd.DataFrame:
    """Every replication the session asked for, from the cache or computed with progress
    (see :mod:`ui.progress`)."""
    demo = lab.DEMOS[key]
    total = replications(key)
    points = 1
    for values in demo.grid.values():
        points *= len(values)
    fingerprint = _fingerprint(key)
    frames = []
    for block in lab.blocks(total, demo.runs):
        runs = len(block) * points
        label = f"replications {block.start + 1:,}-{block.stop:,}"

        def work(report: Callable[[float, str], None], block: range = block,
                 label: str = label) -> pd.DataFrame:
            return demo_block(key, block.start, block.stop, fingerprint,
                              _progress=lambda done, of: report(
                                  done / of if of else 0.0, f"{label}: {done:,} of {of:,} runs"))

        frames.append(with_progress(work, show, first=f"{label}: 0 of {runs:,} runs"))
    show(1.0, "done")
    return lab.combine(frames)
