"""The Study group page's board: who has submitted, live, and after the reveal the truth,
each member's call and score, and the facilitator's downloads."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from sim import LaunchRoomError, rooms
from sim.rooms import Board, Room, RoomStore
from sim.rooms.export import board_frame, export_text
from ui import texts
from ui.charts import titled
from ui.guard import literal
from ui.rooms import SEEN_REVEAL, TOKEN, store

BOARD_REFRESH_S = 5


def board_downloads(room: Room, room_store: RoomStore) -> None:
    """The facilitator's downloads of the revealed board, as CSV and as JSON."""
    try:
        board = room_store.export_board(room.code, st.session_state.get(TOKEN))
    except LaunchRoomError as error:
        st.warning(literal(texts.ROOM_FAILED.format(error=error)))
        return
    frame = board_frame([board])
    about = {"room": room.display_code, "case": room.case_id, "seed": room.seed,
             "devices": room.devices, "truth": board.truth}
    left, right = st.columns(2)
    stem = f"board-{room.display_code}"
    left.download_button(texts.BOARD_DOWNLOAD_CSV, export_text(frame, "csv"),
                         file_name=f"{stem}.csv", mime="text/csv", on_click="ignore",
                         icon=":material/download:", help=texts.BOARD_DOWNLOAD_HELP)
    right.download_button(texts.BOARD_DOWNLOAD_JSON, export_text(frame, "json", about),
                          file_name=f"{stem}.json", mime="application/json",
                          on_click="ignore", icon=":material/download:",
                          help=texts.BOARD_DOWNLOAD_HELP)


def lift_chart(board: Board) -> alt.Chart:
    """Each member's expected lift against the true effect where they ship."""
    rows = [r for r in board.rows() if r["expected_lift"] is not None]
    long = pd.DataFrame(
        [{"member": r["member"], "what": "expected (their call)", "lift": r["expected_lift"]}
         for r in rows]
        + [{"member": r["member"], "what": "true effect where they ship", "lift": r["true_lift"]}
           for r in rows if r["true_lift"] is not None]
    )
    metric = (board.truth or {}).get("primary_metric", "the primary metric")
    points = alt.Chart(long, title=titled(
        f"Expected lift in {metric} against the true effect",
        "Look at how far each member's blue dot (the lift they expected) sits from the red "
        "square (the true effect where they ship); the dashed line is the fleet's truth.")).mark_point(
        filled=True, size=120).encode(
        x=alt.X("lift:Q", title=f"Relative change in {metric}",
                axis=alt.Axis(format="+.1%")),
        y=alt.Y("member:N", title=None, sort=None),
        color=alt.Color("what:N", title=None,
                        scale=alt.Scale(domain=["expected (their call)",
                                                "true effect where they ship"],
                                        range=["#2b6cb0", "#c53030"])),
        shape=alt.Shape("what:N", title=None),
        tooltip=[alt.Tooltip("member"), alt.Tooltip("what"), alt.Tooltip("lift:Q", format="+.2%")],
    )
    fleet = (board.truth or {}).get("true_lift")
    layers = [points]
    if fleet is not None:
        layers.append(alt.Chart(pd.DataFrame({"lift": [fleet]})).mark_rule(
            color="#c53030", strokeDash=[4, 4]).encode(x=alt.X("lift:Q")))
    return alt.LayerChart(layer=layers, height=alt.Step(34))


def _show_board(board: Board) -> None:
    if not board.entries:
        st.info(texts.ROOM_NOBODY)
        return
    if not board.revealed:
        st.caption(texts.ROOM_WAITING.format(submitted=board.submitted, members=len(board.entries)))
        frame = pd.DataFrame(board.rows()).rename(columns={"at": "submitted at"})
        st.dataframe(frame, hide_index=True, column_config={
            "submitted": st.column_config.CheckboxColumn("submitted"),
            "submitted at": st.column_config.DatetimeColumn(format="HH:mm:ss"),
        })
        return
    truth = board.truth or {}
    st.success(texts.ROOM_REVEALED)
    columns = st.columns(3)
    columns[0].metric("The right call", str(truth.get("right_label", "?")))
    fleet = truth.get("true_lift")
    columns[1].metric(f"True effect on {truth.get('primary_metric', 'the primary metric')}",
                      "n/a" if fleet is None else f"{fleet:+.2%}")
    columns[2].metric("Submitted", f"{board.submitted} of {len(board.entries)}")
    if truth.get("reason"):
        st.text(str(truth["reason"]))
    rows = board.rows()
    if not rows:
        return
    st.altair_chart(lift_chart(board), width="stretch")
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
        "expected_lift": st.column_config.NumberColumn("expected lift", format="percent"),
        "true_lift": st.column_config.NumberColumn("true lift where they ship", format="percent"),
        "score": st.column_config.NumberColumn("score /100"),
        "memo": st.column_config.TextColumn("memo", width="large"),
    })
    for entry in board.entries:
        if entry.decision is None:
            continue
        card = entry.scorecard or {}
        total = card.get("total")
        score = "not scored" if total is None else f"{total}/100"
        with st.expander(f"{literal(entry.name)}: {score}"):
            st.text(f"Call: {rooms.decision_label(entry.decision)}")
            for item in card.get("items") or ():
                st.text(f"{item['criterion'].capitalize()} "
                        f"{item['points']:g}/{item['max_points']:g}: "
                        f"{item['explanation']}")
            if card.get("error"):
                st.text(card["error"])
            st.text("Memo:\n" + (entry.decision.get("memo") or "(no memo)"))


@st.fragment(run_every=BOARD_REFRESH_S)
def live_board(code: str) -> None:
    """The board, refreshed every few seconds while people submit."""
    try:
        board = store().board(code)
    except LaunchRoomError as error:
        st.warning(literal(texts.ROOM_DB_DOWN.format(error=error)))
        return
    _show_board(board)
    if board.revealed and not st.session_state.get(SEEN_REVEAL):
        # The reveal happened elsewhere: redraw the whole page (the form closes, the truth shows).
        st.session_state[SEEN_REVEAL] = True
        st.rerun(scope="app")
