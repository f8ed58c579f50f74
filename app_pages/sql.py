"""SQL workbench: read-only SQL over this run's tables (never the truth), in a sandbox."""

from __future__ import annotations

import streamlit as st

from sim import LaunchRoomError
from sim.limits import SQL_MAX_ROWS, SQL_TIME_LIMIT_S
from ui import state, tables, texts
from ui.runs import run_first, run_workbench

key = state.run_key()
st.header("SQL workbench")
st.caption(texts.SQL_INTRO.format(seconds=SQL_TIME_LIMIT_S, rows=SQL_MAX_ROWS))
run_first(key)
bench = run_workbench(key)
examples = {example.title: example.sql for example in bench.examples()}


def _use_example() -> None:
    title = st.session_state.get("sql_example")
    if title in examples:
        st.session_state["sql_text"] = examples[title]


st.session_state.setdefault("sql_text", next(iter(examples.values()), ""))
st.selectbox(texts.SQL_EXAMPLE, list(examples), index=None, key="sql_example",
             on_change=_use_example, placeholder="Pick a question to start from")
query = st.text_area(texts.SQL_QUERY, key="sql_text", height=260)
if st.button(texts.SQL_RUN, type="primary"):
    try:
        st.session_state["sql_answer"] = (key, bench.run(query), None)
    except LaunchRoomError as error:
        st.session_state["sql_answer"] = (key, None, str(error))

answer_key, answer, refused = st.session_state.get("sql_answer", (None, None, None))
if answer_key == key:
    if refused is not None:
        # The message can quote the query: shown as literal text, never as Markdown.
        st.error(texts.SQL_REFUSED)
        st.code(refused, language=None, wrap_lines=True)
    else:
        st.dataframe(answer.frame, hide_index=True)
        st.caption(answer.reading)

with st.expander(texts.SQL_TABLES):
    for name in bench.tables:
        st.markdown(f"**{name}**")
        st.dataframe(tables.column_guide(name), hide_index=True)
