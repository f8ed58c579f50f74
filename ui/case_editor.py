"""The Case editor's pieces: the text being edited, its check, the preview and saving.

The TOML lives in the session (``case_editor_text``); every run of the page checks it
(:func:`sim.case.library.check_case_text`) and shows the one line that names the file, the
dotted path and what is allowed. The preview (a few seeded runs) is cached by the text, so
editing back to a previewed text shows it at once.
"""

from __future__ import annotations

import streamlit as st

from sim import LaunchRoomError, messages
from sim.case.library import BLANK_CASE, CASES_FOLDER, check_case_text, save_case, unpack_cases
from sim.decide.fairness import CasePreview, preview_case
from sim.errors import ScenarioError
from sim.rooms.database import cases_folder
from ui import rooms as room_ui
from ui import state, texts
from ui.runs import heavy_work

TEXT = "case_editor_text"
START = "case_editor_start"
PREVIEWED = "_case_editor_previewed"  # the text whose preview is shown
BLANK = "__blank__"


def starting_text(choice: str) -> str:
    """The TOML to start from: a case file of the library (built-in or saved on this server),
    or the blank template.

    >>> "my_case" in starting_text(BLANK), 'id = "aa_test"' in starting_text("aa_test")
    (True, True)
    """
    if choice == BLANK:
        return BLANK_CASE.read_text(encoding="utf-8")
    for folder in (CASES_FOLDER, cases_folder()):
        path = folder / f"{choice}.toml"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise ScenarioError(messages.UNKNOWN_CASE.format(name=choice,
                                                     known=", ".join(state.case_library())))


def load_start() -> None:
    """Put the chosen starting case into the editor (on_click)."""

    def work() -> None:
        st.session_state[TEXT] = starting_text(st.session_state.get(START, BLANK))

    room_ui.safely(work, texts.EDITOR_FAILED)


@st.cache_data(max_entries=16, show_spinner=False)
def preview(text: str) -> CasePreview:
    """The preview of a valid case's text (cached by the text)."""
    return heavy_work().call(preview_case, check_case_text(text))


def save(text: str) -> None:
    """Save the case into this server's cases folder; every cached run and the case list are
    dropped, so a case saved again under its id never serves an old run (on_click)."""

    def work() -> None:
        path = save_case(text, cases_folder())
        st.cache_data.clear()
        room_ui.note("success", texts.EDITOR_SAVED.format(path=path))

    room_ui.safely(work, texts.EDITOR_FAILED)


def upload_pack(data: bytes) -> None:
    """Save the valid cases of an uploaded case pack; say what was refused."""
    try:
        saved, refused = unpack_cases(data, cases_folder())
    except LaunchRoomError as error:
        room_ui.note("error", texts.EDITOR_FAILED.format(error=error))
        return
    if saved:
        st.cache_data.clear()
        room_ui.note("success", texts.EDITOR_PACK_SAVED.format(
            count=len(saved), names=", ".join(path.stem for path in saved)))
    for problem in refused:
        room_ui.note("warning", problem)
