"""Decide: make the call, name the evidence, write the memo; then see it scored against the truth."""

from __future__ import annotations

import streamlit as st

from sim.case.metrics import SEGMENT_KINDS, label
from sim.decide import score
from sim.export.ledger import ledger_csv, ledger_row
from sim.export.memo import memo_html, memo_markdown
from ui import rooms, state, tables, texts
from ui.decision_form import DecisionEntry, decision_form, entries, latest_entry
from ui.glossary import GLOSSARY_PAGE
from ui.guard import guard
from ui.runs import run_and_report
from ui.steps import next_step, step_indicator

key = state.run_key()
st.header("Decide")
step_indicator("Decide")
result, report = run_and_report(key)
case = result.scenario

st.caption(f"{case.meta.title} · seed {key.seed} · {key.devices:,} devices. Make the call the "
           "data supports; it is scored against the simulator's hidden truth once you submit.")
submitted = decision_form(case, "decide", result.days, "Submit the decision", ledger=True)
if submitted is not None:
    with guard(texts.DECISION_INVALID):
        entries().append(DecisionEntry(
            key=key, decision=submitted.decision,
            scorecard=score(submitted.decision, result, report),
            ledger=ledger_row(submitted.decision, report, result, submitted.data_owned)))

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
    st.markdown(f"**Your call:** {decision.label()}")
    st.markdown(f"**The right call:** {card.right_label}")
with right:
    st.markdown("**What you missed**")
    missed = [item for item in card.items if item.points < item.max_points]
    for item in missed:
        st.warning(item.explanation)
    if not missed:
        st.success("Nothing: the right call, on the right evidence, in time.")
tables.show(tables.score_items(card))  # the page's width: the reasons are sentences
primary = case.experiment.primary_metric
st.markdown(texts.TRUTH_TITLE.format(metric=label(primary)))
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
