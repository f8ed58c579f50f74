"""Interview attempts kept over time: one row per finished interview, keyed to a display name
on this server, and what the rows say - the trend per rubric line and what to practise next.

The rows live in the study-group store (:meth:`sim.rooms.store.RoomStore.record_attempt`).

>>> first = Attempt("Ana", "aa_test", 0, 20, 18.5, 61.0, {"structure": 5.0, "speed": 10.0}, 1)
>>> again = Attempt("Ana", "aa_test", 3, 20, 14.0, 80.0, {"structure": 15.0, "speed": 10.0}, 0)
>>> trend((again, first))["structure"].tolist()   # oldest first, as a share of the line's points
[0.333, 1.0]
>>> practise_next((again, first))
'structure'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd

from sim.decide.rubric import WEIGHTS

if TYPE_CHECKING:
    from sim.decide.rubric import Rubric


@dataclass(frozen=True)
class Attempt:
    """One finished interview: who, which case and variant, the length and the minutes used,
    the total and each rubric line's points, and how many hints were taken."""

    name: str
    case_id: str
    variant: int
    minutes: int
    minutes_used: float
    total: float
    lines: Mapping[str, float]
    hints: int
    finished: datetime | None = field(default=None, compare=False)


def attempt_of(name: str, case_id: str, variant: int, minutes: int, minutes_used: float,
               sheet: Rubric) -> Attempt:
    """The attempt a finished interview's rubric makes.

    >>> from sim.decide.rubric import Rubric, RubricLine
    >>> sheet = Rubric((RubricLine("speed", 10.0, 10, "in time"),), ("call:nudge",), 3, 7.0)
    >>> attempt_of("Ana", "aa_test", 0, 20, 12.0, sheet).lines
    {'speed': 10.0}
    """
    return Attempt(name, case_id, int(variant), int(minutes), round(float(minutes_used), 2),
                   float(sheet.total), {line.line: float(line.points) for line in sheet.lines},
                   len(sheet.hints))


def trend(attempts: Sequence[Attempt]) -> pd.DataFrame:
    """One row per attempt, oldest first: each rubric line as a share of its points (0-1)."""
    rows = [{"attempt": index + 1, **{line: round(attempt.lines.get(line, 0.0) / weight, 3)
                                      for line, weight in WEIGHTS.items()}}
            for index, attempt in enumerate(reversed(list(attempts)))]
    return pd.DataFrame(rows, columns=["attempt", *WEIGHTS])


def practise_next(attempts: Sequence[Attempt], last: int = 3) -> str | None:
    """The rubric line with the lowest average share over the last ``last`` attempts (newest
    first in ``attempts``; lines none of them scored are left out), or ``None`` without any."""
    recent = list(attempts)[:last]
    scored = [line for line in WEIGHTS if any(line in a.lines for a in recent)]
    if not scored:
        return None
    return min(scored, key=lambda line: sum(a.lines.get(line, 0.0) for a in recent)
               / (WEIGHTS[line] * len(recent)))


def attempts_csv(attempts: Sequence[Attempt]) -> str:
    """The attempts as CSV, newest first: one column per rubric line.

    >>> print(attempts_csv([Attempt("Ana", "aa_test", 2, 20, 9.5, 70.0, {"speed": 10.0}, 0)]).splitlines()[0])
    finished,name,case,variant,minutes,minutes_used,total,hints,structure,hardware,data_quality,statistics,call,speed,communication
    """
    rows = [{"finished": "" if a.finished is None else a.finished.isoformat(), "name": a.name,
             "case": a.case_id, "variant": a.variant, "minutes": a.minutes,
             "minutes_used": a.minutes_used, "total": a.total, "hints": a.hints,
             **{line: a.lines.get(line, 0.0) for line in WEIGHTS}} for a in attempts]
    columns = ["finished", "name", "case", "variant", "minutes", "minutes_used", "total", "hints",
               *WEIGHTS]
    return pd.DataFrame(rows, columns=columns).to_csv(index=False)
