"""Widgets generated from a case's knobs; values persist in the session across pages."""

from __future__ import annotations

from typing import Any

import streamlit as st

from sim import Scenario
from sim.case.knobs import Knob
from ui import state, texts


def _key(case_id: str, path: str) -> str:
    return f"knob::{case_id}::{path}"


def _current(case: Scenario, knob: Knob) -> Any:
    value = case.get(knob.path)
    if value is None and knob.options:
        # An unset lowest tier means every tier: the last option says the same.
        return knob.options[-1]
    return value


def _is_whole(knob: Knob, default: Any) -> bool:
    numbers = [knob.min, knob.max, knob.step or 1]
    return isinstance(default, int) and all(float(x).is_integer() for x in numbers)


def knob_widgets(case_id: str, base: Scenario, current: Scenario) -> None:
    """One widget per design knob (the person's levers; each change is stored at once and
    lands in the shareable link). World knobs - the situation - are never levers here: one
    set by a link or a room (an author's or a teacher's) is listed as a fact."""
    set_by_others = state.knobs_for(case_id)
    for knob in base.knobs:
        if knob.role == "world":
            if knob.path in set_by_others:
                st.caption(texts.WORLD_KNOB_SET.format(label=knob.label,
                                                       value=set_by_others[knob.path]))
            continue
        key = _key(case_id, knob.path)
        default = _current(base, knob)
        st.session_state.setdefault(key, _current(current, knob))
        on_change = _store
        arguments = (case_id, knob.path, key, default)
        if knob.options is not None:
            st.selectbox(knob.label, list(knob.options), key=key, help=knob.help or None,
                         on_change=on_change, args=arguments)
        elif _is_whole(knob, default):
            st.slider(knob.label, int(knob.min), int(knob.max), step=int(knob.step or 1),
                      key=key, help=knob.help or None, on_change=on_change, args=arguments)
        else:
            st.slider(knob.label, float(knob.min), float(knob.max),
                      step=float(knob.step) if knob.step else None, key=key,
                      help=knob.help or None, on_change=on_change, args=arguments)


def _store(case_id: str, path: str, key: str, default: Any) -> None:
    state.set_knob(case_id, path, st.session_state[key], default)


def reset_knobs(case_id: str, base: Scenario) -> None:
    """Forget every design knob of the case (a button callback); world knobs a link or room
    set stay (they are not the person's to change)."""
    knobs = st.session_state["knobs"].get(case_id, {})
    for knob in base.knobs:
        if knob.role == "design":
            knobs.pop(knob.path, None)
            st.session_state.pop(_key(case_id, knob.path), None)
