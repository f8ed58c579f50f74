"""Where the study-group store lives, and SQLite set up for many writers at once.

A SQLAlchemy URL from ``$LAUNCHROOM_DB_URL`` (PostgreSQL for a shared deployment), else a
SQLite file at ``$LAUNCHROOM_DB``, else ``~/.launchroom/rooms.db``. SQLite runs in WAL mode
(readers never wait for a writer) with real transactions: writes take the lock up front
(``BEGIN IMMEDIATE``), so concurrent submissions queue instead of failing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

DEFAULT_DB = Path("~") / ".launchroom" / "rooms.db"
ENV_PATH = "LAUNCHROOM_DB"
ENV_URL = "LAUNCHROOM_DB_URL"
ENV_CASES = "LAUNCHROOM_CASES"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def database_url(url: str | os.PathLike[str] | None = None) -> str:
    """The database to use: ``url`` when given (a SQLAlchemy URL, or a path for a SQLite file),
    else ``$LAUNCHROOM_DB_URL``, else a SQLite file at ``$LAUNCHROOM_DB``, else
    ``~/.launchroom/rooms.db``.

    >>> database_url("/tmp/rooms.db")
    'sqlite:////tmp/rooms.db'
    """
    if url is not None:
        text = os.fspath(url)
        if isinstance(url, os.PathLike) or "://" not in text:
            return _sqlite_url(Path(text))
        return text
    from_env = os.environ.get(ENV_URL, "").strip()
    if from_env:
        return from_env
    path = os.environ.get(ENV_PATH, "").strip()
    return _sqlite_url(Path(path) if path else DEFAULT_DB)


def cases_folder() -> Path:
    """The server's folder of cases people write (the case editor saves there, and the app's
    case list includes them): ``$LAUNCHROOM_CASES``, else ``cases/`` beside the SQLite rooms
    database (``$LAUNCHROOM_DB``), else ``~/.launchroom/cases``.

    >>> cases_folder().is_absolute()
    True
    """
    named = os.environ.get(ENV_CASES, "").strip()
    if named:
        return Path(named).expanduser().absolute()
    database = os.environ.get(ENV_PATH, "").strip()
    beside = Path(database).expanduser().parent if database else DEFAULT_DB.expanduser().parent
    return (beside / "cases").absolute()


def _sqlite_url(path: Path) -> str:
    path = path.expanduser().absolute()
    return sa.engine.URL.create("sqlite", database=str(path)).render_as_string()


def sqlite_transactions(engine: sa.Engine) -> None:
    """SQLite in WAL mode with real transactions: the driver's own transaction handling is
    turned off and SQLAlchemy's BEGIN is emitted here (IMMEDIATE for writes).

    >>> import tempfile, pathlib
    >>> folder = tempfile.TemporaryDirectory()
    >>> engine = sa.create_engine(database_url(pathlib.Path(folder.name) / "rooms.db"))
    >>> sqlite_transactions(engine)
    >>> with engine.connect() as connection:
    ...     connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    'wal'
    >>> engine.dispose(); folder.cleanup()
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")  # a commit survives a power cut too
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get("launchroom_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


