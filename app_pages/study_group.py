"""Study group: one seeded case for a room; members submit, the facilitator reveals the board."""

from __future__ import annotations

import streamlit as st

from ui import peer_review, room_board, state, texts
from ui import rooms as room_ui
from ui.guard import guard

st.header("Study group")
st.caption(texts.ROOM_INTRO)
with guard(texts.ROOM_FAILED):
    store = room_ui.store()
room_ui.arrive_from_link(store)
room_ui.show_notes()

code = room_ui.current_code()
if code is None:
    join_tab, start_tab = st.columns(2)
    with join_tab.container(border=True):
        st.subheader("Join a room")
        with st.form("room_join"):
            st.text_input("Room code", key="room_join_code", max_chars=20,
                          placeholder="K7MQ-3XHD")
            st.text_input("Your display name", key="room_join_name",
                          max_chars=room_ui.rooms.NAME_MAX_CHARS)
            st.form_submit_button("Join", type="primary", on_click=room_ui.join, args=(store,))
    with start_tab.container(border=True):
        st.subheader("Start a room (facilitator)")
        key = state.run_key()
        knobs = key.knob_values()
        st.caption("Everyone in the room gets the sidebar's current run:")
        st.text(f"{state.case_library()[key.case_id].meta.title} · variant {key.variant} · "
                f"seed {key.seed} · "
                f"{key.devices:,} devices"
                + (" · " + ", ".join(f"{k}={v}" for k, v in knobs.items()) if knobs else ""))
        st.button("Start a room for this run", on_click=room_ui.create, args=(store,))
    st.stop()

with guard(texts.ROOM_FAILED):
    room = store.room(code)
room_ui.mark_revealed(room)
case_title = state.case_library().get(room.case_id)
st.subheader(f"Room {room.display_code}")
st.text(f"{case_title.meta.title if case_title else room.case_id} · variant {room.variant} · "
        f"seed {room.seed} · "
        f"{room.devices:,} devices"
        + (" · " + ", ".join(f"{k}={v}" for k, v in room.knobs.items()) if room.knobs else ""))

join_link, facilitator_link = room_ui.links(room, st.session_state.get(room_ui.TOKEN))
if room_ui.is_facilitator():
    with st.container(border=True):
        st.markdown("**You are the facilitator.** Share the join link, or read the code aloud.")
        st.code(join_link, language=None)
        with st.expander("Facilitator link (keep it to yourself: it reveals the room)"):
            st.code(facilitator_link, language=None)
        if not room.is_revealed:
            room_ui.member_admin(room, store)
        if not room.is_revealed and st.button("Reveal the truth and the board", type="primary"):
            with st.spinner("Scoring every submission on the room's run..."), \
                    guard(texts.ROOM_FAILED):
                store.reveal(room.code, st.session_state[room_ui.TOKEN],
                             score_fn=room_ui.scorer)
            st.rerun()
        if room.is_revealed:
            room_board.board_downloads(room, store)
            peer_review.review_admin(room, store)
else:
    st.caption(f"Join link: {join_link}")

name = room_ui.member_name()
if name is not None:
    with st.container(border=True):
        st.markdown("**Your call**")
        st.text(f"You are in this room as {name}.")
        with st.expander("Your personal rejoin link"):
            st.caption(texts.ROOM_REJOIN_HELP)
            st.code(room_ui.rejoin_link(room), language=None)
        if not room.is_revealed and room_ui.run_status(room):
            room_ui.member_decision(room, store, name)
        room_ui.own_submission(room, store, name)
        if room.is_revealed:
            peer_review.peer_review(room, store, name)
elif not room.is_revealed:
    with (st.expander("Join this room with a display name",
                      expanded=not room_ui.is_facilitator()),
          st.form("room_join_here")):
        st.text_input("Your display name", key="room_join_name",
                      max_chars=room_ui.rooms.NAME_MAX_CHARS)
        st.form_submit_button("Join", type="primary", on_click=room_ui.join,
                              args=(store, room.code))

st.subheader("Board")
room_board.live_board(room.code)
st.button("Leave the room", on_click=room_ui.leave)
