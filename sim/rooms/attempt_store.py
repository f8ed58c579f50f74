"""Interview attempts in the study-group store: one row per finished interview, by name.

An attempt (:class:`~sim.rooms.history.Attempt`) is kept under its person's display name, and
a person's last :data:`MAX_ATTEMPTS_SHOWN` come back newest first, names compared as members'
are ("ana" is Ana). What the rows say - the trend per rubric line, what to practise next - is
:mod:`sim.rooms.history`. :class:`AttemptStore` is part of :class:`~sim.rooms.store.RoomStore`.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from sim.limits import MIN_DEVICES
from sim.rooms.codes import clean_name, name_key
from sim.rooms.history import Attempt
from sim.rooms.schema import attempts_table, check_settings, now, utc

MAX_ATTEMPTS_SHOWN = 50
"""The most interview attempts one person's history returns."""


class AttemptStore:
    """The interview attempts of :class:`~sim.rooms.store.RoomStore` (it mixes this class in
    and supplies the transactions).

    >>> import tempfile, pathlib
    >>> from sim.rooms.store import RoomStore
    >>> folder = tempfile.TemporaryDirectory()
    >>> store = RoomStore(pathlib.Path(folder.name) / "rooms.db")
    >>> store.record_attempt(Attempt("Ana", "aa_test", 2, 20, 9.5, 70.0, {"speed": 10.0}, 0))
    >>> [(a.name, a.variant, a.total) for a in store.attempts("ana")]
    [('Ana', 2, 70.0)]
    >>> store.close(); folder.cleanup()
    """

    def record_attempt(self, attempt: Attempt) -> None:
        """Keep one finished interview under its person's display name."""
        name = clean_name(attempt.name)
        check_settings(attempt.case_id, 0, MIN_DEVICES, {}, attempt.variant)
        with self._write() as conn:
            conn.execute(sa.insert(attempts_table).values(
                name=name, name_key=name_key(name), case_id=attempt.case_id,
                variant=int(attempt.variant), minutes=int(attempt.minutes),
                minutes_used=float(attempt.minutes_used), total=float(attempt.total),
                lines=json.dumps(dict(attempt.lines), sort_keys=True), hints=int(attempt.hints),
                finished=now()))

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
                             int(row.hints), utc(row.finished)) for row in rows)
