"""Case editor: write a case in TOML with its problems shown as you edit, preview it, save it."""

from __future__ import annotations

import streamlit as st

from sim import LaunchRoomError
from sim.case.library import case_paths, check_case_text, pack_cases
from sim.decide.fairness import FAIR_SHARE
from sim.rooms.database import cases_folder
from ui import case_editor as editor
from ui import rooms as room_ui
from ui import state, texts
from ui.guard import guard, literal

st.header("Case editor")
st.caption(texts.EDITOR_INTRO)
room_ui.show_notes()

library = state.case_library()
choices = [editor.BLANK, *library]
left, right = st.columns([3, 1], vertical_alignment="bottom")
left.selectbox(texts.EDITOR_START, choices, key=editor.START,
               format_func=lambda key: texts.EDITOR_BLANK if key == editor.BLANK
               else library[key].meta.title)
right.button(texts.EDITOR_LOAD, on_click=editor.load_start)
if editor.TEXT not in st.session_state:
    st.session_state[editor.TEXT] = editor.starting_text(editor.BLANK)
text = st.text_area(texts.EDITOR_TEXT, key=editor.TEXT, height=480)

try:
    case = check_case_text(text)
except LaunchRoomError as error:
    case = None
    st.error(literal(str(error)))
else:
    st.success(literal(texts.EDITOR_VALID.format(id=case.meta.id, title=case.meta.title)))

if case is not None:
    buttons = st.columns(3)
    run_preview = buttons[0].button(texts.EDITOR_PREVIEW, type="primary")
    buttons[1].button(texts.EDITOR_SAVE, on_click=editor.save, args=(text,))
    buttons[2].download_button(texts.EDITOR_DOWNLOAD, text, file_name=f"{case.meta.id}.toml",
                               mime="application/toml", on_click="ignore",
                               icon=":material/download:")
    st.caption(texts.EDITOR_FOLDER.format(folder=cases_folder()))
    if run_preview:
        st.session_state[editor.PREVIEWED] = text
    # The preview stays for as long as the text is the one previewed (it is cached by text).
    if st.session_state.get(editor.PREVIEWED) == text:
        with st.spinner(texts.EDITOR_PREVIEWING), guard(texts.EDITOR_FAILED):
            preview = editor.preview(text)
        columns = st.columns(2)
        calls = [seed.right for seed in preview.seeds]
        columns[0].metric("The right call (most seeds)", max(set(calls), key=calls.count))
        columns[1].metric("Data rule = right call", f"{preview.share:.0%}")
        st.caption(texts.EDITOR_PREVIEW_CAPTION.format(
            seeds=len(preview.seeds), devices=preview.devices, day=preview.decision_day,
            share=preview.share, fair=FAIR_SHARE))
        st.dataframe([{"seed": seed.seed, "right call": seed.right, "data rule's call": seed.data,
                       "agree": seed.agree} for seed in preview.seeds], hide_index=True)
        st.caption(texts.EDITOR_TRUTH.format(metric=case.experiment.primary_metric))
        st.dataframe(preview.truth[["segment_kind", "segment", "devices", "control_mean",
                                    "treatment_mean", "rel_effect"]], hide_index=True,
                     column_config={"rel_effect": st.column_config.NumberColumn(
                         "true relative effect", format="percent")})

with st.expander(texts.EDITOR_PACK):
    saved = case_paths(cases_folder())
    if saved:
        st.text(", ".join(path.stem for path in saved))
        st.download_button(texts.EDITOR_PACK_DOWNLOAD, lambda: pack_cases(cases_folder()),
                           file_name="launchroom-cases.zip", mime="application/zip",
                           on_click="ignore", icon=":material/download:")
    else:
        st.caption(texts.EDITOR_NO_SAVED)
    upload = st.file_uploader(texts.EDITOR_PACK_UPLOAD, type=["zip"], key="case_pack_upload")
    if upload is not None and st.button(texts.EDITOR_PACK_ADD):
        editor.upload_pack(upload.getvalue())
        st.rerun()
