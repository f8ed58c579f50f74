"""Interview: a timed case with an interviewer - the prompt, clarifying questions, the design,
the readout at the decision day, the call, follow-ups chosen from the readout, and a rubric.
Hints cost points. The steps' logic is in sim.decide.interview, followups and rubric."""

from __future__ import annotations

import time

import streamlit as st

from sim.decide.followups import choose, signals
from sim.decide.interview import (
    CLARIFYING,
    HINT_LEVELS,
    LENGTHS,
    STEPS,
    clarifying_answer,
    hint,
    suggested_length,
)
from sim.decide.rubric import HINT_COST, InterviewAnswers, rubric
from sim.decide.scorecard import days_to_ship
from sim.rooms.history import attempts_csv, practise_next, trend
from ui import countdown, interview, rooms, state, tables, texts, widgets
from ui.decision_form import decision_form
from ui.guard import guard, literal
from ui.runs import analyse_case, remember_run, run_case, score_decision

st.header(texts.INTERVIEW)
session = interview.current()
key = state.run_key()
with guard():
    case = state.current_case()
step = session["step"]


def hint_button(name: str) -> None:
    """The step's hints taken so far, and a button for the next one."""
    for level in range(interview.hints_taken(name)):
        st.info(literal(hint(name, level, case)), icon=":material/lightbulb:")
    if interview.hints_taken(name) < len(HINT_LEVELS):
        st.button(texts.INTERVIEW_HINT.format(cost=HINT_COST), key=f"interview::hint::{name}",
                  on_click=interview.take_hint, args=(name,), icon=":material/lightbulb:")


def next_button(label: str = texts.INTERVIEW_NEXT) -> None:
    st.button(label, key=f"interview::next::{step}", type="primary", on_click=interview.advance)


if step == "prompt":
    st.caption(texts.INTERVIEW_INTRO)
    st.button(texts.INTERVIEW_SURPRISE, on_click=interview.surprise_me, icon=":material/casino:")
    st.radio(texts.INTERVIEW_LENGTH, LENGTHS, index=LENGTHS.index(suggested_length(case)),
                      format_func=lambda m: f"{m} minutes", horizontal=True,
                      key=interview.LENGTH_KEY)
    st.caption(texts.INTERVIEW_SUGGESTED.format(minutes=suggested_length(case)))
    with st.container(border=True):
        st.subheader(case.meta.title)
        st.markdown(case.meta.brief)
    st.button(texts.INTERVIEW_START, type="primary", on_click=interview.start)
    st.stop()

interview.enforce_clock()
step = session["step"]
running = interview.clock()


if step != "rubric":  # finished: the rubric shows the time used, not a clock still running
    countdown.countdown(texts.INTERVIEW_CLOCK, running.remaining(time.time()),
                        texts.INTERVIEW_CLOCK_HELP.format(minutes=running.minutes), "interview")
if step in ("clarify", "design", "readout"):  # at time-out these go to the call
    countdown.rerun_when_time_is_up(running)
st.caption(texts.INTERVIEW_STEP.format(number=STEPS.index(step), total=len(STEPS) - 1,
                                       step=texts.INTERVIEW_STEPS[step]))
with st.expander(texts.INTERVIEW_PROMPT_AGAIN.format(title=case.meta.title)):
    st.markdown(case.meta.brief)
if session["timed_out"] and step == "call":
    st.warning(texts.INTERVIEW_TIME_UP)

if step == "clarify":
    st.markdown(texts.INTERVIEW_CLARIFY)
    for question in CLARIFYING:
        if question in session["clarifying"]:
            st.markdown(f"**{texts.CLARIFY_LABELS[question]}**")
            st.text(clarifying_answer(case, question))
        else:
            st.button(texts.CLARIFY_LABELS[question], key=f"interview::ask::{question}",
                      on_click=interview.ask, args=(question,))
    hint_button("clarify")
    next_button()
elif step == "design":
    st.markdown(texts.INTERVIEW_DESIGN)
    base = state.case_variant(key.case_id, key.variant)
    widgets.knob_widgets(key.case_id, base, case)
    session["design_reason"] = st.text_area(texts.INTERVIEW_WHY, value=session["design_reason"],
                                            key="interview::why", max_chars=2_000)
    hint_button("design")
    next_button(texts.INTERVIEW_RUN)
elif step in ("readout", "call", "followups", "rubric"):
    with guard(), st.spinner(texts.INTERVIEW_RUNNING):
        result = run_case(key)
        remember_run(key)
        day = state.readout_day(key)
        report = analyse_case(key, day)
    if step == "readout":
        st.markdown(texts.INTERVIEW_READOUT.format(day=day))
        for line in (report.reading, report.completeness.reading):
            st.text(line)
        tables.show(tables.lift_table(report.metrics, report.cuped, report.guardrails))
        primary = report.primary_metric
        if primary in report.cuped:  # the table's adjusted number, in words
            st.text(report.cuped[primary].reading)
        for guardrail in report.guardrails.values():
            st.text(guardrail.reading)
        for kind, lifts in report.segments.items():
            st.caption(texts.INTERVIEW_SEGMENTS.format(kind=kind.replace("_", " ")))
            tables.show(tables.segment_table(lifts, case.segment_names(kind)))
        for extra in (report.drift, report.novelty):
            if extra is not None:
                st.text(extra.reading)
        hint_button("readout")
        next_button(texts.INTERVIEW_TO_CALL)
    elif step == "call":
        hint_button("call")
        submitted = decision_form(case, "interview", day, texts.INTERVIEW_CALL,
                                  latest_day=day)
        if submitted is not None:
            decision = submitted.decision
            with guard(texts.DECISION_INVALID), st.spinner(texts.SCORING):
                session["scorecard"] = score_decision(key, decision)
            session["decision"] = decision
            session["followups"] = choose(signals(report, days_to_ship(decision, result)))
            session["step"] = "followups"
            st.rerun()
    elif step == "followups":
        st.markdown(texts.INTERVIEW_FOLLOWUPS)
        for index, followup in enumerate(session["followups"]):
            st.markdown(f"**{literal(followup.question)}**")
            session["answers"][followup.id] = st.text_area(
                texts.INTERVIEW_ANSWER, value=session["answers"].get(followup.id, ""),
                key=f"interview::followup::{index}", max_chars=2_000)
        hint_button("followups")
        next_button(texts.INTERVIEW_FINISH)
    else:
        if session["finished_at"] is None:
            session["finished_at"] = time.time()
        decision, card = session["decision"], session["scorecard"]
        sheet = rubric(decision, card, report, case, InterviewAnswers(
            tuple(session["clarifying"]), session["design_reason"], tuple(session["hints"])))
        st.subheader(texts.INTERVIEW_SCORE.format(total=sheet.total))
        st.caption(texts.INTERVIEW_USED.format(
            used=running.used_minutes(session["finished_at"]), minutes=running.minutes))
        tables.show_wrapped(tables.rubric_table(sheet))
        if sheet.hints:
            st.warning(literal(texts.INTERVIEW_HINTS_TAKEN.format(
                hints=interview.hint_words(sheet.hints), cost=sheet.hint_cost)))
        st.markdown(texts.MODEL_ANSWER.format(call=card.debrief.model_call))
        st.write(card.debrief.model_answer)
        st.markdown(texts.INTERVIEW_YOUR_FOLLOWUPS)
        for followup in session["followups"]:
            # Plain text: the person's own words are shown whole and never read as Markdown.
            st.text(followup.question)
            st.text(session["answers"].get(followup.id) or texts.NO_ANSWER)
            if followup.evidence:
                st.caption(literal(texts.READOUT_SAID.format(fact=followup.evidence)))
        st.subheader(texts.HISTORY)
        name = st.text_input(texts.HISTORY_NAME, key=interview.NAME_KEY, max_chars=40)
        st.button(texts.HISTORY_KEEP, on_click=interview.keep_attempt,
                  args=(key.case_id, key.variant, sheet), disabled=session["kept"] or not name)
        rooms.show_notes()
        with guard(texts.HISTORY_FAILED):
            attempts = interview.history(name)
        if attempts:
            st.caption(texts.HISTORY_LAST.format(count=len(attempts)))
            tables.show(tables.attempts_table(attempts))
            st.line_chart(trend(attempts).set_index("attempt"), y_label=texts.HISTORY_SHARE)
            weakest = practise_next(attempts)
            if weakest is not None:
                st.info(texts.HISTORY_NEXT.format(line=texts.RUBRIC_LINES[weakest]))
            st.download_button(texts.HISTORY_CSV, attempts_csv(attempts),
                               file_name="interview-attempts.csv", mime="text/csv",
                               on_click="ignore")
        st.button(texts.INTERVIEW_AGAIN, on_click=interview.restart)
