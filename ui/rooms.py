"""The Study group page's pieces: the room store, joining and creating rooms, the member's
decision (the board is :mod:`ui.room_board`, peer review :mod:`ui.peer_review`).

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

import pandas as pd
import streamlit as st

from sim import LaunchRoomError, rooms
from sim.decide import Decision
from sim.errors import RoomError
from sim.limits import MAX_SEED
from sim.rooms import Room, RoomStore, Scores
from ui import state, texts, widgets
from ui.decision_form import decision_form, latest_entry
from ui.guard import literal
from ui.runs import compare_designs, has_run, run_case
from ui.state import RunKey

CODE, NAME, TOKEN, MEMBER = "room_code", "room_name", "room_token", "room_member"
_NOTES = "_room_notes"
# Set once this session has drawn the room revealed (ui.room_board redraws the page then).
SEEN_REVEAL = "_room_seen_reveal"
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
        st.session_state[SEEN_REVEAL] = True


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
        for key in (NAME, TOKEN, MEMBER, SEEN_REVEAL):
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
    for key in (CODE, NAME, TOKEN, MEMBER, SEEN_REVEAL, "room_join_code"):
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
