"""What a study room's store returns: the room, its board, and the scores a reveal writes.

:func:`score_room` scores every member's decision on the room's seeded run against its hidden
truth; the store calls it (or any stand-in with the same signature) when the facilitator
reveals.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sim.decision import Decision, call_label
from sim.errors import LaunchRoomError
from sim.room_codes import format_code, join_query

if TYPE_CHECKING:
    from sim.analysis.report import Report
    from sim.result import SimResult
    from sim.scenario import Scenario


@dataclass(frozen=True)
class Room:
    """A room's settings: everyone in it runs ``case_id`` with ``knobs``, ``seed``, ``devices``."""

    code: str
    case_id: str
    knobs: dict[str, Any]
    seed: int
    devices: int
    created: datetime
    closed: datetime | None = None
    revealed: datetime | None = None

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


def score_room(room: Room, decisions: Sequence[Decision], *, scenario: Scenario | None = None,
               run: tuple[SimResult, Report] | None = None) -> Scores:
    """Score every decision on the room's seeded run against its hidden truth.

    The run is ``sim.simulate(case.with_knobs(room.knobs), room.seed, room.devices)`` and its
    ``sim.analyse`` report; pass ``run`` to reuse a run already made (the app's cache), or
    ``scenario`` to use a case that is not in ``scenarios/``. A decision that cannot be scored
    (a segment the case does not have) gets a card with ``total`` ``None`` and the reason.
    """
    from sim.analysis.report import analyse
    from sim.cli import CASES_FOLDER
    from sim.decision import right_call
    from sim.evidence import TruthTable
    from sim.scenario import load_scenario
    from sim.scorecard import score
    from sim.simulation import simulate

    if run is None:
        case = scenario if scenario is not None else load_scenario(
            CASES_FOLDER / f"{room.case_id}.toml")
        result = simulate(case.with_knobs(room.knobs), seed=room.seed, devices=room.devices)
        report = analyse(result)
    else:
        result, report = run
    right = right_call(result)
    metric = result.scenario.experiment.primary_metric
    cards: list[Mapping[str, Any]] = []
    for decision in decisions:
        try:
            cards.append(score(decision, result, report, right).to_dict())
        except LaunchRoomError as error:
            cards.append({"total": None, "error": str(error)})
    fleet_lift = TruthTable(result.truth).rel(metric)
    truth = {
        "case_id": room.case_id,
        "primary_metric": metric,
        "right_call": right.call,
        "right_label": right.label(),
        "right_segment_kind": right.segment_kind,
        "right_segments": list(right.segments),
        "right_lift": right.expected_lift,
        "true_lift": fleet_lift if math.isfinite(fleet_lift) else None,
        "reason": right.memo,
    }
    return Scores(truth=truth, cards=cards)


