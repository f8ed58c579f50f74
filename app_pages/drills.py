"""Drills: probability questions built from your own run, checked against exact arithmetic on
its tables, with the worked solution (sim.readout.drills)."""

from __future__ import annotations

import streamlit as st

from sim.readout.drills import bayes_drill, gate_drill, markov_drill
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
    result = run_case(key)
    drills = {"markov": markov_drill(result), "bayes": bayes_drill(result),
              "gate": gate_drill(result)}
checked = st.session_state.setdefault("drills_checked", set())
for name, drill in drills.items():
    st.subheader(texts.DRILL_TITLES[name])
    if drill is None:
        st.info(texts.DRILL_MISSING[name])
        continue
    st.text(drill.question())
    guess = st.number_input(texts.DRILL_ANSWERS[name], min_value=0.0, max_value=100.0,
                            step=0.01, format="%.3f", key=f"drill::{name}")
    if st.button(texts.DRILL_CHECK, key=f"drill::{name}::check"):
        checked.add(name)
        if drill.check(guess / 100):
            st.success(texts.DRILL_RIGHT.format(answer=drill.answer_share()))
        else:
            st.error(texts.DRILL_WRONG.format(guess=guess / 100, answer=drill.answer_share()))
    if name in checked:
        st.markdown(texts.DRILL_SOLUTION)
        for step in drill.solution():
            st.text(step)
