"""Decide: make the call, name the evidence, write the memo; then see it scored against the truth."""

from __future__ import annotations

import streamlit as st

from sim.decision import CALL_LABELS, CHECKS, Decision
from sim.memo import ledger_csv, ledger_row, memo_html, memo_markdown
from sim.scorecard import score
from ui import rooms, state, tables, texts
from ui.guard import guard
from ui.runs import run_and_report

SEGMENT_KINDS = {"chip_tier": "Chip tier", "device_type": "Device type", "region": "Region"}

key = state.run_key()
case_id, _, seed, devices = key
st.header("Decide")
result, report = run_and_report(key)
case = result.scenario
names = {"chip_tier": case.fleet.tier_names(), "device_type": tuple(case.fleet.device_types),
         "region": tuple(r.name for r in case.fleet.regions)}

st.caption(f"{case.meta.title} · seed {seed} · {devices:,} devices. Make the call the data "
           "supports; it is scored against the simulator's hidden truth once you submit.")
call = st.radio("Your call", list(CALL_LABELS), format_func=lambda c: CALL_LABELS[c].capitalize(),
                horizontal=True)
kind = segments = None
if call == "ship_segments":
    kind = st.selectbox("Segments of", list(SEGMENT_KINDS), format_func=SEGMENT_KINDS.get)
    segments = st.multiselect("Segments to ship to", list(names[kind]))
with st.form("decision"):
    expected = st.number_input(
        f"Expected relative lift of {case.experiment.primary_metric} where you ship (%)",
        min_value=-100.0, max_value=1000.0, value=0.0, step=0.5)
    checks = st.multiselect("Evidence you relied on", list(CHECKS))
    decision_day = st.number_input("Decision day", min_value=1, max_value=result.days,
                                   value=min(case.experiment.decision_day, result.days))
    data_owned = st.text_input("Data pipeline you owned (for the impact ledger)",
                               value="device telemetry pipeline", max_chars=120)
    memo = st.text_area("Memo", max_chars=5_000,
                        placeholder="The call, the evidence, the risks, and what you would do next.")
    submitted = st.form_submit_button("Submit the decision", type="primary")

if submitted:
    with guard(texts.DECISION_INVALID):
        decision = Decision.from_dict({
            "call": call, "segment_kind": kind, "segments": tuple(segments or ()),
            "expected_lift": expected / 100, "checks": tuple(checks),
            "decision_day": int(decision_day), "memo": memo,
        })
        decision.check_segments(case)
        card = score(decision, result, report)
        st.session_state["decisions"].append({
            "key": key, "decision": decision, "scorecard": card,
            "ledger": ledger_row(decision, report, result, data_owned or "device telemetry pipeline"),
        })

latest = next((entry for entry in reversed(st.session_state["decisions"])
               if entry.get("key") == key), None)
if latest is None:
    st.stop()

decision, card = latest["decision"], latest["scorecard"]
room = rooms.unrevealed_room_for_run()
if room is not None:
    # In a study group the truth stays hidden until the facilitator reveals it for everyone.
    st.info(texts.SCORE_AFTER_REVEAL.format(code=room.display_code))
    st.page_link("app_pages/study_group.py", label="Submit it to the study group", icon="👥")
    st.download_button("Memo (Markdown)", memo_markdown(decision, report, case),
                       file_name=f"{case_id}-memo.md", mime="text/markdown", on_click="ignore")
    st.stop()
st.divider()
st.subheader(f"Your score: {card.total} / 100")
st.write(card.summary)
left, right = st.columns([1, 1], gap="large")
with left:
    st.markdown(f"**Your call:** {decision.label()}")
    st.markdown(f"**The right call:** {card.right_label}")
    st.dataframe(tables.score_items(card), hide_index=True)
with right:
    st.markdown("**What you missed**")
    missed = [item for item in card.items if item.points < item.max_points]
    for item in missed:
        st.warning(item.explanation)
    if not missed:
        st.success("Nothing: the right call, on the right evidence, in time.")
st.markdown(f"**The truth: {case.experiment.primary_metric} per segment**")
st.dataframe(tables.truth_by_segment(result.truth, case.experiment.primary_metric),
             hide_index=True)

markdown = memo_markdown(decision, report, case, scorecard=card, result=result)
with st.expander("Memo preview", expanded=True):
    st.markdown(markdown)
downloads = st.columns(3)
downloads[0].download_button("Memo (Markdown)", markdown, file_name=f"{case_id}-memo.md",
                             mime="text/markdown", on_click="ignore")
downloads[1].download_button("Memo (HTML with charts)",
                             memo_html(decision, report, case, scorecard=card, result=result),
                             file_name=f"{case_id}-memo.html", mime="text/html",
                             on_click="ignore")
downloads[2].download_button(
    "Impact ledger (CSV)",
    ledger_csv([entry["ledger"] for entry in st.session_state["decisions"]]),
    file_name="impact-ledger.csv", mime="text/csv", on_click="ignore")
