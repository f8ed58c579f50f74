"""Who is in a room: members join under a display name and come back with their secret.

A new name gets a fresh secret (:class:`~sim.rooms.board.Member`); the same name (after NFKC
normalisation and case folding) comes back only with that secret, and a name that mixes
writing systems or looks like another member's (Unicode confusables) is refused. A room holds
at most :data:`MAX_MEMBERS`. The facilitator can take a member out, with their submission.
:class:`MemberStore` is part of :class:`~sim.rooms.store.RoomStore`.
"""

from __future__ import annotations

import sqlalchemy as sa

from sim import messages
from sim.errors import RoomError
from sim.rooms.board import Member
from sim.rooms.codes import (
    check_script,
    clean_name,
    format_code,
    hash_token,
    name_key,
    name_skeleton,
    new_token,
    normalise_code,
    token_matches,
)
from sim.rooms.schema import members_table, now, rooms_table, submissions_table, utc

MAX_MEMBERS = 500


class MemberStore:
    """The members of :class:`~sim.rooms.store.RoomStore`'s rooms (it mixes this class in and
    supplies the transactions and the room's row).

    >>> import tempfile, pathlib
    >>> from sim.rooms.store import RoomStore
    >>> folder = tempfile.TemporaryDirectory()
    >>> store = RoomStore(pathlib.Path(folder.name) / "rooms.db")
    >>> code, _ = store.create_room("aa_test", seed=1, devices=1_000)
    >>> ana = store.join(code, "Ana")
    >>> store.join(code, " ANA ", member_token=ana.token).name
    'Ana'
    >>> store.close(); folder.cleanup()
    """

    def _member(self, conn: sa.Connection, room_id: int, name: str) -> sa.Row | None:
        return conn.execute(
            sa.select(members_table).where(members_table.c.room_id == room_id,
                                           members_table.c.name_key == name_key(name))
        ).first()

    def _member_with_token(self, conn: sa.Connection, room: sa.Row, name: str,
                           member_token: str | None) -> sa.Row:
        member = self._member(conn, room.id, name)
        if member is None:
            raise RoomError(messages.ROOM_NOT_A_MEMBER.format(name=name,
                                                              code=format_code(room.code)))
        if not token_matches(member_token, member.token_hash):
            raise RoomError(messages.ROOM_MEMBER_TOKEN_BAD.format(code=format_code(room.code)))
        return member

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
                    return Member(existing.name, self._room(room), token, utc(existing.joined))
                if not token_matches(member_token, existing.token_hash):
                    raise RoomError(messages.ROOM_NAME_TAKEN.format(name=name,
                                                                    code=format_code(code)))
                return Member(existing.name, self._room(room), member_token,
                              utc(existing.joined))
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
            joined = now()
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
        >>> from sim.rooms.store import RoomStore
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
        return Member(row.name, self._room(room), member_token, utc(row.joined))

    def remove_member(self, code: str, name: str, facilitator_token: str | None) -> None:
        """Take a member (and their submission) out of the room; only the facilitator can."""
        code = normalise_code(code)
        name = clean_name(name)
        with self._write() as conn:
            room = self._open_room(conn, code)
            if not token_matches(facilitator_token, room.token_hash):
                raise RoomError(messages.ROOM_WRONG_TOKEN.format(code=format_code(code)))
            member = self._member(conn, room.id, name)
            if member is None:
                raise RoomError(messages.ROOM_MEMBER_UNKNOWN.format(name=name,
                                                                    code=format_code(code)))
            conn.execute(sa.delete(submissions_table)
                         .where(submissions_table.c.member_id == member.id))
            conn.execute(sa.delete(members_table).where(members_table.c.id == member.id))
