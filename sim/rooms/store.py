"""The study-group store: rooms that share one seeded case, member submissions and the reveal.

A facilitator creates a room for a case, its knobs, a seed and a fleet size, and gets a short
room code and a secret facilitator token (only its SHA-256 hash is stored). Members join with a
display name, run the same fleet in their own session and submit one decision each; submitting
again before the reveal replaces it. Only the holder of the token can reveal: the room's seeded
run is scored once (:func:`score_room`, or any ``score_fn``), and from then on :meth:`RoomStore.board`
shows every member's call and scorecard next to the truth. Before the reveal the board says only
who has submitted.

The store is SQLAlchemy Core over any database SQLAlchemy speaks: a SQLite file by default
(WAL mode, so readers never wait for a writer) at ``$LAUNCHROOM_DB`` or ``~/.launchroom/rooms.db``,
or the URL in ``$LAUNCHROOM_DB_URL`` (PostgreSQL: ``postgresql+psycopg://user:pass@host/db``).
The schema is created on first use. Every problem - a mistyped code, a bad name, a wrong token,
an unreachable database - raises :class:`~sim.errors.RoomError` with one line.

>>> import tempfile, pathlib
>>> from sim.decide import Decision
>>> from sim.rooms import Scores
>>> folder = tempfile.TemporaryDirectory()
>>> store = RoomStore(pathlib.Path(folder.name) / "rooms.db")
>>> code, token = store.create_room("aa_test", seed=3, devices=2_000, knobs={})
>>> room = store.join(code.lower(), "  Ana ")
>>> store.submit(code, "ana", Decision(call="iterate", expected_lift=0.0, decision_day=28))
>>> [(entry.name, entry.has_submitted, entry.decision) for entry in store.board(code).entries]
[('Ana', True, None)]
>>> store.reveal(code, "not the token")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
sim.errors.RoomError: that facilitator link is not valid for room ... nothing was revealed
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
import secrets
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from sim import messages
from sim.decide.decision import MEMO_MAX_CHARS, Decision
from sim.errors import LaunchRoomError, RoomError
from sim.limits import MAX_DEVICES, MAX_SEED, MIN_DEVICES
from sim.rooms.board import Board, Entry, Room, ScoreFn
from sim.rooms.codes import (
    CODE_LENGTH,
    NAME_MAX_CHARS,
    clean_name,
    format_code,
    hash_token,
    name_key,
    new_code,
    normalise_code,
)
from sim.rooms.database import SQLITE_BUSY_TIMEOUT_MS, database_url, sqlite_transactions
from sim.rooms.grading import score_room

if TYPE_CHECKING:
    from sim.case.scenario import Scenario

_log = logging.getLogger("launchroom.rooms")

MAX_MEMBERS = 500
KNOBS_MAX_CHARS = 20_000
CONNECT_TIMEOUT_S = 5
_CASE_ID = re.compile(r"^[a-z0-9_]{1,100}$")

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
    sa.Column("closed", sa.DateTime(timezone=True)),  # submissions closed (the reveal began)
    sa.Column("revealed", sa.DateTime(timezone=True)),
    sa.Column("truth", sa.Text),  # JSON, written by the reveal
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
    (:func:`database_url`). Nothing connects until the first call; the schema is created then.
    Safe to share between threads (one engine, a pool of connections).
    """

    def __init__(self, url: str | os.PathLike[str] | None = None) -> None:
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
                    knobs: Mapping[str, Any] | None = None) -> tuple[str, str]:
        """Create a room; return its code (``K7MQ-3XHD``) and the secret facilitator token."""
        knobs_json = _check_settings(case_id, seed, devices, knobs)
        token = secrets.token_urlsafe(24)
        with self._errors():
            self._ensure_schema()
            for attempt in range(5):
                code = new_code()
                try:
                    with self._writer.begin() as conn:
                        conn.execute(sa.insert(rooms_table).values(
                            code=code, case_id=case_id, knobs=knobs_json, seed=int(seed),
                            devices=int(devices), created=_now(), token_hash=hash_token(token),
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
        return _room(row)

    def is_facilitator(self, code: str, token: str | None) -> bool:
        """Whether ``token`` is this room's facilitator token."""
        code = normalise_code(code)
        with self._read() as conn:
            row = conn.execute(sa.select(rooms_table.c.token_hash)
                               .where(rooms_table.c.code == code)).first()
        if row is None:
            raise RoomError(messages.ROOM_UNKNOWN.format(code=format_code(code)))
        return _token_matches(token, row.token_hash)

    def join(self, code: str, name: str) -> Room:
        """Join a room under a display name (joining again with the same name is a no-op;
        names differing only in case are the same member). Returns the room's settings."""
        code = normalise_code(code)
        name = clean_name(name)
        with self._write() as conn:
            room = self._locked_room(conn, code)
            if self._member(conn, room.id, name) is None:
                count = conn.execute(sa.select(sa.func.count()).select_from(members_table)
                                     .where(members_table.c.room_id == room.id)).scalar_one()
                if count >= MAX_MEMBERS:
                    raise RoomError(messages.ROOM_FULL.format(code=format_code(code),
                                                              limit=MAX_MEMBERS))
                self._insert(conn, members_table,
                             {"room_id": room.id, "name": name, "name_key": name_key(name),
                              "joined": _now()},
                             keys=("room_id", "name_key"), update=None)
        return _room(room)

    def submit(self, code: str, name: str, decision: Decision | Mapping[str, Any],
               scenario: Scenario | None = None) -> None:
        """Store a member's decision; a second submission before the reveal replaces the first.

        With ``scenario`` (the room's case) the decision's segments are checked against it.
        """
        code = normalise_code(code)
        name = clean_name(name)
        decision = _as_decision(decision)
        if scenario is not None:
            decision.check_segments(scenario)
        with self._write() as conn:
            room = self._locked_room(conn, code)
            if room.revealed is not None:
                raise RoomError(messages.ROOM_CLOSED.format(code=format_code(code)))
            if room.closed is not None:
                raise RoomError(messages.ROOM_REVEALING.format(code=format_code(code)))
            member = self._member(conn, room.id, name)
            if member is None:
                raise RoomError(messages.ROOM_NOT_A_MEMBER.format(name=name,
                                                                  code=format_code(code)))
            values = {"room_id": room.id, "member_id": member.id,
                      "decision": decision.model_dump_json(), "scorecard": None,
                      "submitted": _now()}
            self._insert(conn, submissions_table, values, keys=("room_id", "member_id"),
                         update={"decision": values["decision"], "scorecard": None,
                                 "submitted": values["submitted"]})

    def submission(self, code: str, name: str) -> dict[str, Any] | None:
        """The member's own decision as submitted (``None`` before they submit)."""
        code = normalise_code(code)
        name = clean_name(name)
        with self._read() as conn:
            row = conn.execute(
                sa.select(submissions_table.c.decision)
                .join(members_table, members_table.c.id == submissions_table.c.member_id)
                .join(rooms_table, rooms_table.c.id == submissions_table.c.room_id)
                .where(rooms_table.c.code == code, members_table.c.name_key == name_key(name))
            ).first()
        return None if row is None else json.loads(row.decision)

    def reveal(self, code: str, facilitator_token: str | None,
               score_fn: ScoreFn | None = None) -> Board:
        """Close submissions, score them (``score_fn``, by default :func:`score_room`) and show
        the truth. Only the facilitator's token reveals; revealing again changes nothing."""
        code = normalise_code(code)
        with self._write() as conn:
            room_row = self._locked_room(conn, code)
            if not _token_matches(facilitator_token, room_row.token_hash):
                raise RoomError(messages.ROOM_WRONG_TOKEN.format(code=format_code(code)))
            if room_row.revealed is not None:
                already = True
            else:
                already = False
                if room_row.closed is None:
                    conn.execute(sa.update(rooms_table).where(rooms_table.c.id == room_row.id)
                                 .values(closed=_now()))
                pending = conn.execute(
                    sa.select(submissions_table.c.id, submissions_table.c.decision)
                    .where(submissions_table.c.room_id == room_row.id)
                    .order_by(submissions_table.c.id)
                ).all()
        if already:
            return self.board(code)
        room = _room(room_row)
        try:
            decisions = [_as_decision(json.loads(row.decision)) for row in pending]
            scores = (score_fn or score_room)(room, decisions)
            if len(scores.cards) != len(decisions):
                raise RoomError(messages.ROOM_SCORING_FAILED.format(
                    code=room.display_code,
                    detail=f"{len(scores.cards)} scorecards for {len(decisions)} decisions"))
            truth_json = json.dumps(dict(scores.truth), default=str)
            cards_json = [json.dumps(dict(card), default=str) for card in scores.cards]
        except BaseException as error:
            self._reopen(room_row.id)
            if isinstance(error, LaunchRoomError) and not isinstance(error, RoomError):
                raise RoomError(messages.ROOM_SCORING_FAILED.format(
                    code=room.display_code, detail=error)) from None
            raise
        with self._write() as conn:
            current = self._locked_room(conn, code)
            if current.revealed is None:
                for row, card in zip(pending, cards_json, strict=True):
                    conn.execute(sa.update(submissions_table)
                                 .where(submissions_table.c.id == row.id).values(scorecard=card))
                conn.execute(sa.update(rooms_table).where(rooms_table.c.id == current.id)
                             .values(revealed=_now(), truth=truth_json))
        return self.board(code)

    def _reopen(self, room_id: int) -> None:
        """Scoring failed: take submissions again (the reveal can be retried)."""
        with contextlib.suppress(LaunchRoomError), self._write() as conn:
            conn.execute(sa.update(rooms_table)
                         .where(rooms_table.c.id == room_id, rooms_table.c.revealed.is_(None))
                         .values(closed=None))

    def board(self, code: str) -> Board:
        """Every member and whether they submitted; after the reveal also each decision, its
        scorecard and the truth."""
        code = normalise_code(code)
        with self._read() as conn:
            room_row = conn.execute(sa.select(rooms_table)
                                    .where(rooms_table.c.code == code)).first()
            if room_row is None:
                raise RoomError(messages.ROOM_UNKNOWN.format(code=format_code(code)))
            rows = conn.execute(
                sa.select(members_table.c.name, members_table.c.joined,
                          submissions_table.c.submitted, submissions_table.c.decision,
                          submissions_table.c.scorecard)
                .select_from(members_table.outerjoin(
                    submissions_table, submissions_table.c.member_id == members_table.c.id))
                .where(members_table.c.room_id == room_row.id)
                .order_by(members_table.c.id)
            ).all()
        room = _room(room_row)
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


def _check_settings(case_id: Any, seed: Any, devices: Any, knobs: Any) -> str:
    """Validate a new room's settings; return the knobs as canonical JSON."""

    def bad(detail: str) -> RoomError:
        return RoomError(messages.ROOM_BAD_SETTINGS.format(detail=detail))

    if not isinstance(case_id, str) or not _CASE_ID.match(case_id):
        raise bad(f"case id {case_id!r} must be 1-100 lower-case letters, digits or _")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise bad(f"seed {seed!r} must be a whole number from 0 to {MAX_SEED}")
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


def _room(row: sa.Row) -> Room:
    return Room(
        code=row.code,
        case_id=row.case_id,
        knobs=json.loads(row.knobs),
        seed=int(row.seed),
        devices=int(row.devices),
        created=_utc(row.created),
        closed=_utc(row.closed),
        revealed=_utc(row.revealed),
    )
