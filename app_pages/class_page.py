"""Class: a teacher's rooms together; every member's call, score and time across them."""

from __future__ import annotations

import json

import streamlit as st

from sim.rooms.classes import class_frame, question_misses, room_summary
from sim.rooms.codes import NAME_MAX_CHARS
from sim.rooms.export import export_text
from ui import classes as class_ui
from ui import rooms as room_ui
from ui import state, texts
from ui.guard import guard, literal

st.header("Class")
st.caption(texts.CLASS_INTRO)
with guard(texts.CLASS_FAILED):
    store = room_ui.store()
room_ui.show_notes()

opened = class_ui.signed_in()
if opened is None:
    open_column, create_column = st.columns(2)
    with open_column.container(border=True):
        st.subheader("Open a class")
        with st.form("class_open"):
            st.text_input("Class name", key="class_open_name", max_chars=NAME_MAX_CHARS)
            st.text_input("Teacher secret", key="class_open_secret", type="password")
            st.form_submit_button("Open the class", type="primary", on_click=class_ui.open_class,
                                  args=(store,))
    with create_column.container(border=True):
        st.subheader("Create a class")
        with st.form("class_create"):
            st.text_input("Class name", key="class_new_name", max_chars=NAME_MAX_CHARS,
                          placeholder="Stats 101, week 3")
            st.form_submit_button("Create the class", on_click=class_ui.create_class,
                                  args=(store,))
    st.stop()

name, teacher = opened
with guard(texts.CLASS_FAILED):
    view = store.class_view(name, teacher)
st.subheader(literal(f"Class {view.name}"))
secret = st.session_state.get(class_ui.NEW_SECRET)
if secret:
    with st.container(border=True):
        st.caption(texts.CLASS_SECRET_HELP)
        st.code(secret, language=None)
        st.button(texts.CLASS_SECRET_KEPT, on_click=class_ui.forget_new_secret)

frame = class_frame(view)
rooms = room_summary(view, frame)
columns = st.columns(4)
columns[0].metric("Rooms", len(view.boards))
columns[1].metric("Revealed", len(view.revealed))
columns[2].metric("Members", sum(len(board.entries) for board in view.boards))
columns[3].metric("Calls scored", len(frame))

with st.expander(texts.CLASS_ADD_ROOMS, expanded=not len(frame)):  # until calls show
    key = state.run_key()
    st.caption("A new room gets the sidebar's current run:")
    st.text(f"{state.case_library()[key.case_id].meta.title} · seed {key.seed} · "
            f"{key.devices:,} devices")
    st.button(texts.CLASS_START_ROOM, on_click=class_ui.start_room, args=(store,))
    with st.form("class_attach"):
        st.text_input("Room code", key="class_attach_code", max_chars=20, placeholder="K7MQ-3XHD")
        st.text_input("The room's facilitator link (or its token)", key="class_attach_token",
                      type="password")
        st.form_submit_button(texts.CLASS_ATTACH, on_click=class_ui.attach_room, args=(store,))

if not view.boards:
    st.info(texts.CLASS_NO_ROOMS)
else:
    st.dataframe(rooms[["room", "case", "revealed", "members", "submitted", "right_call",
                        "mean_score"]], hide_index=True, column_config={
        "revealed": st.column_config.CheckboxColumn("revealed"),
        "right_call": st.column_config.TextColumn("right call"),
        "mean_score": st.column_config.NumberColumn("mean score", format="%.0f"),
    })
# Rooms started or attached in this session: the teacher holds their facilitator tokens.
tokens = class_ui.room_tokens()
for board in view.boards:
    code = board.room.display_code
    if code not in tokens:
        continue
    left, right = st.columns(2)
    if left.button(texts.CLASS_OPEN_ROOM.format(code=code), key=f"class_open::{code}"):
        room_ui.enter_as_facilitator(board.room, tokens[code])
        st.switch_page("app_pages/study_group.py")
    if not board.revealed:
        right.button(texts.CLASS_REVEAL_ROOM.format(code=code), key=f"class_reveal::{code}",
                     on_click=class_ui.reveal_room, args=(store, code))

if not len(frame):
    st.info(texts.CLASS_NONE_REVEALED)
else:
    metrics = {(board.truth or {}).get("primary_metric") for board in view.revealed}
    metric = metrics.pop() if len(metrics) == 1 else "the primary metric"
    st.altair_chart(class_ui.lift_spread_chart(frame, metric), width="stretch")
    misses = question_misses(frame)
    left, right = st.columns(2)
    if len(misses):
        left.altair_chart(class_ui.questions_chart(misses), width="stretch")
    right.altair_chart(class_ui.scores_chart(frame), width="stretch")
    st.altair_chart(class_ui.time_chart(frame), width="stretch")

    st.subheader("Every member")
    shown = frame.drop(columns=["class", "case", "call_code", "segment_kind", "joined",
                                "submitted", "scoring_error"])
    item_columns = {column: st.column_config.NumberColumn(column.removesuffix("_points"))
                    for column in shown.columns if column.endswith("_points")}
    question_columns = {column: st.column_config.NumberColumn(
        column.removeprefix("question_"), format="percent")
        for column in shown.columns if column.startswith("question_")}
    st.dataframe(shown, hide_index=True, column_config={
        "expected_lift": st.column_config.NumberColumn("expected lift", format="percent"),
        "true_lift": st.column_config.NumberColumn("true lift where they ship", format="percent"),
        "right_call": st.column_config.TextColumn("right call"),
        "fleet_true_lift": st.column_config.NumberColumn("true effect", format="percent"),
        "score": st.column_config.NumberColumn("score /100"),
        "decision_day": st.column_config.NumberColumn("decision day"),
        "days_to_ship": st.column_config.NumberColumn("days to ship"),
        "minutes_to_submit": st.column_config.NumberColumn("minutes used"),
        "memo": st.column_config.TextColumn("memo", width="large"),
        **item_columns, **question_columns,
    })
    st.caption("Per room: the mean score and the mean of each scorecard item.")
    st.dataframe(rooms[rooms["revealed"]].drop(columns=["revealed"]), hide_index=True,
                 column_config={
                     "right_call": st.column_config.TextColumn("right call"),
                     "mean_score": st.column_config.NumberColumn("mean score", format="%.1f"),
                     "mean_decision_day": st.column_config.NumberColumn("mean decision day",
                                                                        format="%.1f"),
                     "median_minutes_to_submit": st.column_config.NumberColumn(
                         "median minutes used", format="%.1f"),
                     **{column: st.column_config.NumberColumn(
                         "mean " + column.removesuffix("_points"), format="%.1f")
                        for column in rooms.columns if column.endswith("_points")},
                 })

    about = {"class": view.name, "created": view.created.isoformat(),
             "rooms": json.loads(rooms.to_json(orient="records"))}
    stem = "class-" + "".join(char if char.isalnum() else "-" for char in view.name)
    downloads = st.columns(2)
    downloads[0].download_button(texts.CLASS_DOWNLOAD_CSV, export_text(frame, "csv"),
                                 file_name=f"{stem}.csv", mime="text/csv", on_click="ignore",
                                 icon=":material/download:", help=texts.CLASS_DOWNLOAD_HELP)
    downloads[1].download_button(texts.CLASS_DOWNLOAD_JSON, export_text(frame, "json", about),
                                 file_name=f"{stem}.json", mime="application/json",
                                 on_click="ignore", icon=":material/download:",
                                 help=texts.CLASS_DOWNLOAD_HELP)

st.button("Close the class", on_click=class_ui.leave)
