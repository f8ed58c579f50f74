"""Decide: the call on the readout through your decision day, the interviewer's questions and
the memo; extend to look again later; then the scorecard and the debrief."""

from __future__ import annotations

import streamlit as st

from sim.case.metrics import SEGMENT_KINDS, label
from sim.export.ledger import ledger_csv, ledger_row
from sim.export.memo import memo_html, memo_markdown
from ui import rooms, state, tables, texts
from ui.decision_form import DecisionEntry, decision_form, entries, latest_entry
from ui.glossary import GLOSSARY_PAGE
from ui.guard import guard, literal
from ui.runs import run_and_report, score_decision, start_design_comparison
from ui.steps import next_step, step_indicator

key = state.run_key()
st.header("Decide")
step_indicator("Decide")
result, report = run_and_report(key)
start_design_comparison(key)  # ready, in most cases, by the time the form is submitted
case = result.scenario
day = state.readout_day(key)
horizon = result.days

st.caption(f"{case.meta.title} · seed {key.seed} · {key.devices:,} devices. Make the call the "
           "data supports; it is scored against the simulator's hidden truth once you submit.")
st.info(texts.READOUT_DAY.format(day=day, horizon=horizon))
for earlier, later in state.extensions(key):
    st.caption(texts.EXTENDED.format(day=earlier, later=later))
submitted = decision_form(case, "decide", day, "Submit the decision", ledger=True,
                          latest_day=horizon)
if submitted is not None:
    decision = submitted.decision
    if decision.extend_to is not None:
        state.record_extension(key, day, decision.extend_to)
        st.rerun()
    with guard(texts.DECISION_INVALID), st.spinner(texts.SCORING):
        entries().append(DecisionEntry(
            key=key, decision=decision, scorecard=score_decision(key, decision),
            ledger=ledger_row(decision, report, result, submitted.data_owned)))

latest = latest_entry(key)
if latest is None:
    st.stop()

decision, card = latest.decision, latest.scorecard
room = rooms.unrevealed_room_for_run()
if room is not None:
    # In a study group the truth stays hidden until the facilitator reveals it for everyone.
    st.info(texts.SCORE_AFTER_REVEAL.format(code=room.display_code))
    st.page_link("app_pages/study_group.py", label="Submit it to the study group", icon="👥")
    st.download_button("Memo (Markdown)", memo_markdown(decision, report, case),
                       file_name=f"{key.case_id}-memo.md", mime="text/markdown", on_click="ignore")
    st.stop()
st.divider()
st.subheader(f"Your score: {card.total} / 100")
st.write(card.summary)
left, right = st.columns([1, 1], gap="large")
with left:
    st.markdown(f"**Your call:** {decision.label()} (day {card.decision_day})")
    st.markdown(f"**What the data at day {card.decision_day} supports:** {card.supported_label}")
    st.markdown(f"**The right call (the truth):** {card.right_label}")
    if card.lucky:
        st.warning(texts.LUCKY)
with right:
    st.markdown("**What you missed**")
    missed = [item for item in card.items if item.points < item.max_points]
    for item in missed:
        st.warning(literal(item.explanation))
    if not missed:
        st.success("Nothing: the call the data supports, the right answers, in time.")
tables.show(tables.score_items(card))  # the page's width: the reasons are sentences

st.subheader(texts.DEBRIEF)
debrief = card.debrief
st.markdown(texts.MODEL_ANSWER.format(call=debrief.model_call))
st.write(debrief.model_answer)
if debrief.variant:
    st.caption(texts.MODEL_ANSWER_VARIANT.format(number=debrief.variant))
st.success(texts.NEXT_TIME.format(advice=debrief.next_time))
if debrief.what_mattered:
    st.markdown(texts.WHAT_MATTERED)
    for line in debrief.what_mattered:
        st.markdown(f"- {literal(line)}")
st.markdown(texts.TRUTH_VS_READOUT.format(metric=label(case.experiment.primary_metric),
                                          day=card.decision_day))
tables.show(tables.debrief_segments(card))
st.markdown(texts.QUESTIONS_GRADED)
tables.show(tables.question_table(card))
st.markdown(texts.DESIGNS_COMPARED)
st.caption(card.design.reading)
if card.design.designs:
    tables.show(tables.design_table(card))
if debrief.trap_tags or debrief.trap_objectives or debrief.trap_knobs:
    st.markdown(texts.TRAPS)
    for line in (*debrief.trap_objectives,
                 *(texts.TRAP_KNOB.format(label=shown, real=real)
                   for shown, real in debrief.trap_knobs)):
        st.markdown(f"- {literal(line)}")
    if debrief.trap_tags:
        st.caption(texts.TRAP_TAGS.format(tags=", ".join(debrief.trap_tags)))
primary = case.experiment.primary_metric
with st.expander(texts.TRUTH_TITLE.format(metric=label(primary))):
    tables.show(tables.truth_by_segment(result.truth, primary,
                                        {kind: case.segment_names(kind) for kind in SEGMENT_KINDS}))
st.page_link(GLOSSARY_PAGE, label=texts.GLOSSARY_LINK, icon="📖")

markdown = memo_markdown(decision, report, case, scorecard=card, result=result)
with st.expander("Memo preview", expanded=True):
    st.markdown(markdown)
downloads = st.columns(3)
downloads[0].download_button("Memo (Markdown)", markdown, file_name=f"{key.case_id}-memo.md",
                             mime="text/markdown", on_click="ignore")
# Drawn on the server when clicked (vl-convert renders the charts), not on every rerun.
downloads[1].download_button("Memo (HTML with charts)",
                             lambda: memo_html(decision, report, case, scorecard=card,
                                               result=result),
                             file_name=f"{key.case_id}-memo.html", mime="text/html",
                             on_click="ignore")
downloads[2].download_button(
    "Impact ledger (CSV)",
    ledger_csv([entry.ledger for entry in entries()]),
    file_name="impact-ledger.csv", mime="text/csv", on_click="ignore")
next_step("Decide")
