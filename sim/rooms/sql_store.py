"""The SQL under the study-group store: the engine, transactions, errors and rate limits.

:class:`SqlStore` turns a SQLAlchemy URL or a SQLite path into an engine (PostgreSQL through
psycopg; SQLite in WAL mode, :mod:`sim.rooms.database`), creates the schema on first use
(:func:`~sim.rooms.schema.create_schema`) and opens read and write transactions in which every
database failure becomes one :class:`~sim.errors.RoomError` line. It also holds how long a new
room lasts (``expiry_days``, default :data:`DEFAULT_EXPIRY_DAYS` or ``$LAUNCHROOM_ROOM_DAYS``),
the rate limits per client (:data:`DEFAULT_LIMITS`) and the insert-or-update every write uses.
:class:`~sim.rooms.store.RoomStore` builds on it.

>>> SqlStore("sqlite://")
Traceback (most recent call last):
...
sim.errors.RoomError: LAUNCHROOM_DB_URL is not a usable database URL (a study group needs a SQLite file, not an in-memory database)
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from sim import messages
from sim.errors import LaunchRoomError, RoomError
from sim.rooms.codes import hash_token
from sim.rooms.database import SQLITE_BUSY_TIMEOUT_MS, database_url, sqlite_transactions
from sim.rooms.schema import create_schema, events_table, now

_log = logging.getLogger("launchroom.rooms")

CONNECT_TIMEOUT_S = 5
DEFAULT_EXPIRY_DAYS = 14
"""Days a room lasts unless the store is told otherwise (``$LAUNCHROOM_ROOM_DAYS``)."""
ENV_EXPIRY = "LAUNCHROOM_ROOM_DAYS"


@dataclass(frozen=True)
class RateLimit:
    """At most ``count`` actions per client in a sliding window of ``minutes``."""

    count: int
    minutes: float


DEFAULT_LIMITS = {"create": RateLimit(10, 60), "join": RateLimit(30, 10),
                  "class": RateLimit(10, 60)}
"""Per client: ten rooms an hour, thirty joins in ten minutes (a class joining from one
lecture-hall address stays well inside; a script filling a room does not), ten classes an
hour."""


class SqlStore:
    """A database connection for the study-group store: ``url``, ``expiry_days`` and
    ``limits`` as :class:`~sim.rooms.store.RoomStore` takes them. Nothing connects until the
    first transaction; the schema is created then.

    >>> import tempfile, pathlib
    >>> folder = tempfile.TemporaryDirectory()
    >>> with SqlStore(pathlib.Path(folder.name) / "rooms.db", expiry_days=2) as sql:
    ...     sql.backend, sql.expiry.days
    ('sqlite', 2)
    >>> folder.cleanup()
    """

    def __init__(self, url: str | os.PathLike[str] | None = None,
                 expiry_days: float | None = None,
                 limits: Mapping[str, RateLimit] | None = None) -> None:
        self.expiry = timedelta(days=_expiry_days(expiry_days))
        self.limits = dict(DEFAULT_LIMITS if limits is None else limits)
        try:
            parsed = sa.engine.make_url(database_url(url))
        except sa_exc.ArgumentError as error:
            raise RoomError(messages.ROOM_DB_BAD_URL.format(detail=_first_line(error))) from None
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")  # the driver requirements ship
        self.url = parsed
        self.where = parsed.render_as_string(hide_password=True)
        self.backend = parsed.get_backend_name()
        options: dict[str, Any] = {"pool_pre_ping": True}
        if self.backend == "sqlite":
            if parsed.database in (None, "", ":memory:"):
                raise RoomError(messages.ROOM_DB_BAD_URL.format(
                    detail="a study group needs a SQLite file, not an in-memory database"))
            options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                                       "check_same_thread": False}
        elif self.backend == "postgresql":
            options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
        try:
            self.engine = sa.create_engine(parsed, **options)
        except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError, ImportError, TypeError) as error:
            raise RoomError(messages.ROOM_DB_BAD_URL.format(detail=_first_line(error))) from None
        if self.backend == "sqlite":
            sqlite_transactions(self.engine)
        # Writes take the lock up front (SQLite: BEGIN IMMEDIATE), so concurrent writers queue
        # on the busy timeout instead of failing when a read lock cannot be upgraded.
        self._writer = self.engine.execution_options(launchroom_write=True)
        self._ready = False
        self._ready_lock = threading.Lock()

    # -- plumbing ----------------------------------------------------------------------------
    def close(self) -> None:
        """Close every pooled connection (the data stays in the database)."""
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.where!r})"

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """Database failures become one RoomError line (the traceback goes to the log)."""
        try:
            yield
        except LaunchRoomError:
            raise
        except (sa_exc.OperationalError, sa_exc.InterfaceError, sqlite3.OperationalError,
                OSError) as error:
            _log.warning("room database unreachable at %s", self.where, exc_info=True)
            raise RoomError(messages.ROOM_DB_UNREACHABLE.format(
                where=self.where, detail=_first_line(error))) from None
        except sa_exc.SQLAlchemyError as error:
            _log.error("room database failed at %s", self.where, exc_info=True)
            raise RoomError(messages.ROOM_DB_ERROR.format(
                where=self.where, detail=_first_line(error))) from None

    def _ensure_schema(self) -> None:
        if self._ready:
            return
        with self._ready_lock:
            if self._ready:
                return
            if self.backend == "sqlite":
                Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
            for attempt in range(3):
                try:
                    with self._writer.begin() as conn:
                        create_schema(conn)
                    break
                except (sa_exc.IntegrityError, sa_exc.ProgrammingError):
                    # Another process created the tables at the same moment: look again.
                    if attempt == 2:
                        raise
            self._ready = True

    @contextlib.contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        with self._errors():
            self._ensure_schema()
            with self.engine.connect() as conn:
                yield conn

    @contextlib.contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        with self._errors():
            self._ensure_schema()
            with self._writer.begin() as conn:
                yield conn

    def _rate_limit(self, conn: sa.Connection, action: str, client: str | None) -> None:
        """Count an action for a client; refuse it past the client's limit."""
        limit = self.limits.get(action)
        if client is None or limit is None:
            return
        who = hash_token(client)
        since = now() - timedelta(minutes=limit.minutes)
        conn.execute(sa.delete(events_table).where(events_table.c.at < since))
        recent = conn.execute(
            sa.select(sa.func.count()).select_from(events_table)
            .where(events_table.c.client == who, events_table.c.action == action,
                   events_table.c.at >= since)
        ).scalar_one()
        if recent >= limit.count:
            raise RoomError(messages.ROOM_RATE_LIMITED.format(
                action=messages.RATE_LIMITED_ACTIONS[action], minutes=f"{limit.minutes:g}"))
        conn.execute(sa.insert(events_table).values(client=who, action=action, at=now()))

    def _insert(self, conn: sa.Connection, table: sa.Table, values: dict[str, Any],
                keys: Sequence[str], update: dict[str, Any] | None) -> None:
        """Insert a row; on a clash of ``keys`` update it (``update``) or leave it (``None``)."""
        dialect = conn.dialect.name
        if dialect in ("sqlite", "postgresql"):
            if dialect == "sqlite":
                from sqlalchemy.dialects.sqlite import insert
            else:
                from sqlalchemy.dialects.postgresql import insert
            statement = insert(table).values(**values)
            if update is None:
                statement = statement.on_conflict_do_nothing(index_elements=list(keys))
            else:
                statement = statement.on_conflict_do_update(index_elements=list(keys), set_=update)
            conn.execute(statement)
            return
        # Any other database: the room's row lock already serialises writers to this room.
        match = [table.c[key] == values[key] for key in keys]
        if conn.execute(sa.select(table.c.id).where(*match)).first() is None:
            conn.execute(sa.insert(table).values(**values))
        elif update is not None:
            conn.execute(sa.update(table).where(*match).values(**update))


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    return line[:200]


def _expiry_days(value: float | None) -> float:
    """A room's lifetime in days: the argument, else ``$LAUNCHROOM_ROOM_DAYS``, else 14."""
    if value is None:
        text = os.environ.get(ENV_EXPIRY, "").strip()
        try:
            value = float(text) if text else DEFAULT_EXPIRY_DAYS
        except ValueError:
            raise RoomError(messages.ROOM_EXPIRY_BAD.format(value=text)) from None
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or not 0 < value <= 3_650:
        raise RoomError(messages.ROOM_EXPIRY_BAD.format(value=value))
    return float(value)
