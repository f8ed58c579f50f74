"""Compare designs: the pinned run beside the current one (feasibility per tier, the lift per
segment, the guardrails)."""

from __future__ import annotations

import streamlit as st

from sim import messages
from sim.case.metrics import SEGMENT_LABELS, label
from sim.export import numbers
from ui import charts, compare, readout, state, tables, texts
from ui.glossary import GLOSSARY_PAGE, help_text
from ui.guard import guard, literal
from ui.runs import analyse_case, check_run_size, run_case

st.header("Compare designs")
st.caption(texts.COMPARE_INTRO)
current = state.run_key()
pinned = compare.pinned()
if pinned is None:
    st.info(texts.COMPARE_NOTHING)
    st.page_link("app_pages/design.py", label=texts.GO_DESIGN, icon="🛠️")
    st.stop()
if pinned.case_id != current.case_id:
    st.info(literal(texts.COMPARE_OTHER_CASE.format(case=compare.describe(pinned))))
    st.button(texts.PIN, on_click=compare.pin, args=(current,), icon=":material/push_pin:")
    st.stop()

left, right = st.columns(2)
left.markdown(f"**{charts.RUN_WORDS[compare.PINNED].capitalize()}**")
left.text(compare.describe(pinned))
right.markdown(f"**{charts.RUN_WORDS[compare.CURRENT].capitalize()}**")
right.text(compare.describe(current))
if pinned == current:
    st.info(texts.COMPARE_SAME)
    st.page_link("app_pages/design.py", label=texts.GO_DESIGN, icon="🛠️")
    st.stop()
st.button("Forget the pinned run", on_click=compare.unpin, icon=":material/close:")

st.subheader("Settings")
tables.show(compare.settings_table(pinned, current))

pinned_case = state.case_for(pinned)
with guard():
    current_case = state.current_case()
st.subheader("Feasibility per chip tier")
tables.show(compare.feasibility_compare(pinned_case, current_case))

with guard(), st.spinner(texts.COMPARE_RUNNING):
    for key in (pinned, current):
        check_run_size(key)
        run_case(key)
    pinned_report, current_report = analyse_case(pinned), analyse_case(current)

primary = current_case.experiment.primary_metric
st.subheader(texts.COMPARE_PRIMARY.format(metric=label(primary)))
cards = st.columns(2)
for card, name, report in ((cards[0], compare.PINNED, pinned_report),
                           (cards[1], compare.CURRENT, current_report)):
    lift = report.cuped.get(primary) or report.metrics.get(primary)
    if lift is None:
        card.metric(charts.RUN_WORDS[name], messages.NOT_AVAILABLE)
        continue
    card.metric(charts.RUN_WORDS[name], numbers.relative(lift.rel_lift),
                texts.CI.format(interval=numbers.interval(*lift.rel_ci, share=True)),
                delta_color="off", delta_arrow="off", help=help_text("relative"))

for kind in readout.split_kinds(current_case):
    order = current_case.segment_names(kind)
    rows = compare.segment_rows(pinned_report, current_report, kind, order)
    if rows.empty:
        continue
    words = SEGMENT_LABELS[kind].lower()
    st.subheader(texts.COMPARE_SEGMENTS.format(kind=words))
    st.altair_chart(charts.compare_forest(rows, label(primary), words), width="stretch")
    tables.show(compare.segment_compare(pinned_report, current_report, kind, order))

st.subheader("Guardrails")
tables.show(compare.guardrail_compare(pinned_report, current_report))
st.page_link(GLOSSARY_PAGE, label=texts.GLOSSARY_LINK, icon="📖")
st.divider()
st.page_link("app_pages/decide.py", label=texts.GO_DECIDE, icon="✅")
