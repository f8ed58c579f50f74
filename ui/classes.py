"""The Class page's pieces: opening and creating a class, its rooms, its charts and its table.

The class lives in this browser session (``class_name`` and ``class_token``, the teacher's
secret, checked by the store on every draw). Rooms the teacher starts from the class page keep
their facilitator tokens in the session too (``class_room_tokens``), so the teacher can reveal
them and open them as the facilitator from here. Names and memos are drawn as text or inside
tables and charts, never as Markdown.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from sim.limits import BUDGET_DAYS
from sim.rooms import RoomStore
from sim.rooms.codes import token_from
from ui import rooms as room_ui
from ui import state, texts
from ui.charts import FIT_WIDTH, titled

CLASS_NAME, CLASS_TOKEN, ROOM_TOKENS = "class_name", "class_token", "class_room_tokens"
NEW_SECRET = "_class_new_secret"  # shown until the teacher says it is kept
EXPECTED, TRUTH = "expected (their call)", "true effect where they ship"
LIFT_COLOURS = alt.Scale(domain=[EXPECTED, TRUTH], range=["#2b6cb0", "#c53030"])


# --- who this session is -------------------------------------------------------------------
def signed_in() -> tuple[str, str] | None:
    """The class this session opened and the teacher's secret, or ``None``.

    >>> signed_in() is None  # outside a Streamlit session nothing is open
    True
    """
    name, token = st.session_state.get(CLASS_NAME), st.session_state.get(CLASS_TOKEN)
    return (name, token) if name and token else None


def room_tokens() -> dict[str, str]:
    """Facilitator tokens of the rooms this session started for the class, by room code."""
    return st.session_state.setdefault(ROOM_TOKENS, {})


def _enter(name: str, token: str) -> None:
    st.session_state[CLASS_NAME] = name
    st.session_state[CLASS_TOKEN] = token


def leave() -> None:
    """Close the class in this session (the class and its rooms stay in the store)."""
    for key in (CLASS_NAME, CLASS_TOKEN, ROOM_TOKENS, NEW_SECRET):
        st.session_state.pop(key, None)


def forget_new_secret() -> None:
    """The teacher has kept the new class's secret: stop showing it (on_click)."""
    st.session_state.pop(NEW_SECRET, None)


# --- callbacks -----------------------------------------------------------------------------
def open_class(class_store: RoomStore) -> None:
    """Open the class named in the form with the secret typed there (on_click)."""

    def work() -> None:
        token = token_from(st.session_state.get("class_open_secret") or "")
        view = class_store.class_view(st.session_state.get("class_open_name", ""), token)
        _enter(view.name, token)

    room_ui.safely(work, texts.CLASS_FAILED)


def create_class(class_store: RoomStore) -> None:
    """Create the class named in the form; its secret is shown once (on_click)."""

    def work() -> None:
        name, token = class_store.create_class(st.session_state.get("class_new_name", ""),
                                               client=room_ui.client())
        _enter(name, token)
        st.session_state[NEW_SECRET] = token
        room_ui.note("success", texts.CLASS_CREATED.format(name=name))

    room_ui.safely(work, texts.CLASS_FAILED)


def start_room(class_store: RoomStore) -> None:
    """Start a room for the sidebar's current run and attach it to the class (on_click)."""

    def work() -> None:
        name, teacher = signed_in() or ("", "")
        key = state.run_key()
        code, token = class_store.create_room(key.case_id, key.seed, key.devices,
                                              key.knob_values(), client=room_ui.client())
        class_store.attach_room(name, teacher, code, token)
        room_tokens()[code] = token
        room_ui.note("success", texts.CLASS_ROOM_STARTED.format(code=code))

    room_ui.safely(work, texts.CLASS_FAILED)


def attach_room(class_store: RoomStore) -> None:
    """Attach the room whose code and facilitator link are typed in the form (on_click)."""

    def work() -> None:
        name, teacher = signed_in() or ("", "")
        code = st.session_state.get("class_attach_code", "")
        token = token_from(st.session_state.get("class_attach_token") or "")
        class_store.attach_room(name, teacher, code, token)
        room = class_store.room(code)
        room_tokens()[room.display_code] = token
        room_ui.note("success", texts.CLASS_ROOM_ATTACHED.format(code=room.display_code))

    room_ui.safely(work, texts.CLASS_FAILED)


def reveal_room(class_store: RoomStore, code: str) -> None:
    """Reveal a room this session holds the facilitator token of (on_click)."""

    def work() -> None:
        class_store.reveal(code, room_tokens().get(code), score_fn=room_ui.scorer)
        room_ui.note("success", texts.CLASS_ROOM_REVEALED.format(code=code))

    room_ui.safely(work, texts.CLASS_FAILED)


# --- charts --------------------------------------------------------------------------------
def lift_spread_chart(frame: pd.DataFrame, metric: str) -> alt.LayerChart:
    """Every member's expected lift, room by room, against the true effect where they ship
    and the room's true effect on the fleet (a black tick).

    >>> frame = pd.DataFrame({"room": ["A"], "member": ["Ana"], "expected_lift": [0.02],
    ...                       "true_lift": [0.01], "fleet_true_lift": [0.01]})
    >>> len(lift_spread_chart(frame, "sessions").layer)
    2
    """
    points = pd.concat([
        frame.assign(what=EXPECTED, lift=frame["expected_lift"]),
        frame.assign(what=TRUTH, lift=frame["true_lift"]),
    ])[["room", "member", "what", "lift"]].dropna(subset=["lift"])
    members = alt.Chart(points).mark_point(filled=True, size=90, opacity=0.75).encode(
        x=alt.X("lift:Q", title=f"Relative change in {metric}", axis=alt.Axis(format="+.1%")),
        y=alt.Y("room:N", title="Room", sort=None),
        yOffset=alt.YOffset("what:N"),
        # One entry a line: two side by side overflow a phone-wide chart.
        color=alt.Color("what:N", scale=LIFT_COLOURS,
                        legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=0,
                                          title=None)),
        shape=alt.Shape("what:N", legend=None),
        tooltip=[alt.Tooltip("room"), alt.Tooltip("member"), alt.Tooltip("what"),
                 alt.Tooltip("lift:Q", format="+.2%")],
    )
    fleet = frame[["room", "fleet_true_lift"]].dropna().drop_duplicates("room")
    truth = alt.Chart(fleet).mark_tick(color="black", thickness=3, size=30).encode(
        x=alt.X("fleet_true_lift:Q"), y=alt.Y("room:N", sort=None),
        tooltip=[alt.Tooltip("room"),
                 alt.Tooltip("fleet_true_lift:Q", title="true effect on the fleet",
                                     format="+.2%")])
    return alt.LayerChart(layer=[members, truth], autosize=FIT_WIDTH,
                          title=titled(texts.CLASS_LIFT_TITLE, texts.CLASS_LIFT_LOOK))


def questions_chart(misses: pd.DataFrame) -> alt.Chart:
    """The interview questions, the most missed first: the share of members who did not get
    full marks on each.

    >>> misses = pd.DataFrame({"question": ["split"], "text": ["Is the split healthy?"],
    ...                        "missed": [1], "answered": [2], "share_missed": [0.5]})
    >>> questions_chart(misses).mark.type
    'bar'
    """
    return alt.Chart(misses, autosize=FIT_WIDTH, title=titled(
        texts.CLASS_QUESTIONS_TITLE, texts.CLASS_QUESTIONS_LOOK)).mark_bar(
        color="#c05621").encode(
        x=alt.X("share_missed:Q", title="Members who missed it", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%")),
        y=alt.Y("question:N", title=None, sort=None),
        tooltip=[alt.Tooltip("text"), alt.Tooltip("missed"), alt.Tooltip("answered"),
                 alt.Tooltip("share_missed:Q", title="share missed", format=".0%")],
    )


def scores_chart(frame: pd.DataFrame) -> alt.Chart:
    """Each member's score, room by room, with the room's mean as a tick.

    >>> scores_chart(pd.DataFrame({"room": ["A"], "member": ["Ana"], "score": [80]})).layer[0].mark.type
    'circle'
    """
    base = alt.Chart(frame.dropna(subset=["score"]))
    dots = base.mark_circle(size=90, opacity=0.7, color="#2b6cb0").encode(
        x=alt.X("score:Q", title="Score out of 100", scale=alt.Scale(domain=[0, 100])),
        y=alt.Y("room:N", title="Room", sort=None),
        tooltip=[alt.Tooltip("room"), alt.Tooltip("member"), alt.Tooltip("call"),
                 alt.Tooltip("score")])
    mean = base.mark_tick(color="black", thickness=3, size=30).encode(
        x=alt.X("mean(score):Q"), y=alt.Y("room:N", sort=None))
    return alt.LayerChart(layer=[dots, mean], autosize=FIT_WIDTH,
                          title=titled(texts.CLASS_SCORES_TITLE, texts.CLASS_SCORES_LOOK))


def time_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """Each member's decision day, room by room, against the 30-day budget (dashed).

    >>> time_chart(pd.DataFrame({"room": ["A"], "member": ["Ana"], "decision_day": [21],
    ...                          "minutes_to_submit": [12.0]})).layer[1].mark.type
    'rule'
    """
    dots = alt.Chart(frame.dropna(subset=["decision_day"])).mark_circle(
        size=90, opacity=0.7, color="#2f855a").encode(
        x=alt.X("decision_day:Q", title="Decision day (days of data used)"),
        y=alt.Y("room:N", title="Room", sort=None),
        tooltip=[alt.Tooltip("room"), alt.Tooltip("member"), alt.Tooltip("decision_day"),
                 alt.Tooltip("minutes_to_submit:Q", title="minutes from joining to submitting")])
    budget = alt.Chart(pd.DataFrame({"day": [BUDGET_DAYS]})).mark_rule(
        color="#c53030", strokeDash=[4, 4]).encode(x=alt.X("day:Q"))
    return alt.LayerChart(layer=[dots, budget], autosize=FIT_WIDTH,
                          title=titled(texts.CLASS_TIME_TITLE, texts.CLASS_TIME_LOOK))
