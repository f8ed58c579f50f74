"""Drills: probability questions built from your own run, checked against exact arithmetic on
its tables, with the worked solution (sim.readout.drills)."""

from __future__ import annotations

import streamlit as st

from sim.readout.drills import gate_drill
from ui import state, texts
from ui.guard import guard
from ui.runs import has_run, run_case

st.title(texts.DRILLS)
st.caption(texts.DRILLS_INTRO)
key = state.run_key()
if not has_run(key):
    st.info(texts.DRILLS_RUN_FIRST)
    st.page_link("app_pages/run.py", label="Go to Run", icon="📡")
    st.stop()
with guard():
    drill = gate_drill(run_case(key))
st.subheader(texts.DRILL_GATE)
if drill is None:
    st.info(texts.DRILL_NO_GATE)
    st.stop()
st.text(drill.question())
guess = st.number_input(texts.DRILL_ANSWER, min_value=0.0, max_value=100.0, step=0.01,
                        format="%.3f", key="drill::gate")
if st.button(texts.DRILL_CHECK, key="drill::gate::check"):
    st.session_state.setdefault("drills_checked", set()).add("gate")
    if drill.check(guess / 100):
        st.success(texts.DRILL_RIGHT.format(chance=drill.answer.chance))
    else:
        st.error(texts.DRILL_WRONG.format(guess=guess / 100, chance=drill.answer.chance))
if "gate" in st.session_state.setdefault("drills_checked", set()):
    st.markdown(texts.DRILL_SOLUTION)
    for step in drill.solution():
        st.text(step)
