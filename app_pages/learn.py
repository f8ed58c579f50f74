"""Learn: the metric lab. Demos built on sweeps of seeded runs, each a chart and two sentences."""

from __future__ import annotations

import streamlit as st

from sim.sweeps import lab
from ui import charts, texts
from ui import lab as lab_ui
from ui.guard import guard
from ui.progress import progress_bar

st.header("Metric lab")
st.caption(texts.LAB_INTRO)
key = st.radio("Demo", list(lab.DEMOS), format_func=lambda k: lab.DEMOS[k].title,
               horizontal=True, key="lab_demo")
demo = lab.DEMOS[key]

with guard(texts.LAB_FAILED):
    with progress_bar() as show:
        frame = lab_ui.demo_frame(key, show)
    summary = lab.summarise_demo(key, frame)
facts = summary.facts
st.subheader(demo.title)

if key == "peeking":
    chart = charts.lab_peeking(summary.table, facts["alpha"], facts["runs"])
elif key == "power":
    chart = charts.lab_power(summary.table, facts["budget"])
elif key == "cuped":
    chart = charts.lab_cuped(summary.table)
elif key == "srm":
    chart = charts.lab_srm(summary.table)
elif key == "simpson":
    chart = charts.lab_simpson(summary.table)
else:
    chart = charts.lab_novelty(summary.table, facts["lasting"], facts["budget"])

if summary.extra is not None and key == "simpson":
    left, right = st.columns([3, 2])
    left.altair_chart(chart, width="stretch")
    right.altair_chart(charts.lab_mix(summary.extra), width="stretch")
else:
    st.altair_chart(chart, width="stretch")
st.markdown(texts.LAB_TEXTS[key].format(**facts))

runs = lab_ui.replications(key)
st.caption(texts.LAB_RUNS.format(runs=runs, total=len(frame), devices=demo.devices))
if lab_ui.can_double(key):
    st.button(texts.LAB_MORE.format(runs=runs, more=2 * runs), key=f"lab_more_{key}",
              help=texts.LAB_MORE_HELP, on_click=lab_ui.double, args=(key,))
else:
    st.caption(texts.LAB_MAX)
