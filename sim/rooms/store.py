"""The study-group store: rooms that share one seeded case, members, submissions and the reveal.

A facilitator creates a room for a case, its knobs, a seed and a fleet size, and gets a short
room code and a secret facilitator token. Members join with a display name and get a secret of
their own (:class:`~sim.rooms.board.Member`); the same name comes back only with that secret,
and a name that differs from a member's only in case, compatibility forms or look-alike
characters, or that mixes writing systems, is refused. Members run the same fleet in their own
session and submit one decision each (their secret required); submitting again before the
reveal replaces it. Only the facilitator's token reveals: the room's seeded run is scored
(:func:`~sim.rooms.grading.score_room`, or any ``score_fn``) and the scores, the truth and the
revealed state are written in one transaction, so a reveal that dies half-way leaves the room as
it was. Before the reveal the board says only who has submitted. Rooms expire
(``expiry_days``, default :data:`DEFAULT_EXPIRY_DAYS` or ``$LAUNCHROOM_ROOM_DAYS``), and
creating and joining are rate limited per client. Only SHA-256 hashes of secrets are stored.

The store is SQLAlchemy Core over any database SQLAlchemy speaks: a SQLite file by default
(WAL mode, so readers never wait for a writer) at ``$LAUNCHROOM_DB`` or ``~/.launchroom/rooms.db``,
or the URL in ``$LAUNCHROOM_DB_URL`` (PostgreSQL: ``postgresql+psycopg://user:pass@host/db``).
The schema is created (or extended) on first use. Every problem - a mistyped code, a bad name, a
wrong secret, an unreachable database - raises :class:`~sim.errors.RoomError` with one line.

>>> import tempfile, pathlib
>>> from sim.decide import Decision
>>> from sim.rooms import Scores
>>> folder = tempfile.TemporaryDirectory()
>>> store = RoomStore(pathlib.Path(folder.name) / "rooms.db")
>>> code, token = store.create_room("aa_test", seed=3, devices=2_000, knobs={})
>>> ana = store.join(code.lower(), "  Ana ")
>>> store.join(code, "ANA")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
sim.errors.RoomError: 'ANA' is already in room ...; to come back as ANA, open your personal rejoin link, or join under another name
>>> store.submit(code, "ana", Decision(call="iterate", expected_lift=0.0, decision_day=28),
...              member_token=ana.token)
>>> [(entry.name, entry.has_submitted, entry.decision) for entry in store.board(code).entries]
[('Ana', True, None)]
>>> stub = lambda room, decisions: Scores({"right_call": "iterate"}, [{"total": 100}] * len(decisions))
>>> board = store.reveal(code, token, score_fn=stub)
>>> board.truth["right_call"], board.entries[0].decision["call"], board.entries[0].scorecard["total"]
('iterate', 'iterate', 100)
>>> store.close(); folder.cleanup()
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import math
import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from sim import messages
from sim.decide.decision import MEMO_MAX_CHARS, Decision
from sim.errors import LaunchRoomError, RoomError
from sim.limits import MAX_CLASS_ROOMS, MAX_DEVICES, MAX_SEED, MAX_VARIANT, MIN_DEVICES
from sim.rooms.board import Board, ClassView, Entry, Member, Room, ScoreFn
from sim.rooms.codes import (
    CODE_LENGTH,
    NAME_MAX_CHARS,
    check_script,
    clean_class_name,
    clean_name,
    format_code,
    hash_token,
    name_key,
    name_skeleton,
    new_code,
    new_token,
    normalise_code,
)
from sim.rooms.database import SQLITE_BUSY_TIMEOUT_MS, database_url, sqlite_transactions
from sim.rooms.grading import score_room
from sim.rooms.history import Attempt
from sim.rooms.reviews import PeerReview, Review, ReviewTask, memo_label, review_pairs

if TYPE_CHECKING:
    from sim.case.scenario import Scenario

_log = logging.getLogger("launchroom.rooms")

MAX_MEMBERS = 500
MAX_ATTEMPTS_SHOWN = 50
"""The most interview attempts one person's history returns."""
KNOBS_MAX_CHARS = 20_000
CONNECT_TIMEOUT_S = 5
DEFAULT_EXPIRY_DAYS = 14
"""Days a room lasts unless the store is told otherwise (``$LAUNCHROOM_ROOM_DAYS``)."""
ENV_EXPIRY = "LAUNCHROOM_ROOM_DAYS"
REVEAL_ATTEMPTS = 3
"""Times a reveal scores again when someone submitted while it was scoring."""
_CASE_ID = re.compile(r"^[a-z0-9_]{1,100}$")


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

# --- the schema ----------------------------------------------------------------------------
metadata = sa.MetaData()
rooms_table = sa.Table(
    "launchroom_rooms",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(CODE_LENGTH), nullable=False, unique=True),
    sa.Column("case_id", sa.String(100), nullable=False),
    sa.Column("knobs", sa.Text, nullable=False),  # JSON object: knob path -> value
    sa.Column("seed", sa.BigInteger, nullable=False),
    sa.Column("devices", sa.Integer, nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),  # SHA-256 of the facilitator token
    sa.Column("closed", sa.DateTime(timezone=True)),  # unused since reveals are one transaction
    sa.Column("revealed", sa.DateTime(timezone=True)),
    sa.Column("truth", sa.Text),  # JSON, written by the reveal
    sa.Column("expires", sa.DateTime(timezone=True)),  # NULL (older rooms): created + default
    sa.Column("reviews_named", sa.Boolean),  # NULL or false: peer reviews are anonymous
    sa.Column("variant", sa.Integer),  # the case's variant; NULL (older rooms): 0, the file
)
members_table = sa.Table(
    "launchroom_members",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("room_id", sa.Integer, sa.ForeignKey("launchroom_rooms.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("name", sa.String(NAME_MAX_CHARS), nullable=False),  # as first typed
    sa.Column("name_key", sa.String(20 * NAME_MAX_CHARS), nullable=False),  # NFKC, case-folded
    sa.Column("joined", sa.DateTime(timezone=True), nullable=False),
    sa.Column("token_hash", sa.String(64)),  # SHA-256 of the member's secret
    sa.Column("skeleton", sa.String(20 * NAME_MAX_CHARS)),  # what the name looks like
    sa.UniqueConstraint("room_id", "name_key", name="uq_launchroom_member_name"),
)
submissions_table = sa.Table(
    "launchroom_submissions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("room_id", sa.Integer, sa.ForeignKey("launchroom_rooms.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("member_id", sa.Integer,
              sa.ForeignKey("launchroom_members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("decision", sa.Text, nullable=False),  # Decision.model_dump_json()
    sa.Column("scorecard", sa.Text),  # JSON, written by the reveal
    sa.Column("submitted", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("room_id", "member_id", name="uq_launchroom_submission_member"),
)
events_table = sa.Table(
    "launchroom_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("client", sa.String(64), nullable=False),  # SHA-256 of the client's address
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_launchroom_events_client", "client", "action", "at"),
)
classes_table = sa.Table(
    "launchroom_classes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(NAME_MAX_CHARS), nullable=False),  # as first typed
    sa.Column("name_key", sa.String(20 * NAME_MAX_CHARS), nullable=False),  # NFKC, case-folded
    sa.Column("token_hash", sa.String(64), nullable=False),  # SHA-256 of the teacher's secret
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("name_key", name="uq_launchroom_class_name"),
)
class_rooms_table = sa.Table(
    "launchroom_class_rooms",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("class_id", sa.Integer,
              sa.ForeignKey("launchroom_classes.id", ondelete="CASCADE"), nullable=False),
    # An expired room is deleted, and leaves its classes with it.
    sa.Column("room_id", sa.Integer, sa.ForeignKey("launchroom_rooms.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("attached", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("class_id", "room_id", name="uq_launchroom_class_room"),
)
reviews_table = sa.Table(
    "launchroom_reviews",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("room_id", sa.Integer, sa.ForeignKey("launchroom_rooms.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("reviewer_id", sa.Integer,
              sa.ForeignKey("launchroom_members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("author_id", sa.Integer,
              sa.ForeignKey("launchroom_members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("review", sa.Text, nullable=False),  # Review.model_dump_json()
    sa.Column("written", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("reviewer_id", "author_id", name="uq_launchroom_review_pair"),
)
attempts_table = sa.Table(
    "launchroom_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(NAME_MAX_CHARS), nullable=False),  # as typed
    sa.Column("name_key", sa.String(20 * NAME_MAX_CHARS), nullable=False),  # NFKC, case-folded
    sa.Column("case_id", sa.String(100), nullable=False),
    sa.Column("variant", sa.Integer, nullable=False),
    sa.Column("minutes", sa.Integer, nullable=False),
    sa.Column("minutes_used", sa.Float, nullable=False),
    sa.Column("total", sa.Float, nullable=False),
    sa.Column("lines", sa.Text, nullable=False),  # JSON object: rubric line -> points
    sa.Column("hints", sa.Integer, nullable=False),
    sa.Column("finished", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_launchroom_attempts_name", "name_key", "finished"),
)
# Tables added since the first release (classes, reviews, attempts) are made by create_all on
# first use; columns added since are listed here, and an older database gains them on first use.
_ADDED_COLUMNS = {
    "launchroom_rooms": ("expires", "reviews_named", "variant"),
    "launchroom_members": ("token_hash", "skeleton"),
}


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time stored here is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    return line[:200]


# --- the store ---------------------------------------------------------------------------------
class RoomStore:
    """Rooms, members and submissions in a SQL database (see the module's docstring).

    ``url``: a SQLAlchemy URL or a SQLite file path; ``None`` reads the environment
    (:func:`database_url`). ``expiry_days``: how long a new room lasts (default
    ``$LAUNCHROOM_ROOM_DAYS`` or :data:`DEFAULT_EXPIRY_DAYS`). ``limits``: the rate limits per
    client (:data:`DEFAULT_LIMITS`). Nothing connects until the first call; the schema is
    created then. Safe to share between threads (one engine, a pool of connections).
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

    def __enter__(self) -> RoomStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RoomStore({self.where!r})"

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
                        metadata.create_all(conn)
                        _add_missing_columns(conn)
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

    def _locked_room(self, conn: sa.Connection, code: str) -> sa.Row:
        """The room's row, locked until the transaction ends (SQLite: the write lock already is)."""
        row = conn.execute(
            sa.select(rooms_table).where(rooms_table.c.code == code).with_for_update()
        ).first()
        if row is None:
            raise RoomError(messages.ROOM_UNKNOWN.format(code=format_code(code)))
        return row

    def _member(self, conn: sa.Connection, room_id: int, name: str) -> sa.Row | None:
        return conn.execute(
            sa.select(members_table).where(members_table.c.room_id == room_id,
                                           members_table.c.name_key == name_key(name))
        ).first()

    def _open_room(self, conn: sa.Connection, code: str) -> sa.Row:
        """The room's row, locked; an expired room is refused (and its rows deleted)."""
        row = self._locked_room(conn, code)
        if self._expired(row):
            conn.execute(sa.delete(rooms_table).where(rooms_table.c.id == row.id))
            raise self._expired_error(row)
        return row

    def _expires(self, row: sa.Row) -> datetime:
        return _utc(row.expires) or _utc(row.created) + timedelta(days=DEFAULT_EXPIRY_DAYS)

    def _expired(self, row: sa.Row) -> bool:
        return self._expires(row) <= _now()

    def _expired_error(self, row: sa.Row) -> RoomError:
        days = (self._expires(row) - _utc(row.created)).total_seconds() / 86_400
        return RoomError(messages.ROOM_EXPIRED.format(code=format_code(row.code), days=f"{days:g}"))

    def _rate_limit(self, conn: sa.Connection, action: str, client: str | None) -> None:
        """Count an action for a client; refuse it past the client's limit."""
        limit = self.limits.get(action)
        if client is None or limit is None:
            return
        who = hash_token(client)
        since = _now() - timedelta(minutes=limit.minutes)
        conn.execute(sa.delete(events_table).where(events_table.c.at < since))
        recent = conn.execute(
            sa.select(sa.func.count()).select_from(events_table)
            .where(events_table.c.client == who, events_table.c.action == action,
                   events_table.c.at >= since)
        ).scalar_one()
        if recent >= limit.count:
            raise RoomError(messages.ROOM_RATE_LIMITED.format(
                action=messages.RATE_LIMITED_ACTIONS[action], minutes=f"{limit.minutes:g}"))
        conn.execute(sa.insert(events_table).values(client=who, action=action, at=_now()))

    def _member_with_token(self, conn: sa.Connection, room: sa.Row, name: str,
                           member_token: str | None) -> sa.Row:
        member = self._member(conn, room.id, name)
        if member is None:
            raise RoomError(messages.ROOM_NOT_A_MEMBER.format(name=name,
                                                              code=format_code(room.code)))
        if not _token_matches(member_token, member.token_hash):
            raise RoomError(messages.ROOM_MEMBER_TOKEN_BAD.format(code=format_code(room.code)))
        return member

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

    # -- the interface ---------------------------------------------------------------------------
    def create_room(self, case_id: str, seed: int, devices: int,
                    knobs: Mapping[str, Any] | None = None,
                    client: str | None = None, *, variant: int = 0) -> tuple[str, str]:
        """Create a room; return its code (``K7MQ-3XHD``) and the secret facilitator token.

        ``client`` names who asks (an address), for the rate limit; ``None`` is not limited.
        ``variant`` is the case's variant everyone runs (0: the case file as written).
        """
        knobs_json = _check_settings(case_id, seed, devices, knobs, variant)
        token = new_token()
        with self._errors():
            self._ensure_schema()
            for attempt in range(5):
                code = new_code()
                try:
                    with self._writer.begin() as conn:
                        self._rate_limit(conn, "create", client)
                        created = _now()
                        conn.execute(sa.delete(rooms_table).where(rooms_table.c.expires < created))
                        conn.execute(sa.insert(rooms_table).values(
                            code=code, case_id=case_id, knobs=knobs_json, seed=int(seed),
                            devices=int(devices), variant=int(variant), created=created,
                            token_hash=hash_token(token),
                            expires=created + self.expiry,
                        ))
                    return format_code(code), token
                except sa_exc.IntegrityError:  # a one-in-a-trillion clash of codes: draw again
                    if attempt == 4:
                        raise
        raise AssertionError("unreachable")

    def room(self, code: str) -> Room:
        """The room with this code (any case, with or without the dash)."""
        code = normalise_code(code)
        with self._read() as conn:
            row = conn.execute(sa.select(rooms_table).where(rooms_table.c.code == code)).first()
        if row is None:
            raise RoomError(messages.ROOM_UNKNOWN.format(code=format_code(code)))
        if self._expired(row):
            raise self._expired_error(row)
        return self._room(row)

    def is_facilitator(self, code: str, token: str | None) -> bool:
        """Whether ``token`` is this room's facilitator token."""
        code = normalise_code(code)
        with self._read() as conn:
            row = conn.execute(sa.select(rooms_table.c.token_hash)
                               .where(rooms_table.c.code == code)).first()
        if row is None:
            raise RoomError(messages.ROOM_UNKNOWN.format(code=format_code(code)))
        return _token_matches(token, row.token_hash)

    def join(self, code: str, name: str, member_token: str | None = None,
             client: str | None = None) -> Member:
        """Join a room under a display name; return the member with their secret.

        A new name gets a fresh secret. A name already in the room (compared after NFKC
        normalisation and case folding) is that member only with their secret
        (``member_token``): then the member comes back. A name that mixes writing systems, or
        that looks like another member's (Unicode confusables), is refused. ``client`` names
        who asks, for the rate limit.
        """
        code = normalise_code(code)
        name = clean_name(name)
        check_script(name)
        skeleton = name_skeleton(name)
        with self._write() as conn:
            room = self._open_room(conn, code)
            existing = self._member(conn, room.id, name)
            if existing is not None:
                if existing.token_hash is None and member_token is None:
                    # A member from before secrets existed claims the name on the next join.
                    token = new_token()
                    conn.execute(sa.update(members_table).where(members_table.c.id == existing.id)
                                 .values(token_hash=hash_token(token), skeleton=skeleton))
                    return Member(existing.name, self._room(room), token, _utc(existing.joined))
                if not _token_matches(member_token, existing.token_hash):
                    raise RoomError(messages.ROOM_NAME_TAKEN.format(name=name,
                                                                    code=format_code(code)))
                return Member(existing.name, self._room(room), member_token,
                              _utc(existing.joined))
            self._rate_limit(conn, "join", client)
            others = conn.execute(sa.select(members_table.c.name, members_table.c.skeleton)
                                  .where(members_table.c.room_id == room.id)).all()
            if len(others) >= MAX_MEMBERS:
                raise RoomError(messages.ROOM_FULL.format(code=format_code(code),
                                                          limit=MAX_MEMBERS))
            for other in others:
                if (other.skeleton or name_skeleton(other.name)) == skeleton:
                    raise RoomError(messages.ROOM_NAME_LOOKALIKE.format(
                        name=name, existing=other.name, code=format_code(code)))
            token = new_token()
            joined = _now()
            self._insert(conn, members_table,
                         {"room_id": room.id, "name": name, "name_key": name_key(name),
                          "joined": joined, "token_hash": hash_token(token),
                          "skeleton": skeleton},
                         keys=("room_id", "name_key"), update=None)
            if self._member(conn, room.id, name).token_hash != hash_token(token):
                # Someone took the name in the same instant: they are that member, not us.
                raise RoomError(messages.ROOM_NAME_TAKEN.format(name=name,
                                                                code=format_code(code)))
        return Member(name, self._room(room), token, joined)

    def member(self, code: str, member_token: str | None) -> Member:
        """The member whose secret this is (a personal rejoin link).

        >>> import tempfile, pathlib
        >>> folder = tempfile.TemporaryDirectory()
        >>> store = RoomStore(pathlib.Path(folder.name) / "rooms.db")
        >>> code, _ = store.create_room("aa_test", seed=1, devices=1_000)
        >>> store.member(code, store.join(code, "Bo").token).name
        'Bo'
        >>> store.close(); folder.cleanup()
        """
        code = normalise_code(code)
        if not isinstance(member_token, str) or not member_token:
            raise RoomError(messages.ROOM_MEMBER_TOKEN_BAD.format(code=format_code(code)))
        with self._read() as conn:
            room = conn.execute(sa.select(rooms_table).where(rooms_table.c.code == code)).first()
            if room is None:
                raise RoomError(messages.ROOM_UNKNOWN.format(code=format_code(code)))
            if self._expired(room):
                raise self._expired_error(room)
            row = conn.execute(sa.select(members_table).where(
                members_table.c.room_id == room.id,
                members_table.c.token_hash == hash_token(member_token))).first()
        if row is None:
            raise RoomError(messages.ROOM_MEMBER_TOKEN_BAD.format(code=format_code(code)))
        return Member(row.name, self._room(room), member_token, _utc(row.joined))

    def remove_member(self, code: str, name: str, facilitator_token: str | None) -> None:
        """Take a member (and their submission) out of the room; only the facilitator can."""
        code = normalise_code(code)
        name = clean_name(name)
        with self._write() as conn:
            room = self._open_room(conn, code)
            if not _token_matches(facilitator_token, room.token_hash):
                raise RoomError(messages.ROOM_WRONG_TOKEN.format(code=format_code(code)))
            member = self._member(conn, room.id, name)
            if member is None:
                raise RoomError(messages.ROOM_MEMBER_UNKNOWN.format(name=name,
                                                                    code=format_code(code)))
            conn.execute(sa.delete(submissions_table)
                         .where(submissions_table.c.member_id == member.id))
            conn.execute(sa.delete(members_table).where(members_table.c.id == member.id))

    def submit(self, code: str, name: str, decision: Decision | Mapping[str, Any],
               member_token: str | None = None, scenario: Scenario | None = None) -> None:
        """Store a member's decision (their secret required); a second submission before the
        reveal replaces the first. With ``scenario`` (the room's case) the decision's segments
        are checked against it."""
        code = normalise_code(code)
        name = clean_name(name)
        decision = _as_decision(decision)
        if scenario is not None:
            decision.check_segments(scenario)
        with self._write() as conn:
            room = self._open_room(conn, code)
            if room.revealed is not None:
                raise RoomError(messages.ROOM_CLOSED.format(code=format_code(code)))
            member = self._member_with_token(conn, room, name, member_token)
            values = {"room_id": room.id, "member_id": member.id,
                      "decision": decision.model_dump_json(), "scorecard": None,
                      "submitted": _now()}
            self._insert(conn, submissions_table, values, keys=("room_id", "member_id"),
                         update={"decision": values["decision"], "scorecard": None,
                                 "submitted": values["submitted"]})

    def submission(self, code: str, name: str,
                   member_token: str | None = None) -> dict[str, Any] | None:
        """The member's own decision as submitted (``None`` before they submit); their secret
        is required, as nobody else sees it before the reveal."""
        code = normalise_code(code)
        name = clean_name(name)
        with self._read() as conn:
            room = conn.execute(sa.select(rooms_table).where(rooms_table.c.code == code)).first()
            if room is None:
                raise RoomError(messages.ROOM_UNKNOWN.format(code=format_code(code)))
            member = self._member_with_token(conn, room, name, member_token)
            row = conn.execute(sa.select(submissions_table.c.decision)
                               .where(submissions_table.c.member_id == member.id)).first()
        return None if row is None else json.loads(row.decision)

    def reveal(self, code: str, facilitator_token: str | None,
               score_fn: ScoreFn | None = None) -> Board:
        """Score every submission (``score_fn``, by default :func:`score_room`) and reveal the
        truth. Only the facilitator's token reveals; revealing again changes nothing.

        Scoring reads the submissions without changing the room; the scores, the truth and
        the revealed state are then written in one transaction, if nobody submitted in the
        meantime (else the new set is scored again). A reveal that fails or is killed half-way
        leaves the room open, as it was.
        """
        code = normalise_code(code)
        for _ in range(REVEAL_ATTEMPTS):
            with self._read() as conn:
                room_row = conn.execute(sa.select(rooms_table)
                                        .where(rooms_table.c.code == code)).first()
                if room_row is None:
                    raise RoomError(messages.ROOM_UNKNOWN.format(code=format_code(code)))
                if not _token_matches(facilitator_token, room_row.token_hash):
                    raise RoomError(messages.ROOM_WRONG_TOKEN.format(code=format_code(code)))
                if room_row.revealed is not None:
                    break
                if self._expired(room_row):
                    raise self._expired_error(room_row)
                pending = _pending(conn, room_row.id)
            room = self._room(room_row)
            decisions = [_as_decision(json.loads(row.decision)) for row in pending]
            try:
                scores = (score_fn or score_room)(room, decisions)
            except LaunchRoomError as error:
                if isinstance(error, RoomError):
                    raise
                raise RoomError(messages.ROOM_SCORING_FAILED.format(
                    code=room.display_code, detail=error)) from None
            if len(scores.cards) != len(decisions):
                raise RoomError(messages.ROOM_SCORING_FAILED.format(
                    code=room.display_code,
                    detail=f"{len(scores.cards)} scorecards for {len(decisions)} decisions"))
            truth_json = json.dumps(dict(scores.truth), default=str)
            cards_json = [json.dumps(dict(card), default=str) for card in scores.cards]
            with self._write() as conn:
                current = self._locked_room(conn, code)
                if current.revealed is not None:
                    break
                if _pending(conn, current.id) != pending:
                    continue  # a submission came in while scoring: score the new set
                for row, card in zip(pending, cards_json, strict=True):
                    conn.execute(sa.update(submissions_table)
                                 .where(submissions_table.c.id == row.id).values(scorecard=card))
                conn.execute(sa.update(rooms_table).where(rooms_table.c.id == current.id)
                             .values(revealed=_now(), truth=truth_json))
                break
        else:
            raise RoomError(messages.ROOM_SCORING_FAILED.format(
                code=format_code(code), detail="submissions kept changing while scoring"))
        return self.board(code)

    def board(self, code: str) -> Board:
        """Every member and whether they submitted; after the reveal also each decision, its
        scorecard and the truth."""
        code = normalise_code(code)
        with self._read() as conn:
            room_row = conn.execute(sa.select(rooms_table)
                                    .where(rooms_table.c.code == code)).first()
            if room_row is None:
                raise RoomError(messages.ROOM_UNKNOWN.format(code=format_code(code)))
            if self._expired(room_row):
                raise self._expired_error(room_row)
            return self._board(conn, room_row)

    def export_board(self, code: str, facilitator_token: str | None) -> Board:
        """The revealed board, for the facilitator to take away (:mod:`sim.rooms.export`):
        refused without the room's facilitator token or before the reveal.

        >>> import tempfile, pathlib
        >>> folder = tempfile.TemporaryDirectory()
        >>> store = RoomStore(pathlib.Path(folder.name) / "rooms.db")
        >>> code, token = store.create_room("aa_test", seed=1, devices=1_000)
        >>> store.export_board(code, token)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        sim.errors.RoomError: room ... has not been revealed yet; its board is exported after the reveal
        >>> store.close(); folder.cleanup()
        """
        code = normalise_code(code)
        with self._read() as conn:
            room_row = conn.execute(sa.select(rooms_table)
                                    .where(rooms_table.c.code == code)).first()
            if room_row is None:
                raise RoomError(messages.ROOM_UNKNOWN.format(code=format_code(code)))
            if not _token_matches(facilitator_token, room_row.token_hash):
                raise RoomError(messages.ROOM_EXPORT_WRONG_TOKEN.format(code=format_code(code)))
            if self._expired(room_row):
                raise self._expired_error(room_row)
            if room_row.revealed is None:
                raise RoomError(messages.ROOM_NOT_REVEALED.format(code=format_code(code)))
            return self._board(conn, room_row)

    def _board(self, conn: sa.Connection, room_row: sa.Row) -> Board:
        """The board of a room's row: members in joining order, calls and truth once revealed."""
        rows = conn.execute(
            sa.select(members_table.c.name, members_table.c.joined,
                      submissions_table.c.submitted, submissions_table.c.decision,
                      submissions_table.c.scorecard)
            .select_from(members_table.outerjoin(
                submissions_table, submissions_table.c.member_id == members_table.c.id))
            .where(members_table.c.room_id == room_row.id)
            .order_by(members_table.c.id)
        ).all()
        room = self._room(room_row)
        revealed = room.is_revealed
        entries = tuple(
            Entry(
                name=row.name,
                joined=_utc(row.joined),
                submitted=_utc(row.submitted),
                decision=json.loads(row.decision) if revealed and row.decision else None,
                scorecard=json.loads(row.scorecard) if revealed and row.scorecard else None,
            )
            for row in rows
        )
        truth = json.loads(room_row.truth) if revealed and room_row.truth else None
        return Board(room=room, entries=entries, truth=truth)

    # -- classes -----------------------------------------------------------------------------
    def create_class(self, name: str, client: str | None = None) -> tuple[str, str]:
        """Create a class; return its name (as cleaned) and the teacher's secret, which only
        this call ever shows (the store keeps its SHA-256). Names are compared like display
        names (NFKC, case-folded): "Stats 101" and "STATS 101" are one class.

        >>> import tempfile, pathlib
        >>> folder = tempfile.TemporaryDirectory()
        >>> store = RoomStore(pathlib.Path(folder.name) / "rooms.db")
        >>> name, secret = store.create_class("  Stats   101 ")
        >>> name, len(secret) > 40
        ('Stats 101', True)
        >>> store.close(); folder.cleanup()
        """
        name = clean_class_name(name)
        token = new_token()
        with self._errors():
            self._ensure_schema()
            try:
                with self._writer.begin() as conn:
                    self._rate_limit(conn, "class", client)
                    taken = conn.execute(sa.select(classes_table.c.id).where(
                        classes_table.c.name_key == name_key(name))).first()
                    if taken is not None:
                        raise RoomError(messages.CLASS_NAME_TAKEN.format(name=name))
                    conn.execute(sa.insert(classes_table).values(
                        name=name, name_key=name_key(name), token_hash=hash_token(token),
                        created=_now()))
            except sa_exc.IntegrityError:  # the same name created in the same instant
                raise RoomError(messages.CLASS_NAME_TAKEN.format(name=name)) from None
        return name, token

    def _class(self, conn: sa.Connection, name: str, teacher_token: str | None) -> sa.Row:
        """The class's row when the secret is its teacher's. An unknown name and a wrong
        secret get the same message, so names cannot be probed."""
        name = clean_class_name(name)
        row = conn.execute(sa.select(classes_table)
                           .where(classes_table.c.name_key == name_key(name))).first()
        # Hash and compare even for an unknown name: the answer takes as long either way.
        matches = _token_matches(teacher_token, row.token_hash if row else "0" * 64)
        if row is None or not matches:
            raise RoomError(messages.CLASS_WRONG_TOKEN.format(name=name))
        return row

    def attach_room(self, class_name: str, teacher_token: str | None, code: str,
                    facilitator_token: str | None) -> None:
        """Attach a room to a class: the teacher's secret and the room's facilitator token
        (whoever runs the room agrees to show it to the class) are both needed. Attaching a
        room twice changes nothing.

        >>> import tempfile, pathlib
        >>> folder = tempfile.TemporaryDirectory()
        >>> store = RoomStore(pathlib.Path(folder.name) / "rooms.db")
        >>> name, secret = store.create_class("Stats 101")
        >>> code, token = store.create_room("aa_test", seed=1, devices=1_000)
        >>> store.attach_room(name, secret, code, token)
        >>> [board.room.display_code for board in store.class_view(name, secret).boards] == [code]
        True
        >>> store.close(); folder.cleanup()
        """
        code = normalise_code(code)
        with self._write() as conn:
            klass = self._class(conn, class_name, teacher_token)
            room = self._open_room(conn, code)
            if not _token_matches(facilitator_token, room.token_hash):
                raise RoomError(messages.CLASS_ATTACH_WRONG_TOKEN.format(code=format_code(code)))
            attached = conn.execute(
                sa.select(class_rooms_table.c.room_id)
                .where(class_rooms_table.c.class_id == klass.id)).scalars().all()
            if room.id in attached:
                return
            if len(attached) >= MAX_CLASS_ROOMS:
                raise RoomError(messages.CLASS_FULL.format(name=klass.name,
                                                           limit=MAX_CLASS_ROOMS))
            self._insert(conn, class_rooms_table,
                         {"class_id": klass.id, "room_id": room.id, "attached": _now()},
                         keys=("class_id", "room_id"), update=None)

    def class_view(self, name: str, teacher_token: str | None) -> ClassView:
        """The class and the board of every room attached to it that has not expired, in the
        order they were attached; only the teacher's secret opens it.

        >>> import tempfile, pathlib
        >>> folder = tempfile.TemporaryDirectory()
        >>> store = RoomStore(pathlib.Path(folder.name) / "rooms.db")
        >>> name, secret = store.create_class("Stats 101")
        >>> store.class_view("stats 101", "guess")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        sim.errors.RoomError: no class 'stats 101' opens with that teacher secret; ...
        >>> store.class_view("stats 101", secret).name
        'Stats 101'
        >>> store.close(); folder.cleanup()
        """
        with self._read() as conn:
            klass = self._class(conn, name, teacher_token)
            room_rows = conn.execute(
                sa.select(rooms_table)
                .join(class_rooms_table, class_rooms_table.c.room_id == rooms_table.c.id)
                .where(class_rooms_table.c.class_id == klass.id)
                .order_by(class_rooms_table.c.id)
            ).all()
            boards = tuple(self._board(conn, row) for row in room_rows if not self._expired(row))
        return ClassView(name=klass.name, created=_utc(klass.created), boards=boards)

    # -- peer review -------------------------------------------------------------------------
    def _revealed_room(self, conn: sa.Connection, code: str) -> sa.Row:
        """The room's row, when it exists, has not expired and is revealed."""
        row = conn.execute(sa.select(rooms_table).where(rooms_table.c.code == code)).first()
        if row is None:
            raise RoomError(messages.ROOM_UNKNOWN.format(code=format_code(code)))
        if self._expired(row):
            raise self._expired_error(row)
        if row.revealed is None:
            raise RoomError(messages.REVIEW_BEFORE_REVEAL.format(code=format_code(code)))
        return row

    def _review_pairs(self, conn: sa.Connection, room_id: int) -> tuple[dict[int, sa.Row],
                                                                        dict[int, tuple[int, ...]]]:
        """The room's submissions by member, with names, and who reviews whom."""
        rows = conn.execute(
            sa.select(submissions_table.c.id, submissions_table.c.member_id,
                      submissions_table.c.decision, members_table.c.name)
            .join(members_table, members_table.c.id == submissions_table.c.member_id)
            .where(submissions_table.c.room_id == room_id)
            .order_by(members_table.c.id)
        ).all()
        by_member = {row.member_id: row for row in rows}
        return by_member, review_pairs(list(by_member))

    def review_tasks(self, code: str, name: str,
                     member_token: str | None) -> tuple[ReviewTask, ...]:
        """The memos this member is given to review (their secret required), once the room is
        revealed, each with the review they already sent.

        >>> import tempfile, pathlib
        >>> from sim.decide import Decision
        >>> from sim.rooms import Scores
        >>> folder = tempfile.TemporaryDirectory()
        >>> store = RoomStore(pathlib.Path(folder.name) / "rooms.db")
        >>> code, token = store.create_room("aa_test", seed=1, devices=1_000)
        >>> secrets = {name: store.join(code, name).token for name in ("Ana", "Bo")}
        >>> for name in secrets:
        ...     store.submit(code, name, Decision(call="iterate", expected_lift=0, decision_day=9,
        ...                  memo=f"{name} waits"), member_token=secrets[name])
        >>> _ = store.reveal(code, token, score_fn=lambda room, d: Scores({}, [{}] * len(d)))
        >>> [(task.label, task.author, task.decision["memo"])
        ...  for task in store.review_tasks(code, "Ana", secrets["Ana"])]
        [('Memo A', None, 'Bo waits')]
        >>> store.close(); folder.cleanup()
        """
        code = normalise_code(code)
        name = clean_name(name)
        with self._read() as conn:
            room = self._revealed_room(conn, code)
            member = self._member_with_token(conn, room, name, member_token)
            by_member, pairs = self._review_pairs(conn, room.id)
            if member.id not in pairs:
                raise RoomError(messages.REVIEW_NOT_SUBMITTED.format(code=format_code(code)))
            sent = {row.author_id: Review.model_validate_json(row.review)
                    for row in conn.execute(sa.select(reviews_table).where(
                        reviews_table.c.reviewer_id == member.id)).all()}
        named = bool(room.reviews_named)
        return tuple(
            ReviewTask(memo_id=by_member[author].id, label=memo_label(position),
                       author=by_member[author].name if named else None,
                       decision=json.loads(by_member[author].decision), mine=sent.get(author))
            for position, author in enumerate(pairs[member.id]))

    def submit_review(self, code: str, name: str, member_token: str | None, memo_id: int,
                      review: Review | Mapping[str, Any]) -> None:
        """Send (or replace) this member's review of a memo they were given. Reviewing one's
        own memo, or a memo not given to them, is refused."""
        code = normalise_code(code)
        name = clean_name(name)
        review = review if isinstance(review, Review) else Review(**dict(review))
        if isinstance(memo_id, bool) or not isinstance(memo_id, int):
            raise RoomError(messages.REVIEW_UNKNOWN_MEMO.format(code=format_code(code),
                                                                memo=memo_id))
        with self._write() as conn:
            room = self._revealed_room(conn, code)
            member = self._member_with_token(conn, room, name, member_token)
            by_member, pairs = self._review_pairs(conn, room.id)
            author = next((row for row in by_member.values() if row.id == memo_id), None)
            if author is None:
                raise RoomError(messages.REVIEW_UNKNOWN_MEMO.format(code=format_code(code),
                                                                    memo=memo_id))
            if author.member_id == member.id:
                raise RoomError(messages.REVIEW_OWN_MEMO)
            if author.member_id not in pairs.get(member.id, ()):
                raise RoomError(messages.REVIEW_NOT_GIVEN)
            values = {"room_id": room.id, "reviewer_id": member.id,
                      "author_id": author.member_id, "review": review.model_dump_json(),
                      "written": _now()}
            self._insert(conn, reviews_table, values, keys=("reviewer_id", "author_id"),
                         update={"review": values["review"], "written": values["written"]})

    def _reviews(self, conn: sa.Connection, room: sa.Row, author_id: int | None,
                 names: bool) -> tuple[PeerReview, ...]:
        reviewer, author = members_table.alias("reviewer"), members_table.alias("author")
        query = (sa.select(reviews_table.c.review, reviews_table.c.written,
                           reviewer.c.name.label("reviewer"), author.c.name.label("author"))
                 .join(reviewer, reviewer.c.id == reviews_table.c.reviewer_id)
                 .join(author, author.c.id == reviews_table.c.author_id)
                 .where(reviews_table.c.room_id == room.id)
                 .order_by(author.c.id, reviewer.c.id))
        if author_id is not None:
            query = query.where(reviews_table.c.author_id == author_id)
        return tuple(PeerReview(reviewer=row.reviewer if names else None,
                                author=row.author if names else None,
                                review=Review.model_validate_json(row.review),
                                written=_utc(row.written))
                     for row in conn.execute(query).all())

    def reviews_of(self, code: str, name: str,
                   member_token: str | None) -> tuple[PeerReview, ...]:
        """The reviews of this member's memo (their secret required); the reviewers' names
        only once the facilitator has named reviews."""
        code = normalise_code(code)
        name = clean_name(name)
        with self._read() as conn:
            room = self._revealed_room(conn, code)
            member = self._member_with_token(conn, room, name, member_token)
            return self._reviews(conn, room, member.id, names=bool(room.reviews_named))

    def all_reviews(self, code: str, facilitator_token: str | None) -> tuple[PeerReview, ...]:
        """Every review in the room with both names, for the facilitator only."""
        code = normalise_code(code)
        with self._read() as conn:
            room = self._revealed_room(conn, code)
            if not _token_matches(facilitator_token, room.token_hash):
                raise RoomError(messages.REVIEW_WRONG_TOKEN.format(code=format_code(code)))
            return self._reviews(conn, room, None, names=True)

    def name_reviews(self, code: str, facilitator_token: str | None, named: bool) -> None:
        """Show (``named``) or hide whose memo and whose review members see; only the
        facilitator can."""
        code = normalise_code(code)
        with self._write() as conn:
            room = self._open_room(conn, code)
            if not _token_matches(facilitator_token, room.token_hash):
                raise RoomError(messages.REVIEW_WRONG_TOKEN.format(code=format_code(code)))
            conn.execute(sa.update(rooms_table).where(rooms_table.c.id == room.id)
                         .values(reviews_named=bool(named)))

    def record_attempt(self, attempt: Attempt) -> None:
        """Keep one finished interview under its person's display name."""
        name = clean_name(attempt.name)
        _check_settings(attempt.case_id, 0, MIN_DEVICES, {}, attempt.variant)
        with self._write() as conn:
            conn.execute(sa.insert(attempts_table).values(
                name=name, name_key=name_key(name), case_id=attempt.case_id,
                variant=int(attempt.variant), minutes=int(attempt.minutes),
                minutes_used=float(attempt.minutes_used), total=float(attempt.total),
                lines=json.dumps(dict(attempt.lines), sort_keys=True), hints=int(attempt.hints),
                finished=_now()))

    def attempts(self, name: str, limit: int = MAX_ATTEMPTS_SHOWN) -> tuple[Attempt, ...]:
        """A person's last interviews, newest first (names compare as members' do: "ana" is
        Ana)."""
        key = name_key(clean_name(name))
        with self._read() as conn:
            rows = conn.execute(
                sa.select(attempts_table).where(attempts_table.c.name_key == key)
                .order_by(attempts_table.c.finished.desc(), attempts_table.c.id.desc())
                .limit(int(limit))).all()
        return tuple(Attempt(row.name, row.case_id, int(row.variant), int(row.minutes),
                             float(row.minutes_used), float(row.total), json.loads(row.lines),
                             int(row.hints), _utc(row.finished)) for row in rows)

    def _room(self, row: sa.Row) -> Room:
        return Room(
            code=row.code,
            case_id=row.case_id,
            knobs=json.loads(row.knobs),
            seed=int(row.seed),
            devices=int(row.devices),
            variant=int(row.variant or 0),
            created=_utc(row.created),
            revealed=_utc(row.revealed),
            expires=self._expires(row),
            reviews_named=bool(row.reviews_named),
        )


def _token_matches(token: str | None, stored_hash: str) -> bool:
    if not isinstance(token, str) or not token:
        return False
    return hmac.compare_digest(hash_token(token), stored_hash)


def _as_decision(decision: Any) -> Decision:
    if isinstance(decision, Decision):
        result = decision
    elif isinstance(decision, Mapping):
        result = Decision.from_dict(decision)
    else:
        raise RoomError(messages.ROOM_BAD_DECISION.format(detail=type(decision).__name__))
    if len(result.memo) > MEMO_MAX_CHARS:
        raise RoomError(messages.ROOM_MEMO_TOO_LONG.format(limit=MEMO_MAX_CHARS,
                                                           length=len(result.memo)))
    return result


def _check_settings(case_id: Any, seed: Any, devices: Any, knobs: Any, variant: Any) -> str:
    """Validate a new room's settings; return the knobs as canonical JSON."""

    def bad(detail: str) -> RoomError:
        return RoomError(messages.ROOM_BAD_SETTINGS.format(detail=detail))

    if not isinstance(case_id, str) or not _CASE_ID.match(case_id):
        raise bad(f"case id {case_id!r} must be 1-100 lower-case letters, digits or _")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise bad(f"seed {seed!r} must be a whole number from 0 to {MAX_SEED}")
    if isinstance(variant, bool) or not isinstance(variant, int) or not 0 <= variant <= MAX_VARIANT:
        raise bad(f"variant {variant!r} must be a whole number from 0 to {MAX_VARIANT}")
    if isinstance(devices, bool) or not isinstance(devices, int) \
            or not MIN_DEVICES <= devices <= MAX_DEVICES:
        raise bad(f"fleet size {devices!r} must be a whole number from {MIN_DEVICES:,} to "
                  f"{MAX_DEVICES:,}")
    knobs = {} if knobs is None else knobs
    if not isinstance(knobs, Mapping):
        raise bad("knobs must be a mapping of setting path to value")
    for path, value in knobs.items():
        if not isinstance(path, str) or not path or len(path) > 200:
            raise bad(f"knob path {path!r} must be a non-empty string")
        if not isinstance(value, (str, int, float, bool)) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            raise bad(f"knob {path} has a value that is not a plain setting ({value!r})")
    text = json.dumps(dict(knobs), sort_keys=True)
    if len(text) > KNOBS_MAX_CHARS:
        raise bad(f"the knobs take {len(text):,} characters (at most {KNOBS_MAX_CHARS:,})")
    return text


def _pending(conn: sa.Connection, room_id: int) -> list[sa.Row]:
    """The room's submissions as they stand: what a reveal scores."""
    return conn.execute(
        sa.select(submissions_table.c.id, submissions_table.c.decision,
                  submissions_table.c.submitted)
        .where(submissions_table.c.room_id == room_id)
        .order_by(submissions_table.c.id)
    ).all()


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


def _add_missing_columns(conn: sa.Connection) -> None:
    """Give an older database the columns added since (all of them nullable)."""
    inspector = sa.inspect(conn)
    for table_name, columns in _ADDED_COLUMNS.items():
        present = {column["name"] for column in inspector.get_columns(table_name)}
        table = metadata.tables[table_name]
        for name in columns:
            if name not in present:
                column = table.c[name]
                kind = column.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(f"ALTER TABLE {table_name} ADD COLUMN {name} {kind}")
