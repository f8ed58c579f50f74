"""What a study room's store returns: the room, its board, and the scores a reveal writes.

>>> from datetime import UTC, datetime
>>> room = Room("K7MQ3XHD", "aa_test", {}, 3, 5_000, datetime(2026, 1, 1, tzinfo=UTC))
>>> room.display_code, room.join_query(), Board(room, ()).submitted
('K7MQ-3XHD', '?room=K7MQ-3XHD', 0)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sim.decide.decision import Decision
from sim.decide.words import call_label
from sim.errors import LaunchRoomError
from sim.rooms.codes import format_code, join_query, member_query


@dataclass(frozen=True)
class Room:
    """A room's settings: everyone in it runs variant ``variant`` of ``case_id`` with
    ``knobs``, ``seed`` and ``devices``."""

    code: str
    case_id: str
    knobs: dict[str, Any]
    seed: int
    devices: int
    created: datetime
    revealed: datetime | None = None

    expires: datetime | None = None
    reviews_named: bool = False
    """Whether peer reviews show whose memo and whose review (anonymous by default)."""
    variant: int = 0

    @property
    def display_code(self) -> str:
        """The code as people read it (``K7MQ-3XHD``)."""
        return format_code(self.code)

    @property
    def is_revealed(self) -> bool:
        return self.revealed is not None

    def join_query(self) -> str:
        """The query string of the join link (``?room=K7MQ-3XHD``)."""
        return join_query(self.code)


@dataclass(frozen=True)
class Member:
    """A member of a room: their display name (as first typed), the room, and their secret.

    ``token`` is the member's own secret, returned by :meth:`~sim.rooms.RoomStore.join` for
    a new name (and echoed when a member comes back with it); only its hash is stored. It is
    needed to submit, to see one's own submission, and to come back under the same name.
    """

    name: str
    room: Room
    token: str
    joined: datetime

    def rejoin_query(self) -> str:
        """The query string of the member's personal rejoin link (keep it to yourself)."""
        return member_query(self.room.code, self.token)


@dataclass(frozen=True)
class Entry:
    """One member on the board. ``decision`` and ``scorecard`` stay ``None`` until the reveal."""

    name: str
    joined: datetime
    submitted: datetime | None
    decision: dict[str, Any] | None = None
    scorecard: dict[str, Any] | None = None

    @property
    def has_submitted(self) -> bool:
        return self.submitted is not None


@dataclass(frozen=True)
class Board:
    """The room, every member in the order they joined, and after the reveal the truth."""

    room: Room
    entries: tuple[Entry, ...]
    truth: dict[str, Any] | None = None

    @property
    def revealed(self) -> bool:
        return self.room.is_revealed

    @property
    def submitted(self) -> int:
        """How many members have submitted."""
        return sum(entry.has_submitted for entry in self.entries)

    def rows(self) -> list[dict[str, Any]]:
        """One plain row per member for a table: before the reveal who has submitted; after
        it each submitted member's call, expected lift, true lift where they ship, score, memo.
        """
        if not self.revealed:
            return [{"member": e.name, "submitted": e.has_submitted, "at": e.submitted}
                    for e in self.entries]
        rows = []
        for entry in self.entries:
            if entry.decision is None:
                continue
            decision, card = entry.decision, entry.scorecard or {}
            rows.append({
                "member": entry.name,
                "call": decision_label(decision),
                "expected_lift": decision.get("expected_lift"),
                "true_lift": card.get("true_lift"),
                "score": card.get("total"),
                "checks": ", ".join(decision.get("checks") or ()),
                "memo": decision.get("memo", ""),
            })
        return rows


@dataclass(frozen=True)
class ClassView:
    """A class: its name, when it was created, and the board of every room attached to it, in
    the order they were attached.

    >>> from datetime import UTC, datetime
    >>> ClassView("Stats 101", datetime(2026, 1, 1, tzinfo=UTC), ()).revealed
    ()
    """

    name: str
    created: datetime
    boards: tuple[Board, ...]

    @property
    def revealed(self) -> tuple[Board, ...]:
        """The boards of the rooms already revealed (only their calls can be shown)."""
        return tuple(board for board in self.boards if board.revealed)


def decision_label(decision: Mapping[str, Any]) -> str:
    """A stored decision's call in words (``ship to flagship (chip_tier)``)."""
    try:
        return call_label(decision["call"], decision.get("segment_kind"),
                          tuple(decision.get("segments") or ()))
    except (KeyError, TypeError, ValueError, LaunchRoomError):
        return str(decision.get("call", "?"))


@dataclass(frozen=True)
class Scores:
    """What a reveal stores: the truth (JSON-ready) and one scorecard per decision, in order."""

    truth: Mapping[str, Any]
    cards: Sequence[Mapping[str, Any]]


ScoreFn = Callable[[Room, Sequence[Decision]], Scores]
