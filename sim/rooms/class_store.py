"""A teacher's classes in the study-group store: a class gathers rooms for one dashboard.

A class has a name (unique after NFKC normalisation and case folding) and a teacher's secret
that only :meth:`ClassStore.create_class` ever shows (the store keeps its SHA-256). A room is
attached with the teacher's secret and the room's facilitator token, at most
:data:`~sim.limits.MAX_CLASS_ROOMS` a class; an expired room leaves its classes. What the
dashboard draws from a class is :mod:`sim.rooms.classes`. :class:`ClassStore` is part of
:class:`~sim.rooms.store.RoomStore`.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from sim import messages
from sim.errors import RoomError
from sim.limits import MAX_CLASS_ROOMS
from sim.rooms.board import ClassView
from sim.rooms.codes import (
    clean_class_name,
    format_code,
    hash_token,
    name_key,
    new_token,
    normalise_code,
    token_matches,
)
from sim.rooms.schema import class_rooms_table, classes_table, now, rooms_table, utc


class ClassStore:
    """The classes of :class:`~sim.rooms.store.RoomStore` (it mixes this class in and supplies
    the transactions, the rooms and their boards).

    >>> import tempfile, pathlib
    >>> from sim.rooms.store import RoomStore
    >>> folder = tempfile.TemporaryDirectory()
    >>> store = RoomStore(pathlib.Path(folder.name) / "rooms.db")
    >>> store.class_view(*store.create_class("Stats 101")).boards
    ()
    >>> store.close(); folder.cleanup()
    """

    def create_class(self, name: str, client: str | None = None) -> tuple[str, str]:
        """Create a class; return its name (as cleaned) and the teacher's secret, which only
        this call ever shows (the store keeps its SHA-256). Names are compared like display
        names (NFKC, case-folded): "Stats 101" and "STATS 101" are one class.

        >>> import tempfile, pathlib
        >>> from sim.rooms.store import RoomStore
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
                        created=now()))
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
        matches = token_matches(teacher_token, row.token_hash if row else "0" * 64)
        if row is None or not matches:
            raise RoomError(messages.CLASS_WRONG_TOKEN.format(name=name))
        return row

    def attach_room(self, class_name: str, teacher_token: str | None, code: str,
                    facilitator_token: str | None) -> None:
        """Attach a room to a class: the teacher's secret and the room's facilitator token
        (whoever runs the room agrees to show it to the class) are both needed. Attaching a
        room twice changes nothing.

        >>> import tempfile, pathlib
        >>> from sim.rooms.store import RoomStore
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
            if not token_matches(facilitator_token, room.token_hash):
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
                         {"class_id": klass.id, "room_id": room.id, "attached": now()},
                         keys=("class_id", "room_id"), update=None)

    def class_view(self, name: str, teacher_token: str | None) -> ClassView:
        """The class and the board of every room attached to it that has not expired, in the
        order they were attached; only the teacher's secret opens it.

        >>> import tempfile, pathlib
        >>> from sim.rooms.store import RoomStore
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
        return ClassView(name=klass.name, created=utc(klass.created), boards=boards)
