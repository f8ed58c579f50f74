"""Peer review on the Study group page, after the reveal: the memos a member reviews, the
reviews of their own memo, and the facilitator's view of every review. What people typed is
drawn with ``st.text`` or in tables, never as Markdown."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sim import LaunchRoomError, messages, rooms
from sim.limits import REVIEW_COMMENT_MAX_CHARS
from sim.rooms import Room, RoomStore
from sim.rooms.reviews import CRITERIA, PeerReview, Review, ReviewTask
from ui import texts
from ui.guard import literal
from ui.rooms import TOKEN, member_token, safely


def peer_review(room: Room, room_store: RoomStore, name: str) -> None:
    """After the reveal: the memos this member reviews, each with its form, then the reviews
    of their own memo."""
    try:
        tasks = room_store.review_tasks(room.code, name, member_token())
    except LaunchRoomError as error:
        st.caption(literal(texts.ROOM_FAILED.format(error=error)))
        return
    st.markdown("**Peer review**")
    st.caption(texts.REVIEW_INTRO)
    for task in tasks:
        with st.container(border=True):
            _review_form(room, room_store, name, task)
    st.markdown(f"**{texts.REVIEW_RECEIVED}**")
    try:
        received = room_store.reviews_of(room.code, name, member_token())
    except LaunchRoomError as error:
        st.warning(literal(texts.ROOM_FAILED.format(error=error)))
        return
    if not received:
        st.caption(texts.REVIEW_NONE_YET)
    for review in received:
        _show_review(review)


def _review_form(room: Room, room_store: RoomStore, name: str, task: ReviewTask) -> None:
    decision = task.decision
    st.text(task.label + (f" by {task.author}" if task.author else ""))
    lift = decision.get("expected_lift")
    st.text(f"Call: {rooms.decision_label(decision)}"
            + ("" if lift is None else f" · expected lift {lift:+.1%}"))
    st.text(decision.get("memo") or "(no memo)")
    key = f"review::{room.code}::{task.memo_id}"
    with st.form(key):
        ratings = {}
        for criterion in CRITERIA:
            given = task.mine.ratings.get(criterion) if task.mine else None
            ratings[criterion] = st.radio(
                messages.REVIEW_CRITERIA[criterion], options=list(messages.REVIEW_RATINGS),
                format_func=messages.REVIEW_RATINGS.get, horizontal=True, index=given,
                key=f"{key}::{criterion}")
        comment = st.text_area(texts.REVIEW_COMMENT, value=task.mine.comment if task.mine else "",
                               max_chars=REVIEW_COMMENT_MAX_CHARS, key=f"{key}::comment")
        if not st.form_submit_button(texts.REVIEW_SEND):
            return
    rated = {criterion: value for criterion, value in ratings.items() if value is not None}
    try:
        room_store.submit_review(room.code, name, member_token(), task.memo_id,
                                 Review(ratings=rated, comment=comment))
    except LaunchRoomError as error:
        st.error(literal(texts.ROOM_FAILED.format(error=error)))
        return
    st.success(texts.REVIEW_SENT)


def _show_review(review: PeerReview) -> None:
    with st.container(border=True):
        st.text(f"From {review.reviewer or texts.REVIEW_ANONYMOUS}: "
                + ", ".join(f"{criterion} {messages.REVIEW_RATINGS[value]}"
                            for criterion, value in review.review.ratings.items()))
        if review.review.comment:
            st.text(review.review.comment)


def _set_review_names(room_store: RoomStore, room: Room) -> None:
    named = bool(st.session_state.get(f"review_names::{room.code}"))
    safely(lambda: room_store.name_reviews(room.code, st.session_state.get(TOKEN), named))


def review_admin(room: Room, room_store: RoomStore) -> None:
    """The facilitator's view of peer review: names on or off, and every review."""
    st.toggle(texts.REVIEW_NAMES, value=room.reviews_named, key=f"review_names::{room.code}",
              help=texts.REVIEW_NAMES_HELP, on_change=_set_review_names, args=(room_store, room))
    try:
        reviews = room_store.all_reviews(room.code, st.session_state.get(TOKEN))
    except LaunchRoomError as error:
        st.warning(literal(texts.ROOM_FAILED.format(error=error)))
        return
    if not reviews:
        return
    with st.expander(texts.REVIEW_ALL.format(count=len(reviews))):
        st.dataframe(pd.DataFrame([
            {"memo by": review.author, "reviewed by": review.reviewer,
             **{criterion: review.review.ratings.get(criterion) for criterion in CRITERIA},
             "points": review.review.total, "comment": review.review.comment}
            for review in reviews]), hide_index=True, column_config={
            "comment": st.column_config.TextColumn("comment", width="large")})
