"""A revealed board as a table to take away: one row per member and room, as CSV or JSON.

Each row holds the member's name, call, segments, expected lift, the true lift where they
ship, the room's right call and true effect on the fleet, the score, the points of every
scorecard item (``<item>_points``), the share earned on every interview question
(``question_<name>``), the decision day, the days to ship, when they joined and submitted, and
the memo. The CSV is safe to open in a spreadsheet: a text cell that starts like a formula
(``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading apostrophe, so a memo
such as ``=HYPERLINK(...)`` stays text (OWASP's advice on CSV injection); numbers stay
numbers. The JSON keeps every value as it is.

>>> from datetime import UTC, datetime
>>> from sim.rooms.board import Board, Entry, Room
>>> room = Room("K7MQ3XHD", "aa_test", {}, 3, 2_000, datetime(2026, 1, 1, tzinfo=UTC),
...             revealed=datetime(2026, 1, 1, 1, tzinfo=UTC))
>>> card = {"total": 80, "items": [{"criterion": "call", "points": 25.0}]}
>>> entry = Entry("Ana", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 0, 30, tzinfo=UTC),
...               {"call": "iterate", "expected_lift": 0.0, "decision_day": 21,
...                "memo": "=1+1 wait"}, card)
>>> frame = board_frame([Board(room, (entry,), {"true_lift": 0.0})])
>>> frame[["room", "member", "call", "score", "call_points", "minutes_to_submit"]].to_dict("records")
[{'room': 'K7MQ-3XHD', 'member': 'Ana', 'call': 'iterate', 'score': 80, 'call_points': 25.0, 'minutes_to_submit': 30.0}]
>>> to_csv(frame).splitlines()[1].endswith("'=1+1 wait")
True
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import pandas as pd

from sim.rooms.board import Board, Entry, decision_label

ExportFormat = Literal["csv", "json"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet reads as the start of a formula (OWASP, CSV injection)."""
LEADING_COLUMNS = ("room", "case", "member", "call", "call_code", "segment_kind", "segments",
                   "expected_lift", "true_lift", "right_call", "fleet_true_lift", "score")
TRAILING_COLUMNS = ("decision_day", "days_to_ship", "joined", "submitted", "minutes_to_submit",
                    "scoring_error", "memo")


def entry_row(board: Board, entry: Entry) -> dict[str, Any]:
    """One submitted member's row (see the module); the entry must have its decision.

    >>> from datetime import UTC, datetime
    >>> from sim.rooms.board import Room
    >>> room = Room("K7MQ3XHD", "aa_test", {}, 3, 2_000, datetime(2026, 1, 1, tzinfo=UTC))
    >>> at = datetime(2026, 1, 1, tzinfo=UTC)
    >>> row = entry_row(Board(room, ()), Entry("Bo", at, at, {"call": "ship_all",
    ...     "expected_lift": 0.02, "decision_day": 14}, {"total": 40, "questions": [
    ...     {"question": "split", "fraction": 0.5}]}))
    >>> row["member"], row["score"], row["question_split"], row["memo"]
    ('Bo', 40, 0.5, '')
    """
    decision = entry.decision or {}
    card = entry.scorecard or {}
    minutes = None
    if entry.submitted is not None:
        minutes = round((entry.submitted - entry.joined).total_seconds() / 60, 1)
    row: dict[str, Any] = {
        "room": board.room.display_code,
        "case": board.room.case_id,
        "member": entry.name,
        "call": decision_label(decision),
        "call_code": decision.get("call"),
        "segment_kind": decision.get("segment_kind"),
        "segments": "; ".join(decision.get("segments") or ()),
        "expected_lift": decision.get("expected_lift"),
        "true_lift": card.get("true_lift"),
        "right_call": (board.truth or {}).get("right_label"),
        "fleet_true_lift": (board.truth or {}).get("true_lift"),
        "score": card.get("total"),
    }
    for item in card.get("items") or ():
        row[f"{item['criterion']}_points"] = item.get("points")
    for grade in card.get("questions") or ():
        row[f"question_{grade['question']}"] = grade.get("fraction")
    row.update({
        "decision_day": decision.get("decision_day"),
        "days_to_ship": card.get("days_to_ship"),
        "joined": entry.joined.isoformat(),
        "submitted": entry.submitted.isoformat() if entry.submitted else None,
        "minutes_to_submit": minutes,
        "scoring_error": card.get("error"),
        "memo": decision.get("memo", ""),
    })
    return row


def board_frame(boards: Iterable[Board]) -> pd.DataFrame:
    """Every submitted member of every revealed board, one row each (unrevealed boards add
    nothing: their calls are still hidden). Item and question columns are the union over the
    rows, in the order they first appear.

    >>> board_frame([]).columns[:3].tolist()
    ['room', 'case', 'member']
    """
    rows = [entry_row(board, entry) for board in boards if board.revealed
            for entry in board.entries if entry.decision is not None]
    middle: dict[str, None] = {}
    for row in rows:
        middle.update((key, None) for key in row
                      if key not in LEADING_COLUMNS and key not in TRAILING_COLUMNS)
    columns = [*LEADING_COLUMNS, *middle, *TRAILING_COLUMNS]
    return pd.DataFrame(rows, columns=columns)


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet will not run as a formula (a leading apostrophe when it
    starts like one); anything else unchanged.

    >>> spreadsheet_safe("=HYPERLINK(1)"), spreadsheet_safe(" @SUM(A1)"), spreadsheet_safe(-0.02)
    ("'=HYPERLINK(1)", "' @SUM(A1)", -0.02)
    """
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(frame: pd.DataFrame) -> str:
    """The table as CSV text with every text cell :func:`spreadsheet_safe`.

    >>> to_csv(pd.DataFrame({"memo": ["-5% is fine"], "lift": [-0.05]}))
    "memo,lift\\n'-5% is fine,-0.05\\n"
    """
    return frame.map(spreadsheet_safe).to_csv(index=False, lineterminator="\n")


def to_json(frame: pd.DataFrame, about: Mapping[str, Any] | None = None) -> str:
    """The table as a JSON object: ``about`` (what was exported) and ``rows``, one object a
    row, missing values as ``null``.

    >>> json.loads(to_json(pd.DataFrame({"score": [None]}), {"room": "K7MQ-3XHD"}))
    {'about': {'room': 'K7MQ-3XHD'}, 'rows': [{'score': None}]}
    """
    rows = json.loads(frame.to_json(orient="records", date_format="iso"))
    return json.dumps({"about": dict(about or {}), "rows": rows}, indent=2, ensure_ascii=False)


def export_text(frame: pd.DataFrame, form: ExportFormat,
                about: Mapping[str, Any] | None = None) -> str:
    """The table in ``form`` (``csv`` or ``json``).

    >>> export_text(pd.DataFrame({"a": [1]}), "csv")
    'a\\n1\\n'
    """
    return to_csv(frame) if form == "csv" else to_json(frame, about)
