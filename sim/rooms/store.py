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
(``expiry_days``, default :data:`~sim.rooms.sql_store.DEFAULT_EXPIRY_DAYS` or
``$LAUNCHROOM_ROOM_DAYS``), and creating and joining are rate limited per client. Only SHA-256
hashes of secrets are stored.

The store is SQLAlchemy Core over any database SQLAlchemy speaks: a SQLite file by default
(WAL mode, so readers never wait for a writer) at ``$LAUNCHROOM_DB`` or ``~/.launchroom/rooms.db``,
or the URL in ``$LAUNCHROOM_DB_URL`` (PostgreSQL: ``postgresql+psycopg://user:pass@host/db``).
The schema is created (or extended) on first use. Every problem - a mistyped code, a bad name, a
wrong secret, an unreachable database - raises :class:`~sim.errors.RoomError` with one line.

:class:`RoomStore` is this module's rooms, submissions, reveal and board on the SQL of
:mod:`sim.rooms.sql_store` (the tables: :mod:`sim.rooms.schema`), with the members
(:mod:`sim.rooms.member_store`), classes (:mod:`sim.rooms.class_store`), peer reviews
(:mod:`sim.rooms.review_store`) and interview attempts (:mod:`sim.rooms.attempt_store`) mixed in.

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

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from sim import messages
from sim.decide.decision import MEMO_MAX_CHARS, Decision
from sim.errors import LaunchRoomError, RoomError
from sim.rooms.attempt_store import AttemptStore
from sim.rooms.board import Board, Entry, Room, ScoreFn
from sim.rooms.class_store import ClassStore
from sim.rooms.codes import (
    clean_name,
    format_code,
    hash_token,
    new_code,
    new_token,
    normalise_code,
    token_matches,
)
from sim.rooms.grading import score_room
from sim.rooms.member_store import MemberStore
from sim.rooms.review_store import ReviewStore
from sim.rooms.schema import check_settings, members_table, now, rooms_table, submissions_table, utc
from sim.rooms.sql_store import DEFAULT_EXPIRY_DAYS, SqlStore

if TYPE_CHECKING:
    from sim.case.scenario import Scenario

REVEAL_ATTEMPTS = 3
"""Times a reveal scores again when someone submitted while it was scoring."""


class RoomStore(MemberStore, ClassStore, ReviewStore, AttemptStore, SqlStore):
    """Rooms, members and submissions in a SQL database (see the module's docstring).

    ``url``: a SQLAlchemy URL or a SQLite file path; ``None`` reads the environment
    (:func:`~sim.rooms.database.database_url`). ``expiry_days``: how long a new room lasts
    (default ``$LAUNCHROOM_ROOM_DAYS`` or :data:`~sim.rooms.sql_store.DEFAULT_EXPIRY_DAYS`).
    ``limits``: the rate limits per client (:data:`~sim.rooms.sql_store.DEFAULT_LIMITS`).
    Nothing connects until the first call; the schema is created then. Safe to share between
    threads (one engine, a pool of connections).
    """

    # -- a room's row --------------------------------------------------------------------------
    def _locked_room(self, conn: sa.Connection, code: str) -> sa.Row:
        """The room's row, locked until the transaction ends (SQLite: the write lock already is)."""
        row = conn.execute(
            sa.select(rooms_table).where(rooms_table.c.code == code).with_for_update()
        ).first()
        if row is None:
            raise RoomError(messages.ROOM_UNKNOWN.format(code=format_code(code)))
        return row

    def _open_room(self, conn: sa.Connection, code: str) -> sa.Row:
        """The room's row, locked; an expired room is refused (and its rows deleted)."""
        row = self._locked_room(conn, code)
        if self._expired(row):
            conn.execute(sa.delete(rooms_table).where(rooms_table.c.id == row.id))
            raise self._expired_error(row)
        return row

    def _expires(self, row: sa.Row) -> datetime:
        return utc(row.expires) or utc(row.created) + timedelta(days=DEFAULT_EXPIRY_DAYS)

    def _expired(self, row: sa.Row) -> bool:
        return self._expires(row) <= now()

    def _expired_error(self, row: sa.Row) -> RoomError:
        days = (self._expires(row) - utc(row.created)).total_seconds() / 86_400
        return RoomError(messages.ROOM_EXPIRED.format(code=format_code(row.code), days=f"{days:g}"))

    def _room(self, row: sa.Row) -> Room:
        return Room(
            code=row.code,
            case_id=row.case_id,
            knobs=json.loads(row.knobs),
            seed=int(row.seed),
            devices=int(row.devices),
            variant=int(row.variant or 0),
            created=utc(row.created),
            revealed=utc(row.revealed),
            expires=self._expires(row),
            reviews_named=bool(row.reviews_named),
        )

    # -- the interface ---------------------------------------------------------------------------
    def create_room(self, case_id: str, seed: int, devices: int,
                    knobs: Mapping[str, Any] | None = None,
                    client: str | None = None, *, variant: int = 0) -> tuple[str, str]:
        """Create a room; return its code (``K7MQ-3XHD``) and the secret facilitator token.

        ``client`` names who asks (an address), for the rate limit; ``None`` is not limited.
        ``variant`` is the case's variant everyone runs (0: the case file as written).
        """
        knobs_json = check_settings(case_id, seed, devices, knobs, variant)
        token = new_token()
        with self._errors():
            self._ensure_schema()
            for attempt in range(5):
                code = new_code()
                try:
                    with self._writer.begin() as conn:
                        self._rate_limit(conn, "create", client)
                        created = now()
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
        return token_matches(token, row.token_hash)

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
                      "submitted": now()}
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
                if not token_matches(facilitator_token, room_row.token_hash):
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
                             .values(revealed=now(), truth=truth_json))
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
            if not token_matches(facilitator_token, room_row.token_hash):
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
                joined=utc(row.joined),
                submitted=utc(row.submitted),
                decision=json.loads(row.decision) if revealed and row.decision else None,
                scorecard=json.loads(row.scorecard) if revealed and row.scorecard else None,
            )
            for row in rows
        )
        truth = json.loads(room_row.truth) if revealed and room_row.truth else None
        return Board(room=room, entries=entries, truth=truth)


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


def _pending(conn: sa.Connection, room_id: int) -> list[sa.Row]:
    """The room's submissions as they stand: what a reveal scores."""
    return conn.execute(
        sa.select(submissions_table.c.id, submissions_table.c.decision,
                  submissions_table.c.submitted)
        .where(submissions_table.c.room_id == room_id)
        .order_by(submissions_table.c.id)
    ).all()
