"""Study groups and classes: a room shares one seeded case; members submit calls; the
facilitator reveals; a teacher's class gathers rooms.

- :mod:`sim.rooms.store` - :class:`RoomStore`, the rooms, submissions, reveal and board in SQL,
  with its parts: :mod:`~sim.rooms.member_store` (members), :mod:`~sim.rooms.class_store`
  (classes), :mod:`~sim.rooms.review_store` (peer reviews), :mod:`~sim.rooms.attempt_store`
  (interview attempts), on :mod:`~sim.rooms.sql_store` (engine, transactions, rate limits) and
  :mod:`~sim.rooms.schema` (the tables);
- :mod:`sim.rooms.board` - what the store returns (:class:`Room`, :class:`Board`, ...);
- :mod:`sim.rooms.codes` - room codes, display names, links and token hashing;
- :mod:`sim.rooms.database` - where the store lives (SQLite by default, PostgreSQL by URL);
- :mod:`sim.rooms.grading` - :func:`score_room`, every call scored on the room's run;
- :mod:`sim.rooms.export` - a revealed board as a table, CSV (spreadsheet-safe) or JSON;
- :mod:`sim.rooms.classes` - a class's table and what its dashboard draws;
- :mod:`sim.rooms.reviews` - who reviews whose memo and what a peer review holds;
- :mod:`sim.rooms.history` - interview attempts over time: the trend and what to practise next.

>>> from sim.rooms import format_code, normalise_code
>>> format_code(normalise_code("k7mq 3xhd"))
'K7MQ-3XHD'
"""

from sim.rooms.board import (
    Board,
    ClassView,
    Entry,
    Member,
    Room,
    ScoreFn,
    Scores,
    decision_label,
)
from sim.rooms.codes import (
    ALPHABET,
    CODE_LENGTH,
    NAME_MAX_CHARS,
    clean_name,
    facilitator_query,
    format_code,
    join_query,
    member_query,
    new_code,
    normalise_code,
)
from sim.rooms.database import DEFAULT_DB, database_url
from sim.rooms.grading import score_room
from sim.rooms.member_store import MAX_MEMBERS
from sim.rooms.sql_store import DEFAULT_EXPIRY_DAYS, DEFAULT_LIMITS, RateLimit
from sim.rooms.store import RoomStore

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "DEFAULT_DB",
    "DEFAULT_EXPIRY_DAYS",
    "DEFAULT_LIMITS",
    "MAX_MEMBERS",
    "NAME_MAX_CHARS",
    "Board",
    "ClassView",
    "Entry",
    "Member",
    "RateLimit",
    "Room",
    "RoomStore",
    "ScoreFn",
    "Scores",
    "clean_name",
    "database_url",
    "decision_label",
    "facilitator_query",
    "format_code",
    "join_query",
    "member_query",
    "new_code",
    "normalise_code",
    "score_room",
]
