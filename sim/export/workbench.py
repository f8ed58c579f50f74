"""The SQL workbench: read-only SQL over a run's tables, in a DuckDB sandbox.

The app runs on a shared server, so a query may read the run's analyst tables
(:data:`~sim.export.dataset.ANALYST_TABLES`: devices, daily, day_arm, timeline, rollout; never
the truth) and nothing else:

- **An in-memory database holding only those tables**, copied in from the run; Python's
  replacement scans (DuckDB reading any DataFrame in scope by its name) are off on every
  cursor.
- **No outside world.** ``enable_external_access = false`` (no files, URLs, ATTACH, COPY,
  EXPORT, secrets), no extension installing or loading (``autoinstall_known_extensions``,
  ``autoload_known_extensions``, ``allow_community_extensions`` all false), no spilling to
  disk, a memory limit, one thread; then ``lock_configuration = true``, so no query can
  change a setting back.
- **Reads only.** Each text is parsed by DuckDB first: one statement, of type SELECT (which
  includes DESCRIBE, SHOW and SUMMARIZE), whose every table is one of the run's (or a CTE) and
  whose every table function is a generator (``range``, ``generate_series``, ``unnest``).
  Anything else gets one clear line, a :class:`~sim.errors.QueryError`, before it runs.
- **Bounded.** A query runs on its own cursor and is interrupted after a time limit (DuckDB has
  no statement timeout: a timer thread calls ``interrupt()``); at most a row cap of rows come
  back, and the result says when it cut the rest.

>>> from sim import load_scenario, simulate
>>> result = simulate(load_scenario("scenarios/aa_test.toml"), seed=1, devices=1_000, days=7)
>>> bench = Workbench(result)
>>> bench.run("SELECT arm, count(*) AS devices FROM devices GROUP BY arm ORDER BY arm").frame
         arm  devices
0    control      498
1  treatment      502
>>> bench.run("SELECT * FROM read_csv('/etc/passwd')")
Traceback (most recent call last):
...
sim.errors.QueryError: read_csv() is not available here: the workbench reads this run's tables only (devices, daily, day_arm, timeline, rollout); no files, URLs, extensions or settings
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from sim import messages
from sim.errors import QueryError
from sim.export.dataset import analyst_tables
from sim.limits import SQL_MAX_CHARS, SQL_MAX_ROWS, SQL_QUERY_MEMORY_MB, SQL_TIME_LIMIT_S

if TYPE_CHECKING:
    from sim.engine.result import SimResult

GENERATORS = frozenset({"range", "generate_series", "unnest"})
"""Table functions a query may call: they make rows from their arguments and read nothing."""
_CONNECT = {
    # Settings that hold from the first moment, on every cursor: nothing is installed or
    # loaded, ever, and no query reads a Python object by its name (replacement scans are a
    # per-connection setting, so they are off here, where every cursor inherits it).
    "python_enable_replacements": False,
    "python_scan_all_frames": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "threads": 1,
}
# Settings once the tables are in; the last one locks every setting for good.
_LOCKDOWN = (
    "SET temp_directory = ''",
    "SET memory_limit = '{memory}'",
    "SET enable_external_access = false",
    "SET lock_configuration = true",
)
_DEFAULT_NAMES = {"", "memory"}  # the in-memory database's catalog, as DuckDB names it
_DEFAULT_SCHEMAS = {"", "main"}


@dataclass(frozen=True)
class Example:
    """An example query: a title, the SQL, and the tables it needs."""

    title: str
    sql: str
    tables: tuple[str, ...]


EXAMPLES: tuple[Example, ...] = (
    Example(
        "Duplicate reports",
        "-- A duplicate is an exact copy of another row: every column equal.\n"
        "WITH counts AS (\n"
        "    SELECT (SELECT count(*) FROM daily) AS report_rows,\n"
        "           (SELECT count(*) FROM (SELECT DISTINCT * FROM daily)) AS distinct_rows)\n"
        "SELECT report_rows, distinct_rows, report_rows - distinct_rows AS duplicate_rows,\n"
        "       (SELECT sum(duplicate_reports) FROM devices) AS devices_table_says\n"
        "FROM counts",
        ("daily", "devices"),
    ),
    Example(
        "Reports per device per day",
        "-- How many rows each device sent for each day it labelled (2 or more: duplicates).\n"
        "SELECT reports, count(*) AS device_days\n"
        "FROM (SELECT device_id, day, count(*) AS reports FROM daily GROUP BY device_id, day)\n"
        "GROUP BY reports\n"
        "ORDER BY reports",
        ("daily",),
    ),
    Example(
        "Late rows by delay",
        "-- received_day - day: 0 on time, 1 or more late; a clock a day off shifts it by one.\n"
        "SELECT received_day - day AS delay_days, count(*) AS rows\n"
        "FROM daily\n"
        "GROUP BY delay_days\n"
        "ORDER BY delay_days",
        ("daily",),
    ),
    Example(
        "Sessions per arm after removing duplicates",
        "-- Each report once, then per device, then per arm (the readout's population:\n"
        "-- devices with at least one report).\n"
        "WITH clean AS (SELECT DISTINCT * FROM daily),\n"
        "     per_device AS (SELECT device_id, sum(sessions) AS sessions\n"
        "                    FROM clean GROUP BY device_id)\n"
        "SELECT d.arm, count(*) AS devices, avg(p.sessions) AS sessions_per_device,\n"
        "       stddev_samp(p.sessions) AS sd\n"
        "FROM per_device p JOIN devices d USING (device_id)\n"
        "GROUP BY d.arm\n"
        "ORDER BY d.arm",
        ("daily", "devices"),
    ),
    Example(
        "Install funnel by chip tier",
        "SELECT chip_tier, count(*) AS treatment_devices,\n"
        "       count(offered_day) AS offered, count(installed_day) AS installed,\n"
        "       sum(install_failed::INT) AS failed\n"
        "FROM devices\n"
        "WHERE arm = 'treatment'\n"
        "GROUP BY chip_tier\n"
        "ORDER BY chip_tier",
        ("devices",),
    ),
    Example(
        "Gate checks on the timeline",
        "SELECT day, stage, metric, value, control, threshold, p_value, outcome\n"
        "FROM timeline\n"
        "WHERE event = 'gate_check'\n"
        "ORDER BY hour",
        ("timeline",),
    ),
    Example(
        "Active devices per day and arm",
        "SELECT day, arm, sum(devices_reporting) AS reporting, sum(active) AS active,\n"
        "       sum(sessions) / sum(devices_reporting) AS sessions_per_reporting_device\n"
        "FROM day_arm\n"
        "GROUP BY day, arm\n"
        "ORDER BY day, arm",
        ("day_arm",),
    ),
)
"""Example queries for the workbench, in the order a careful analyst asks them."""


@dataclass(frozen=True)
class QueryResult:
    """What a query returned: the rows (at most the cap), whether more were cut, how long it
    took, and a one-line reading."""

    frame: pd.DataFrame
    truncated: bool
    seconds: float

    @property
    def reading(self) -> str:
        """The result in one line: rows and time, and whether rows were cut.

        >>> QueryResult(pd.DataFrame({"n": [1, 2]}), truncated=False, seconds=0.01).reading
        '2 row(s) in 0.01 s.'
        """
        if self.truncated:
            return messages.SQL_ROWS_CUT.format(shown=len(self.frame), seconds=self.seconds)
        return messages.SQL_ROWS.format(rows=len(self.frame), seconds=self.seconds)


class Workbench:
    """A sandboxed DuckDB over one run's analyst tables (see the module docstring).

    ``time_limit`` (seconds) and ``max_rows`` bound each query; the defaults come from
    :mod:`sim.limits`. One workbench may serve several threads: each query gets a cursor of
    its own.
    """

    def __init__(self, result: SimResult, time_limit: float = SQL_TIME_LIMIT_S,
                 max_rows: int = SQL_MAX_ROWS) -> None:
        self.time_limit = float(time_limit)
        self.max_rows = int(max_rows)
        self._lock = threading.Lock()
        self._connection = duckdb.connect(":memory:", config=dict(_CONNECT))
        tables = analyst_tables(result)
        for name, frame in tables.items():
            self._connection.register("incoming", frame)
            self._connection.execute(f'CREATE TABLE "{name}" AS SELECT * FROM incoming')
            self._connection.unregister("incoming")
        self.tables: tuple[str, ...] = tuple(tables)
        loaded = self._connection.execute(
            "SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory()").fetchone()[0]
        memory = f"{int(loaded) // 2**20 + SQL_QUERY_MEMORY_MB}MB"
        for setting in _LOCKDOWN:
            self._connection.execute(setting.format(memory=memory))

    def examples(self) -> tuple[Example, ...]:
        """The example queries whose tables this run has (a run without raw reports has no
        daily table).

        >>> from sim import load_scenario, simulate
        >>> case = load_scenario("scenarios/aa_test.toml").with_knobs({"telemetry.daily_max_devices": 0})
        >>> [e.title for e in Workbench(simulate(case, seed=1, devices=500, days=5)).examples()]
        ['Install funnel by chip tier', 'Gate checks on the timeline', 'Active devices per day and arm']
        """
        return tuple(e for e in EXAMPLES if set(e.tables) <= set(self.tables))

    def check(self, sql: str) -> str:
        """The one statement in ``sql``, checked (a :class:`QueryError` if it is not a read of
        the run's tables); returns its text as DuckDB parsed it.

        >>> from sim import load_scenario, simulate
        >>> bench = Workbench(simulate(load_scenario("scenarios/aa_test.toml"), seed=1, devices=500, days=5))
        >>> bench.check("DROP TABLE devices")
        Traceback (most recent call last):
        ...
        sim.errors.QueryError: only SELECT queries run here (this one is DROP): the workbench reads this run's tables and changes nothing, attaches nothing and sets nothing
        """
        if not sql.strip():
            raise QueryError(messages.SQL_EMPTY)
        if len(sql) > SQL_MAX_CHARS:
            raise QueryError(messages.SQL_TOO_LONG.format(limit=SQL_MAX_CHARS, length=len(sql)))
        with self._cursor() as cursor:
            try:
                statements = cursor.extract_statements(sql)
            except duckdb.Error as error:
                raise QueryError(messages.SQL_SYNTAX.format(detail=_first_line(error))) from None
            if len(statements) != 1:
                if not statements:
                    raise QueryError(messages.SQL_EMPTY)
                raise QueryError(messages.SQL_ONE_STATEMENT.format(count=len(statements)))
            statement = statements[0]
            if statement.type != duckdb.StatementType.SELECT:
                raise QueryError(messages.SQL_READ_ONLY.format(kind=_keyword(statement.query)))
            self._check_sources(cursor, statement.query)
            return statement.query

    def run(self, sql: str) -> QueryResult:
        """Check and run one query; at most :attr:`max_rows` rows, within :attr:`time_limit`
        seconds. Every refusal and failure is a one-line :class:`QueryError`.

        >>> from sim import load_scenario, simulate
        >>> bench = Workbench(simulate(load_scenario("scenarios/aa_test.toml"), seed=1, devices=500, days=5),
        ...                   max_rows=10)
        >>> answer = bench.run("SELECT * FROM devices")
        >>> len(answer.frame), answer.truncated
        (10, True)
        """
        query = self.check(sql)
        with self._cursor() as cursor:
            timer = threading.Timer(self.time_limit, cursor.interrupt)
            started = time.perf_counter()
            timer.start()
            try:
                cursor.execute(query)
                frame = self._fetch(cursor)
            except duckdb.InterruptException:
                raise QueryError(messages.SQL_TIMEOUT.format(seconds=self.time_limit)) from None
            except duckdb.OutOfMemoryException:
                raise QueryError(messages.SQL_MEMORY) from None
            except duckdb.PermissionException as error:
                raise QueryError(messages.SQL_OUTSIDE.format(detail=_first_line(error))) from None
            except duckdb.Error as error:
                raise QueryError(messages.SQL_FAILED.format(detail=_first_line(error))) from None
            finally:
                timer.cancel()
            seconds = time.perf_counter() - started
        truncated = len(frame) > self.max_rows
        return QueryResult(frame.head(self.max_rows).reset_index(drop=True), truncated, seconds)

    def sandbox(self) -> dict[str, str]:
        """The settings that hold the sandbox shut, as the database reports them.

        >>> from sim import load_scenario, simulate
        >>> bench = Workbench(simulate(load_scenario("scenarios/aa_test.toml"), seed=1, devices=500, days=5))
        >>> bench.sandbox()["enable_external_access"], bench.sandbox()["lock_configuration"]
        ('false', 'true')
        """
        names = ("enable_external_access", "lock_configuration", "autoinstall_known_extensions",
                 "autoload_known_extensions", "allow_community_extensions",
                 "python_enable_replacements", "python_scan_all_frames", "temp_directory",
                 "memory_limit", "threads")
        with self._cursor() as cursor:
            rows = cursor.execute(
                "SELECT name, value FROM duckdb_settings() WHERE list_contains(?, name)",
                [list(names)]).fetchall()
        found = {name: str(value).lower() if str(value) in ("true", "false", "True", "False")
                 else str(value) for name, value in rows}
        return {name: found[name] for name in names if name in found}

    def close(self) -> None:
        """Close the database (its tables go with it).

        >>> from sim import load_scenario, simulate
        >>> bench = Workbench(simulate(load_scenario("scenarios/aa_test.toml"), seed=1, devices=500, days=5))
        >>> bench.close()
        """
        self._connection.close()

    # --- inside ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            cursor = self._connection.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def _fetch(self, cursor: duckdb.DuckDBPyConnection) -> pd.DataFrame:
        """At most ``max_rows + 1`` rows (one more than shown tells that rows were cut)."""
        chunks, rows = [], 0
        while rows <= self.max_rows:
            chunk = cursor.fetch_df_chunk()
            if chunk.empty:
                if not chunks:
                    chunks.append(chunk)  # keep the columns of an empty result
                break
            chunks.append(chunk)
            rows += len(chunk)
        return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]

    def _check_sources(self, cursor: duckdb.DuckDBPyConnection, query: str) -> None:
        """Refuse any table that is not the run's (or a CTE's) and any table function that is
        not a generator, naming the first one found."""
        tree = json.loads(cursor.execute("SELECT json_serialize_sql(?)", [query]).fetchone()[0])
        if tree.get("error"):
            # A SELECT DuckDB cannot show as a tree: the sandbox still holds, so let it run.
            return
        defined = {key.lower() for key in _cte_names(tree)}
        known = {name.lower() for name in self.tables}
        for kind, node in _walk(tree):
            if kind == "TABLE_FUNCTION":
                name = str(node.get("function", {}).get("function_name", "")).lower()
                if name not in GENERATORS:
                    raise QueryError(messages.SQL_TABLE_FUNCTION.format(
                        name=name, tables=", ".join(self.tables)))
            elif kind == "BASE_TABLE":
                name = str(node.get("table_name", ""))
                outside = (str(node.get("catalog_name", "")).lower() not in _DEFAULT_NAMES
                           or str(node.get("schema_name", "")).lower() not in _DEFAULT_SCHEMAS)
                if outside or name.lower() not in known | defined:
                    shown = ".".join(part for part in (node.get("catalog_name"),
                                                       node.get("schema_name"), name) if part)
                    raise QueryError(messages.SQL_TABLE_UNKNOWN.format(
                        name=shown, tables=", ".join(self.tables)))


def _keyword(statement: str) -> str:
    """What a statement is, as its text begins: ``ATTACH``, ``FORCE INSTALL``, ``PIVOT``."""
    words = re.sub(r"--[^\n]*|/\*.*?\*/", " ", statement, flags=re.DOTALL).upper().split()
    if not words:
        return "?"
    if words[0] not in {"FORCE", "CREATE"}:
        return words[0]
    # CREATE OR REPLACE TEMP TABLE is a CREATE TABLE; CREATE PERSISTENT SECRET a CREATE SECRET.
    what = [w for w in words[1:] if w not in {"OR", "REPLACE", "TEMP", "TEMPORARY", "PERSISTENT"}]
    return " ".join([words[0], *what[:1]])


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _walk(node: Any) -> Iterator[tuple[str, dict]]:
    """Every (type, node) of a parsed query's tree, depth first."""
    if isinstance(node, dict):
        kind = node.get("type")
        if isinstance(kind, str):
            yield kind, node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _cte_names(node: Any) -> Iterator[str]:
    """The names every WITH clause in the tree defines."""
    if isinstance(node, dict):
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            for entry in cte_map.get("map", []):
                yield str(entry.get("key", ""))
        for value in node.values():
            yield from _cte_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _cte_names(value)
