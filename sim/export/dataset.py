"""A run as a dataset: the analyst's tables as CSV and Parquet, their data dictionary, the case
and a starter notebook, written to a folder (:func:`export_run`) or zipped (:func:`export_zip`).

The tables are the ones an analyst sees (:data:`ANALYST_TABLES`: every table of the run but
the truth), exactly as the run holds them: the raw daily reports keep their duplicates,
skewed days and late rows. ``case.toml`` is the case with every setting of the run (a case
file ``python -m sim`` reads) and ``run.json`` the seed, fleet size and horizon, so the same
run can be made again anywhere.

>>> import tempfile
>>> from sim import load_scenario, simulate
>>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=3, devices=1_000, days=7)
>>> [path.name for path in export_run(result, tempfile.mkdtemp())][:3]
['README.md', 'run.json', 'case.toml']
"""

from __future__ import annotations

import io
import json
import shlex
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import tomli_w

from sim import messages
from sim.errors import LaunchRoomError
from sim.export.dictionary import TABLES, data_dictionary
from sim.export.notebook import notebook_text

if TYPE_CHECKING:
    from sim.case.scenario import Scenario
    from sim.engine.result import SimResult

ANALYST_TABLES = ("devices", "daily", "day_arm", "timeline", "rollout")
"""The run's tables an analyst may see, in order; never ``truth``, which stays hidden."""
RUN_FILE = "run.json"
"""The file that marks a folder as an export (and holds the seed, fleet size and horizon)."""
EXPORT_FORMAT = 1
# Every name an export may write: an earlier export's files are replaced, no others.
_OWN_FILES = frozenset(
    {"README.md", RUN_FILE, "case.toml", "analysis.ipynb"}
    | {f"{name}.{kind}" for name in ANALYST_TABLES for kind in ("csv", "parquet")}
)


@dataclass(frozen=True)
class ExportFile:
    """One file of an export: its name, its bytes and what it holds, in words."""

    name: str
    data: bytes
    what: str


def analyst_tables(result: SimResult) -> dict[str, pd.DataFrame]:
    """The tables an analyst may see, by name, in :data:`ANALYST_TABLES` order (``daily`` only
    when the run kept raw reports).

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=3, devices=500, days=5)
    >>> list(analyst_tables(result))
    ['devices', 'daily', 'day_arm', 'timeline', 'rollout']
    """
    tables = {name: getattr(result, name) for name in ANALYST_TABLES}
    return {name: table for name, table in tables.items() if table is not None}


def case_toml(scenario: Scenario) -> str:
    """The case, with every setting as the run used it, as a case file.

    >>> from sim import load_scenario
    >>> from sim.case.scenario import parse_scenario
    >>> case = load_scenario("scenarios/aa_test.toml").with_knobs({"experiment.treatment_share": 0.3})
    >>> parse_scenario(case_toml(case)).model_dump() == case.model_dump()
    True
    """
    return tomli_w.dumps(_without_none(scenario.model_dump(mode="json")), multiline_strings=True)


def _without_none(value: Any) -> Any:
    # TOML has no null: a setting left unset is left out, and the case's default applies.
    if isinstance(value, dict):
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_none(item) for item in value]
    return value


def reproduce_command(result: SimResult, folder: str = "again") -> str:
    """The command that exports the same run again from the export's ``case.toml``.

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=3, devices=500, days=5)
    >>> reproduce_command(result)
    'python -m sim export case.toml --seed 3 --devices 500 --days 5 --out again'
    """
    return (f"python -m sim export case.toml --seed {result.seed} --devices "
            f"{len(result.devices)} --days {result.days} --out {shlex.quote(folder)}")


def _table_files(name: str, frame: pd.DataFrame) -> list[ExportFile]:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    csv, parquet = io.BytesIO(), io.BytesIO()
    pa_csv.write_csv(table, csv)
    pq.write_table(table, parquet)
    rows = f"{len(frame):,} rows"
    what = TABLES[name].split(":")[0]
    return [ExportFile(f"{name}.csv", csv.getvalue(), f"{name} ({what}), {rows}, CSV"),
            ExportFile(f"{name}.parquet", parquet.getvalue(), "the same rows as Parquet")]


def export_files(result: SimResult) -> list[ExportFile]:
    """Every file of the export, in order: the data dictionary, the run, the case, the starter
    notebook, then each table as CSV and Parquet.

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=3, devices=500, days=5)
    >>> [file.name for file in export_files(result)][3:6]
    ['analysis.ipynb', 'devices.csv', 'devices.parquet']
    """
    tables = analyst_tables(result)
    data = [file for name, frame in tables.items() for file in _table_files(name, frame)]
    case = result.scenario
    run = {
        "format": EXPORT_FORMAT,
        "case": case.meta.id,
        "seed": result.seed,
        "devices": len(result.devices),
        "days": result.days,
        "tables": {name: len(frame) for name, frame in tables.items()},
        "reproduce": reproduce_command(result),
    }
    head = [
        ExportFile(RUN_FILE, (json.dumps(run, indent=2) + "\n").encode(),
                   "the case id, seed, fleet size, horizon and table sizes"),
        ExportFile("case.toml", case_toml(case).encode(),
                   "the case with every setting of this run (a case file)"),
        ExportFile("analysis.ipynb", notebook_text(result).encode(),
                   "a starter notebook: loads the tables, removes duplicates, reproduces the "
                   "primary metric's lift"),
    ]
    listed = [(file.name, file.what) for file in [*head, *data]]
    readme = data_dictionary(result, tables, [("README.md", "this data dictionary"), *listed],
                             reproduce_command(result))
    return [ExportFile("README.md", readme.encode(), "this data dictionary"), *head, *data]


def check_export_folder(folder: str | Path) -> Path:
    """The folder an export may write to: new, empty, or an earlier export (``run.json``);
    a one-line :class:`LaunchRoomError` otherwise.

    >>> import tempfile
    >>> check_export_folder(tempfile.mkdtemp()).is_dir()
    True
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise LaunchRoomError(messages.EXPORT_OUT_IS_FILE.format(path=folder))
    if folder.is_dir() and not (folder / RUN_FILE).is_file() and any(folder.iterdir()):
        raise LaunchRoomError(messages.EXPORT_OUT_NOT_EMPTY.format(path=folder))
    return folder


def write_export(files: list[ExportFile], folder: str | Path) -> list[Path]:
    """Write export files to ``folder`` (checked with :func:`check_export_folder`); files an
    earlier export left there that this one does not write (a daily table, say) are removed.

    >>> import tempfile
    >>> [path.name for path in write_export([ExportFile("run.json", b"{}", "")], tempfile.mkdtemp())]
    ['run.json']
    """
    folder = check_export_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = {file.name for file in files}
    for stale in _OWN_FILES - names:
        (folder / stale).unlink(missing_ok=True)
    written = []
    for file in files:
        path = folder / file.name
        path.write_bytes(file.data)
        written.append(path)
    return written


def export_run(result: SimResult, folder: str | Path) -> list[Path]:
    """Write the run's export (:func:`export_files`) to ``folder``; returns the paths written.

    >>> import tempfile
    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=3, devices=500, days=5)
    >>> sorted(path.suffix for path in export_run(result, tempfile.mkdtemp()))[:4]
    ['.csv', '.csv', '.csv', '.csv']
    """
    check_export_folder(folder)
    return write_export(export_files(result), folder)


def export_zip(result: SimResult) -> bytes:
    """The run's export as one zip file (the same files as :func:`export_run`, in a folder
    named after the case and seed), for a download button.

    >>> import io, zipfile
    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=3, devices=500, days=5)
    >>> zipfile.ZipFile(io.BytesIO(export_zip(result))).namelist()[0]
    'aa_test-seed3/README.md'
    """
    buffer = io.BytesIO()
    root = zip_folder(result)
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in export_files(result):
            # Parquet is compressed already; text shrinks several times over, and the fastest
            # level does most of it (20,000 devices: 0.2 s for 16.6 MiB, level 6 0.9 s for 15.1).
            method = zipfile.ZIP_STORED if file.name.endswith(".parquet") else zipfile.ZIP_DEFLATED
            archive.writestr(f"{root}/{file.name}", file.data, compress_type=method,
                             compresslevel=1 if method == zipfile.ZIP_DEFLATED else None)
    return buffer.getvalue()


def zip_folder(result: SimResult) -> str:
    """The folder name inside the zip (and a file name for it): case and seed.

    >>> from sim import load_scenario, simulate
    >>> zip_folder(simulate(load_scenario("scenarios/aa_test.toml"), seed=3, devices=500, days=5))
    'aa_test-seed3'
    """
    return f"{result.scenario.meta.id}-seed{result.seed}"


def summary_lines(result: SimResult, folder: str | Path, files: list[ExportFile]) -> list[str]:
    """What an export wrote, in lines for the command line: a heading, then each file with
    its size and what it holds.

    >>> from sim import load_scenario, simulate
    >>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=3, devices=500, days=5)
    >>> lines = summary_lines(result, "runs/aa", export_files(result))
    >>> lines[0]
    'aa_test seed 3: 500 devices x 5 days exported to runs/aa'
    """
    lines = [messages.EXPORT_WROTE.format(case=result.scenario.meta.id, seed=result.seed,
                                          devices=len(result.devices), days=result.days,
                                          folder=folder)]
    lines += [messages.EXPORT_FILE.format(name=file.name, size=_size(len(file.data)),
                                          what=file.what) for file in files]
    return lines


def _size(count: int) -> str:
    if count < 1024:
        return f"{count:,} bytes"
    if count < 1024**2:
        return f"{count / 1024:,.1f} KB"
    return f"{count / 1024**2:,.1f} MB"
