"""The Interview page's session state: which step, the clock, the questions asked, the hints
taken, the design's reasoning, the call and the follow-up answers. The logic lives in
:mod:`sim.decide.interview`, :mod:`sim.decide.followups` and :mod:`sim.decide.rubric`."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import streamlit as st

from sim.decide.interview import HINT_LEVELS, Clock, Step, hint_id, step_after
from sim.decide.rubric import Rubric
from sim.errors import LaunchRoomError
from sim.rooms.history import Attempt, attempt_of
from ui import rooms, state, texts

KEY = "interview"


def current() -> dict[str, Any]:
    """This session's interview (a fresh one at the prompt before the first start)."""
    return st.session_state.setdefault(KEY, _fresh())


def _fresh() -> dict[str, Any]:
    return {"step": "prompt", "started": None, "minutes": None, "clarifying": [],
            "hints": [], "design_reason": "", "decision": None, "scorecard": None,
            "followups": (), "answers": {}, "timed_out": False, "finished_at": None,
            "kept": False}


def clock() -> Clock | None:
    """The running clock, or ``None`` before the start."""
    interview = current()
    if interview["started"] is None:
        return None
    return Clock(started=interview["started"], minutes=interview["minutes"])


LENGTH_KEY = "interview::length"
"""The length radio's key: the start button reads the length chosen when it is pressed."""


def start() -> None:
    """Start the clock at the chosen length; go to the clarifying questions (a callback)."""
    interview = current()
    interview.update(started=time.time(), minutes=int(st.session_state[LENGTH_KEY]),
                     step="clarify")


def restart() -> None:
    """Forget the interview (a button callback)."""
    st.session_state[KEY] = _fresh()


def surprise_me() -> None:
    """A random case and an unseen variant of it in the sidebar (a button callback: before the
    sidebar's widgets are drawn)."""
    cases = list(state.case_library())
    case_id = cases[int(np.random.default_rng().integers(len(cases)))]
    st.session_state["case_id"] = case_id
    st.session_state["variant"] = state.fresh_variant(case_id)
    restart()


def advance() -> None:
    """The next step (a button callback); out of time, the call."""
    interview = current()
    running = clock()
    out = running is not None and running.out_of_time(time.time())
    interview["step"] = step_after(interview["step"], out_of_time=out)


def enforce_clock() -> bool:
    """Out of time before the call: jump to the call. Returns whether the time is up."""
    interview = current()
    running = clock()
    if running is None or interview["finished_at"] is not None:
        return False
    out = running.out_of_time(time.time())
    if out and interview["step"] in ("clarify", "design", "readout"):
        interview.update(step="call", timed_out=True)
    return out


def ask(question: str) -> None:
    """A clarifying question asked (a button callback)."""
    asked = current()["clarifying"]
    if question not in asked:
        asked.append(question)


NAME_KEY = "interview::name"
"""The display name the history is kept under (typed once per session)."""


def keep_attempt(case_id: str, variant: int, sheet: Rubric) -> None:
    """Keep the finished interview under the typed display name (a button callback; a bad
    name or an unreachable database becomes one note)."""
    interview = current()
    running = clock()
    attempt = attempt_of(st.session_state.get(NAME_KEY, ""), case_id, variant,
                         running.minutes, running.used_minutes(interview["finished_at"]), sheet)
    try:
        rooms.store().record_attempt(attempt)
    except LaunchRoomError as error:
        rooms.note("error", str(error))
        return
    interview["kept"] = True


def history(name: str) -> tuple[Attempt, ...]:
    """The person's last attempts, newest first (none for an empty name)."""
    if not name.strip():
        return ()
    return rooms.store().attempts(name)


def hints_taken(step: Step) -> int:
    """How many hints this step has given."""
    return sum(1 for taken in current()["hints"] if taken.startswith(f"{step}:"))


def take_hint(step: Step) -> None:
    """The step's next hint (a button callback); each costs points on the rubric."""
    level = hints_taken(step)
    if level < len(HINT_LEVELS):
        current()["hints"].append(hint_id(step, level))


def hint_words(hints: tuple[str, ...] | list[str]) -> str:
    """The hints taken, in words, for the rubric (``clarify:nudge`` is how one is stored).

    >>> hint_words(("clarify:nudge", "readout:pointer"))
    'a nudge on clarifying questions, a pointer on the readout'
    """
    words = []
    for taken in hints:
        step, _, level = taken.partition(":")
        words.append(texts.INTERVIEW_HINT_TAKEN.format(
            level=texts.HINT_LEVEL_WORDS.get(level, level),
            step=texts.INTERVIEW_STEPS.get(step, step)))
    return ", ".join(words)
