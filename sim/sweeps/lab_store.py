"""Shipped replications: each metric-lab demo's default sweep, precomputed and versioned.

The Learn page opens on a demo's default replications. Computing them takes seconds to tens
of seconds on a small server, so they ship with the package in ``sim/sweeps/lab_data/`` (one
Parquet file a demo) and the page reads them instead: first open is instant. Each file carries
a fingerprint - :data:`STORE_VERSION`, the demo's settings and the SHA-256 of its case file -
and a file whose fingerprint does not match the demo as it is now is ignored (the rows are then
computed live, as for any other setting). A sweep row is a pure function of the case, its knobs
and the run index, so stored rows equal computed ones; ``tests/sweeps/test_lab_store.py``
recomputes a sample of every demo's rows and compares them, which catches an engine or readout
change that would make the shipped rows stale. Regenerate them with

    python -m sim.sweeps.lab_store            # every demo, on every core
    python -m sim.sweeps.lab_store peeking    # one demo

>>> stored = stored_rows("cuped", range(lab.DEMOS["cuped"].runs))
>>> stored is None or len(stored) == lab.DEMOS["cuped"].runs
True
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.case.library import CASES_FOLDER
from sim.sweeps import lab

STORE_FOLDER = Path(__file__).resolve().parent / "lab_data"
"""Where the shipped rows live: ``<demo>.parquet``."""
STORE_VERSION = 1
"""Bumped when what a sweep row holds changes without a demo's settings or case file changing
(an engine or readout change): every shipped file is then stale until regenerated."""
_METADATA_KEY = b"launchroom.lab"


def fingerprint(key: str) -> dict[str, Any]:
    """Everything a demo's default rows depend on, as plain JSON data.

    >>> fingerprint("peeking")["runs"], fingerprint("peeking")["case"]
    (120, 'aa_test')
    """
    demo = lab.DEMOS[key]
    case_file = CASES_FOLDER / f"{demo.case_id}.toml"
    return {
        "version": STORE_VERSION,
        "demo": key,
        "case": demo.case_id,
        "case_sha256": hashlib.sha256(case_file.read_bytes()).hexdigest(),
        "knobs": {path: demo.knobs[path] for path in sorted(demo.knobs)},
        "grid": {path: list(values) for path, values in demo.grid.items()},
        "devices": demo.devices,
        "days": demo.days,
        "extras": list(demo.extras),
        "runs": demo.runs,
    }


def store_path(key: str, folder: Path = STORE_FOLDER) -> Path:
    """The file holding a demo's shipped rows.

    >>> store_path("srm").name
    'srm.parquet'
    """
    return Path(folder) / f"{key}.parquet"


def stored_rows(key: str, runs: Sequence[int] | range,
                folder: Path = STORE_FOLDER) -> pd.DataFrame | None:
    """The shipped rows of replications ``runs`` of a demo at its defaults, or ``None`` when
    they are not shipped (other runs, a missing file, or a fingerprint that no longer
    matches the demo).

    >>> stored_rows("peeking", range(7, 9)) is None
    True
    """
    if key not in lab.DEMOS or list(runs) != list(range(lab.DEMOS[key].runs)):
        return None
    path = store_path(key, folder)
    if not path.is_file():
        return None
    table = pq.read_table(path)
    stored = json.loads((table.schema.metadata or {}).get(_METADATA_KEY, b"{}"))
    if stored.get("fingerprint") != fingerprint(key):
        return None
    frame = table.to_pandas()
    frame.attrs = stored.get("attrs", {})
    return frame


def write_rows(key: str, frame: pd.DataFrame, folder: Path = STORE_FOLDER) -> Path:
    """Store a demo's default rows with their fingerprint (and the sweep's ``attrs``).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> frame = pd.DataFrame({"point": [0] * 100, "run": range(100)})
    >>> stored_rows("cuped", range(100), write_rows("cuped", frame, folder).parent).equals(frame)
    True
    """
    path = store_path(key, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    metadata = {**(table.schema.metadata or {}), _METADATA_KEY: json.dumps(
        {"fingerprint": fingerprint(key), "attrs": frame.attrs}).encode()}
    pq.write_table(table.replace_schema_metadata(metadata), path)
    return path


def demo_rows(key: str, runs: Sequence[int] | range,
              where: Callable[[], Mapping[str, Any]] | None = None,
              **options: Any) -> pd.DataFrame:
    """Replications ``runs`` of a demo: the shipped rows when they are these, else computed
    by :func:`~sim.sweeps.lab.run_demo` with ``options`` (``progress``, ``pool``, ...) and
    what ``where()`` adds. ``where`` is asked only when rows are computed, so shipped rows
    never wait for (or fail on) the workers it would start or the cluster it would reach.

    >>> len(demo_rows("cuped", range(2), devices=1_000, workers=1))
    2
    """
    if not options.get("devices"):
        stored = stored_rows(key, runs)
        if stored is not None:
            return stored
    return lab.run_demo(key, runs, **options, **(where() if where else {}))


def regenerate(keys: Sequence[str] = (), workers: int | None = None,
               folder: Path = STORE_FOLDER) -> list[Path]:
    """Compute and store the default rows of ``keys`` (every demo when empty)."""
    return [write_rows(key, lab.run_demo(key, range(lab.DEMOS[key].runs), workers=workers),
                       folder)
            for key in keys or list(lab.DEMOS)]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.sweeps.lab_store [demo ...] [--workers N]``: regenerate shipped rows.

    >>> main(["nope"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    SystemExit: 2
    """
    parser = argparse.ArgumentParser(prog="python -m sim.sweeps.lab_store",
                                     description="Regenerate the metric lab's shipped rows.")
    parser.add_argument("demos", nargs="*", metavar="demo",
                        help=f"demos to regenerate (default: all of {', '.join(lab.DEMOS)})")
    parser.add_argument("--workers", type=int, default=None, help="worker processes")
    args = parser.parse_args(argv)
    unknown = [key for key in args.demos if key not in lab.DEMOS]
    if unknown:
        parser.error(f"no demo named {', '.join(unknown)}; the demos: {', '.join(lab.DEMOS)}")
    for path in regenerate(args.demos, args.workers):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
