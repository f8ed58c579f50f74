"""The Study group page's pieces: the room store, joining and creating rooms, the board.

The room lives in this browser session (``room_code``; ``room_name`` and ``room_member`` -
the member's secret - for a member; ``room_token`` for the facilitator). A link's ``?room=``
fills in the code; a facilitator link's ``?token=`` and a member's rejoin link's ``?member=``
are taken out of the address bar and out of the browser's history entry on whatever page the
link opens (:func:`take_secrets_from_link`, called by the entry point), kept in the session and
checked on the Study group page, so a shared screen, a copied address or the back button never
shows them. Everything a person typed (names, memos) is drawn with ``st.text``, inside tables
or escaped (:func:`ui.guard.literal`), never as Markdown or HTML.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from urllib.parse import urlencode

import altair as alt
import pandas as pd
import streamlit as st

from sim import LaunchRoomError, messages, rooms
from sim.decide import Decision
from sim.errors import RoomError
from sim.limits import MAX_SEED, REVIEW_COMMENT_MAX_CHARS
from sim.rooms import Board, Room, RoomStore, Scores
from sim.rooms.export import board_frame, export_text
from sim.rooms.reviews import CRITERIA, PeerReview, Review, ReviewTask
from ui import state, texts, widgets
from ui.charts import titled
from ui.decision_form import decision_form, latest_entry
from ui.guard import literal
from ui.runs import compare_designs, has_run, run_case
from ui.state import RunKey

BOARD_REFRESH_S = 5
CODE, NAME, TOKEN, MEMBER = "room_code", "room_name", "room_token", "room_member"
_NOTES, _SEEN_REVEAL = "_room_notes", "_room_seen_reveal"
_FROM_LINK = "_room_link_secrets"  # (room, facilitator token, member secret) read off a link
SECRET_PARAMS = ("token", "member")
_log = logging.getLogger("launchroom.ui")


# --- the store ----------------------------------------------------------------------------
@st.cache_resource(show_spinner=False)
def _store(url: str) -> RoomStore:
    return RoomStore(url)


def store() -> RoomStore:
    """The server's room store (``LAUNCHROOM_DB_URL`` / ``LAUNCHROOM_DB``), shared by sessions."""
    return _store(rooms.database_url())


def note(kind: str, text: str) -> None:
    """Queue a message for the next run of the page (callbacks cannot draw)."""
    st.session_state.setdefault(_NOTES, []).append((kind, literal(text)))


def show_notes() -> None:
    for kind, text in st.session_state.pop(_NOTES, []):
        getattr(st, kind)(text)


def safely(action: Callable[[], None], failure: str = texts.ROOM_FAILED) -> None:
    """Run a callback's work; problems become a one-line note (``failure`` with the error)
    instead of a traceback.

    >>> safely(lambda: None)
    """
    try:
        action()
    except LaunchRoomError as error:
        note("error", failure.format(error=error))
    except Exception as error:  # noqa: BLE001 - the page must never show a traceback
        _log.exception("study group action failed")
        note("error", texts.UNEXPECTED.format(kind=type(error).__name__,
                                              detail=str(error).splitlines()[0][:200]
                                              if str(error) else ""))


# --- who this session is ----------------------------------------------------------------
def current_code() -> str | None:
    return st.session_state.get(CODE)


def member_name() -> str | None:
    return st.session_state.get(NAME)


def is_facilitator() -> bool:
    return bool(st.session_state.get(TOKEN))


def mark_revealed(room: Room) -> None:
    """The page already shows a revealed room: the board need not redraw the page for it."""
    if room.is_revealed:
        st.session_state[_SEEN_REVEAL] = True


def take_secrets_from_link() -> bool:
    """Take a facilitator token or a member's secret out of the link, on any page.

    The secrets go into the session, and a script replaces the browser's current history
    entry with the same address without them (``history.replaceState``; changing
    ``st.query_params`` would push a new entry and leave the secret one behind the back
    button). A member's rejoin link brings the member back at once (before the sidebar is
    drawn, so it can take the room's settings). Returns whether it did, so the entry point
    leaves the address alone this run.
    """
    params = st.query_params
    found = {name: params.get(name) for name in SECRET_PARAMS if name in params}
    if not found:
        return False
    st.session_state[_FROM_LINK] = (params.get("room"), found.get("token"))
    if found.get("member") is not None:
        safely(lambda: _rejoin(params.get("room") or "", found["member"]))
    kept = {name: value for name, value in params.items() if name not in SECRET_PARAMS}
    query = ("?" + urlencode(kept)) if kept else ""
    # The script is ours; the only outside text in it is the address, JSON-encoded.
    st.iframe(
        "<script>const w = window.parent; "
        f"w.history.replaceState(w.history.state, '', w.location.pathname + {json.dumps(query)} "
        "+ w.location.hash);</script>", height=1)
    return True


def arrive_from_link(room_store: RoomStore) -> None:
    """Act on the link: ``?room=`` fills in the join form; a facilitator token (taken off the
    link by :func:`take_secrets_from_link`) signs this session in as the facilitator."""
    code, token = st.session_state.pop(_FROM_LINK, (None, None))
    code = code or st.query_params.get("room")
    if not code:
        return
    try:
        display = rooms.format_code(rooms.normalise_code(code))
        if token is not None:
            if room_store.is_facilitator(display, token):
                _enter(display, token=token)
            else:
                note("warning", texts.ROOM_TOKEN_BAD.format(code=display))
    except LaunchRoomError as error:
        note("error", texts.ROOM_FAILED.format(error=error))
        return
    if current_code() is None:
        st.session_state.setdefault("room_join_code", display)


def _rejoin(code: str, secret: str) -> None:
    member = store().member(code, secret)
    apply_settings(member.room)
    _enter(member.room.display_code, name=member.name, member_token=member.token)
    note("success", texts.ROOM_REJOINED.format(code=member.room.display_code, name=member.name))


def _enter(code: str, token: str | None = None, name: str | None = None,
           member_token: str | None = None) -> None:
    if st.session_state.get(CODE) != code:
        for key in (NAME, TOKEN, MEMBER, _SEEN_REVEAL):
            st.session_state.pop(key, None)
    st.session_state[CODE] = code
    if token is not None:
        st.session_state[TOKEN] = token
    if name is not None:
        st.session_state[NAME] = name
        st.session_state[MEMBER] = member_token
    st.query_params["room"] = code


def enter_as_facilitator(room: Room, token: str) -> None:
    """Make this session the room's facilitator (the Study group page then shows it)."""
    _enter(room.display_code, token=token)


def member_token() -> str | None:
    """This session's member secret (``None`` for someone who has not joined)."""
    return st.session_state.get(MEMBER)


def client() -> str | None:
    """Who is asking, for the store's rate limits: the browser's address as the server sees
    it (behind a proxy, every person may share one address); ``None`` where the server does
    not know it (AppTest has no client)."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else None


def leave() -> None:
    """Leave the room in this session (the room and the submission stay in the store)."""
    for key in (CODE, NAME, TOKEN, MEMBER, _SEEN_REVEAL, "room_join_code"):
        st.session_state.pop(key, None)
    if "room" in st.query_params:
        del st.query_params["room"]


# --- room settings and the sidebar ----------------------------------------------------------
def room_key(room: Room) -> RunKey:
    """The room's run."""
    return RunKey.of(room.case_id, room.knobs, room.seed, room.devices, variant=room.variant)


def apply_settings(room: Room) -> None:
    """Put the room's case, variant, seed, fleet size and knobs into the sidebar (a callback: before the
    widgets are drawn). Raises RoomError when this app cannot run the room's settings."""
    cases = state.case_library()
    if room.case_id not in cases:
        raise RoomError(texts.ROOM_CASE_MISSING.format(code=room.display_code, case=room.case_id))
    problem = None
    try:
        base = state.case_variant(room.case_id, room.variant)
    except LaunchRoomError as error:
        raise RoomError(texts.ROOM_SETTINGS_UNUSABLE.format(code=room.display_code,
                                                            detail=str(error))) from None
    if room.devices not in state.FLEET_SIZES:
        problem = f"a fleet of {room.devices:,} devices is not offered here"
    elif not 0 <= room.seed <= MAX_SEED:
        problem = f"seed {room.seed} is out of range"
    else:
        try:
            base.with_knobs(room.knobs)
        except LaunchRoomError as error:
            problem = str(error)
    if problem:
        raise RoomError(texts.ROOM_SETTINGS_UNUSABLE.format(code=room.display_code, detail=problem))
    widgets.reset_knobs(room.case_id, base)
    st.session_state["case_id"] = room.case_id
    st.session_state["variant"] = room.variant
    st.session_state["seed"] = room.seed
    st.session_state["devices"] = room.devices
    if room.knobs:
        st.session_state["knobs"][room.case_id] = dict(room.knobs)


def on_settings(room: Room) -> bool:
    """Whether the sidebar holds the room's settings."""
    return state.run_key() == room_key(room)


def unrevealed_room_for_run() -> Room | None:
    """This session's room when it runs the room's settings and the truth is still hidden.

    The Decide page then keeps the score and the truth back until the facilitator reveals.
    """
    code = current_code()
    if not code:
        return None
    try:
        room = store().room(code)
    except LaunchRoomError:
        return None
    if room.is_revealed or not on_settings(room):
        return None
    return room


# --- callbacks ------------------------------------------------------------------------------
def join(room_store: RoomStore, code: str | None = None) -> None:
    """Join with the name (and, without ``code``, the code) typed in the form (on_click)."""

    def work() -> None:
        name = rooms.clean_name(st.session_state.get("room_join_name", ""))
        member = room_store.join(code or st.session_state.get("room_join_code", ""), name,
                                 client=client())
        apply_settings(member.room)
        _enter(member.room.display_code, name=member.name, member_token=member.token)
        note("success", texts.ROOM_JOINED.format(code=member.room.display_code))

    safely(work)


def create(room_store: RoomStore) -> None:
    """Open a room for the sidebar's current case, knobs, seed and fleet size (on_click)."""

    def work() -> None:
        key = state.run_key()
        code, token = room_store.create_room(key.case_id, key.seed, key.devices,
                                             key.knob_values(), client=client(),
                                             variant=key.variant)
        _enter(code, token=token)
        note("success", texts.ROOM_CREATED.format(code=code))

    safely(work)


def use_room_settings(room: Room) -> None:
    safely(lambda: apply_settings(room))


def remove(room_store: RoomStore, room: Room, name: str) -> None:
    """The facilitator takes a member out of the room (a button callback)."""

    def work() -> None:
        room_store.remove_member(room.code, name, st.session_state.get(TOKEN))
        note("success", texts.ROOM_REMOVED.format(name=name))

    safely(work)


def member_admin(room: Room, room_store: RoomStore) -> None:
    """The facilitator's list of members, each with a button that takes them out."""
    try:
        members = [entry.name for entry in room_store.board(room.code).entries]
    except LaunchRoomError as error:
        st.warning(literal(texts.ROOM_FAILED.format(error=error)))
        return
    if not members:
        return
    with st.expander(f"Members ({len(members)})"):
        for index, name in enumerate(members):
            left, right = st.columns([4, 1])
            left.text(name)
            right.button("Remove", key=f"room_remove::{room.code}::{index}", on_click=remove,
                         args=(room_store, room, name))


# --- scoring with the app's cached runs -------------------------------------------------------
def scorer(room: Room, decisions: Sequence[Decision]) -> Scores:
    """Score a room on its seeded run, reusing the app's cached simulation and analysis."""
    if room.case_id not in state.case_library():
        raise RoomError(texts.ROOM_CASE_MISSING.format(code=room.display_code, case=room.case_id))
    key = room_key(room)
    return rooms.score_room(room, decisions, run=run_case(key), design=compare_designs(key))


# --- links -------------------------------------------------------------------------------------
def links(room: Room, token: str | None) -> tuple[str, str | None]:
    """The join link and (with the token) the facilitator link, absolute when the browser's
    address is known."""
    base = _base_url()
    join_link = base + room.join_query()
    boss = base + rooms.facilitator_query(room.code, token) if token else None
    return join_link, boss


def rejoin_link(room: Room) -> str | None:
    """This member's personal rejoin link (``None`` when this session is not a member)."""
    secret = member_token()
    return _base_url() + rooms.member_query(room.code, secret) if secret else None


def _base_url() -> str:
    url = st.context.url or ""
    return url.split("?", 1)[0]


# --- the member's decision -------------------------------------------------------------------
def member_decision(room: Room, room_store: RoomStore, name: str) -> None:
    """The member's call for the room, prefilled from their Decide page when it has one."""
    case = state.case_for(room_key(room))
    latest = latest_entry(room_key(room))
    submitted = decision_form(case, f"room::{room.code}", state.readout_day(room_key(room)),
                              "Submit to the room", defaults=latest.decision if latest else None,
                              latest_day=case.fleet.days)
    if submitted is None:
        return
    try:
        room_store.submit(room.code, name, submitted.decision, member_token=member_token(),
                          scenario=case)
    except LaunchRoomError as error:
        st.error(literal(texts.ROOM_FAILED.format(error=error)))
        return
    st.success(texts.ROOM_SUBMITTED)


def own_submission(room: Room, room_store: RoomStore, name: str) -> None:
    """What this member submitted (only they see it before the reveal)."""
    try:
        mine = room_store.submission(room.code, name, member_token=member_token())
    except LaunchRoomError as error:
        st.error(literal(texts.ROOM_FAILED.format(error=error)))
        return
    if mine is None:
        st.caption("You have not submitted yet.")
        return
    st.caption("Your submission")
    st.dataframe(pd.DataFrame([{
        "call": rooms.decision_label(mine),
        "expected lift": mine.get("expected_lift"),
        "evidence": ", ".join(mine.get("checks") or ()),
    }]), hide_index=True, column_config={
        "expected lift": st.column_config.NumberColumn(format="percent")})
    st.text(mine.get("memo") or "(no memo)")


# --- peer review ---------------------------------------------------------------------------
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


# --- the board -----------------------------------------------------------------------------
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
        tooltip=["member", "what", alt.Tooltip("lift:Q", format="+.2%")],
    )
    fleet = (board.truth or {}).get("true_lift")
    layers = [points]
    if fleet is not None:
        layers.append(alt.Chart(pd.DataFrame({"lift": [fleet]})).mark_rule(
            color="#c53030", strokeDash=[4, 4]).encode(x="lift:Q"))
    return alt.layer(*layers).properties(height=alt.Step(34))


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
    if board.revealed and not st.session_state.get(_SEEN_REVEAL):
        # The reveal happened elsewhere: redraw the whole page (the form closes, the truth shows).
        st.session_state[_SEEN_REVEAL] = True
        st.rerun(scope="app")


def run_status(room: Room) -> bool:
    """Whether this session ran the room's settings; says what to do when it did not."""
    if not on_settings(room):
        st.warning(texts.ROOM_SETTINGS_DIFFER)
        st.button("Use the room's settings again", on_click=use_room_settings, args=(room,))
        return False
    if not has_run(room_key(room)):
        st.info(texts.ROOM_RUN_FIRST)
        st.page_link("app_pages/run.py", label="Go to Run", icon="📡")
        return False
    return True
