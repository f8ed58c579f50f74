"""A class's table and what its dashboard draws: every member across the class's rooms.

:func:`class_frame` is the boards of the revealed rooms as one table (the export's columns,
:mod:`sim.rooms.export`, with the class's name first); :func:`question_misses` ranks the
interview questions by how many members missed them; :func:`room_summary` gives one row a
room: who joined, who submitted, the right call and the mean score and items.

The scorecard's items and graded questions stand in for an interview rubric until the case
files carry one.

>>> from datetime import UTC, datetime
>>> from sim.rooms.board import Board, ClassView, Entry, Room
>>> at = datetime(2026, 1, 1, tzinfo=UTC)
>>> room = Room("K7MQ3XHD", "aa_test", {}, 3, 2_000, at, revealed=at)
>>> card = {"total": 60, "questions": [{"question": "split", "fraction": 0.0}]}
>>> entry = Entry("Ana", at, at, {"call": "iterate", "expected_lift": 0.0, "decision_day": 21}, card)
>>> view = ClassView("Stats 101", at, (Board(room, (entry,), {"true_lift": 0.0}),))
>>> class_frame(view)[["class", "room", "member", "score"]].to_dict("records")
[{'class': 'Stats 101', 'room': 'K7MQ-3XHD', 'member': 'Ana', 'score': 60}]
>>> question_misses(class_frame(view))[["question", "missed", "answered"]].to_dict("records")
[{'question': 'split', 'missed': 1, 'answered': 1}]
"""

from __future__ import annotations

import pandas as pd

from sim import messages
from sim.rooms.board import ClassView
from sim.rooms.export import board_frame

QUESTION_PREFIX = "question_"
FULL_MARKS = 0.999
"""A question counts as answered right at this share of its points (as on the scorecard)."""


def class_frame(view: ClassView) -> pd.DataFrame:
    """Every submitted member of the class's revealed rooms, one row each, the class first.

    >>> from datetime import UTC, datetime
    >>> class_frame(ClassView("Stats 101", datetime(2026, 1, 1, tzinfo=UTC), ())).columns[:3].tolist()
    ['class', 'room', 'case']
    """
    frame = board_frame(view.boards)
    frame.insert(0, "class", view.name)
    return frame


def question_misses(frame: pd.DataFrame) -> pd.DataFrame:
    """Per interview question: how many members answered it, how many missed it (less than
    full marks), the share missed and the question's words; the most missed first.

    >>> frame = pd.DataFrame({"question_split": [1.0, 0.0], "question_novelty": [0.5, None]})
    >>> question_misses(frame)[["question", "missed", "answered", "share_missed"]].to_dict("records")
    [{'question': 'novelty', 'missed': 1, 'answered': 1, 'share_missed': 1.0}, {'question': 'split', 'missed': 1, 'answered': 2, 'share_missed': 0.5}]
    """
    rows = []
    for column in frame.columns:
        if not column.startswith(QUESTION_PREFIX):
            continue
        question = column.removeprefix(QUESTION_PREFIX)
        grades = pd.to_numeric(frame[column], errors="coerce").dropna()
        if grades.empty:
            continue
        missed = int((grades < FULL_MARKS).sum())
        rows.append({"question": question, "text": messages.QUESTIONS.get(question, question),
                     "missed": missed, "answered": len(grades),
                     "share_missed": missed / len(grades),
                     "mean_points": float(grades.mean())})
    columns = ["question", "text", "missed", "answered", "share_missed", "mean_points"]
    result = pd.DataFrame(rows, columns=columns)
    return result.sort_values(["share_missed", "missed", "question"],
                              ascending=[False, False, True], ignore_index=True)


def room_summary(view: ClassView, frame: pd.DataFrame) -> pd.DataFrame:
    """One row a room of the class: its code, case, whether it is revealed, members, calls
    submitted, the right call, the mean score, the mean of each scorecard item, the mean
    decision day and the median minutes from joining to submitting (revealed rooms only).

    >>> from datetime import UTC, datetime
    >>> from sim.rooms.board import Board, Room
    >>> at = datetime(2026, 1, 1, tzinfo=UTC)
    >>> view = ClassView("Stats 101", at, (Board(Room("K7MQ3XHD", "aa_test", {}, 3, 2_000, at), ()),))
    >>> room_summary(view, class_frame(view))[["room", "revealed", "members"]].to_dict("records")
    [{'room': 'K7MQ-3XHD', 'revealed': False, 'members': 0}]
    """
    item_columns = [column for column in frame.columns if column.endswith("_points")]
    rows = []
    for board in view.boards:
        code = board.room.display_code
        mine = frame[frame["room"] == code]
        row = {"room": code, "case": board.room.case_id, "revealed": board.revealed,
               "members": len(board.entries), "submitted": board.submitted,
               "right_call": (board.truth or {}).get("right_label"),
               "mean_score": _mean(mine, "score")}
        row.update({column: _mean(mine, column) for column in item_columns})
        row["mean_decision_day"] = _mean(mine, "decision_day")
        row["median_minutes_to_submit"] = _mean(mine, "minutes_to_submit", how="median")
        rows.append(row)
    return pd.DataFrame(rows, columns=["room", "case", "revealed", "members", "submitted",
                                       "right_call", "mean_score", *item_columns,
                                       "mean_decision_day", "median_minutes_to_submit"])


def _mean(frame: pd.DataFrame, column: str, how: str = "mean") -> float | None:
    """The column's mean (or ``how``: median), ``None`` when it holds no number."""
    values = pd.to_numeric(frame[column], errors="coerce").dropna()
    return None if values.empty else float(values.agg(how))
