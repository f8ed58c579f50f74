"""Cases: the library as cards, and the selected case's brief as an interviewer gives it."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.guard import literal

cases = state.case_library()


def _pick(case_id: str) -> None:
    st.session_state["case_id"] = case_id


st.header("Cases")
st.caption("Pick a case, read the brief as an interviewer would give it, then design the launch.")

columns = st.columns(3)
for index, (case_id, case) in enumerate(cases.items()):
    with columns[index % 3].container(border=True):
        st.markdown(f"**{case.meta.title}**")
        st.caption(
            f"{'★' * case.meta.difficulty}{'☆' * (3 - case.meta.difficulty)} · "
            + " · ".join(case.fleet.device_types)
        )
        st.markdown(" ".join(f"`{tag}`" for tag in case.meta.tags))
        selected = st.session_state["case_id"] == case_id
        st.button("Selected" if selected else "Practise this case", key=f"pick_{case_id}",
                  disabled=selected, on_click=_pick, args=(case_id,))

for problem in state.library_problems():
    st.warning(literal(f"A case file could not be loaded: {problem}"))

case = cases[st.session_state["case_id"]]
st.divider()
st.subheader(case.meta.title)
st.markdown(case.meta.brief)
if case.meta.learning_objectives:
    st.markdown("**You will practise**\n" + "\n".join(f"- {o}" for o in case.meta.learning_objectives))
st.page_link("app_pages/design.py", label="Design the launch →", icon="🛠️")
