"""Cases: the chosen case's brief first, as an interviewer gives it; the library below."""

from __future__ import annotations

import streamlit as st

from ui import state, texts
from ui.guard import literal
from ui.steps import next_step, step_indicator

cases = state.case_library()


def _pick(case_id: str) -> None:
    st.session_state["case_id"] = case_id


st.header("Cases")
step_indicator("Brief")

case = cases[st.session_state["case_id"]]
with st.container(border=True):
    st.caption(texts.BRIEF_LABEL.format(
        stars="★" * case.meta.difficulty + "☆" * (3 - case.meta.difficulty),
        devices=" · ".join(case.fleet.device_types)))
    st.subheader(case.meta.title)
    st.markdown(case.meta.brief)
    if case.meta.learning_objectives:
        st.markdown("**You will practise**\n" + "\n".join(
            f"- {objective}" for objective in case.meta.learning_objectives))
    st.page_link("app_pages/design.py", label=texts.GO_DESIGN, icon="🛠️")

for problem in state.library_problems():
    st.warning(literal(f"A case file could not be loaded: {problem}"))

st.subheader(texts.OTHER_CASES)
st.caption(texts.OTHER_CASES_HELP)
columns = st.columns(3)
for index, (case_id, option) in enumerate(cases.items()):
    with columns[index % 3].container(border=True):
        st.markdown(f"**{option.meta.title}**")
        st.caption(
            f"{'★' * option.meta.difficulty}{'☆' * (3 - option.meta.difficulty)} · "
            + " · ".join(option.fleet.device_types)
        )
        st.markdown(" ".join(f"`{tag}`" for tag in option.meta.tags))
        selected = st.session_state["case_id"] == case_id
        st.button("Selected: the brief above" if selected else "Practise this case",
                  key=f"pick_{case_id}", disabled=selected, on_click=_pick, args=(case_id,))
next_step("Brief")
