"""The decision form (the Decide page and the Study group page use the same one), and the
decisions this session made.

The call, its segments and an extend's later day sit above the form, so those pickers
appear only when they apply; the rest - the lift, the interviewer's questions, the memo - is
one form with one submit button. What a person decided is kept in
``st.session_state["decisions"]`` as frozen :class:`DecisionEntry` records, newest last.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from sim import LaunchRoomError, Scenario, messages
from sim.case.metrics import SEGMENT_KINDS, SEGMENT_LABELS, label
from sim.decide import CALL_LABELS, Decision, Scorecard
from sim.decide.decision import MEMO_MAX_CHARS
from sim.decide.questions import NO_SEGMENT
from sim.decide.rule import EXTEND_DAYS
from sim.export.ledger import DEFAULT_DATA_OWNED, LedgerRow
from sim.limits import MAX_DAYS
from ui import glossary, texts
from ui.guard import literal
from ui.state import RunKey

LIFT_LIMITS_PCT = (-100.0, 1000.0)
"""The expected lift a person may type, in percent (a Decision allows -1 to 10)."""


@dataclass(frozen=True)
class DecisionEntry:
    """A decision this session made on one run, its score and its impact-ledger row."""

    key: RunKey
    decision: Decision
    scorecard: Scorecard
    ledger: LedgerRow


@dataclass(frozen=True)
class FormInput:
    """What the form returned: the validated decision and the pipeline the person owned."""

    decision: Decision
    data_owned: str


def entries() -> list[DecisionEntry]:
    """Every decision this session made, oldest first."""
    return st.session_state.setdefault("decisions", [])


def latest_entry(key: RunKey) -> DecisionEntry | None:
    """The newest decision this session made on the run ``key``, if any."""
    return next((entry for entry in reversed(entries()) if entry.key == key), None)


def decision_form(case: Scenario, form_key: str, day: int, submit_label: str,
                  defaults: Decision | None = None, ledger: bool = False,
                  latest_day: int | None = None) -> FormInput | None:
    """Draw the decision form; return the validated decision once submitted, else ``None``.

    ``day`` is the decision day: the day the readout is through (the form shows it, and an
    extend names a later day to decide again). The interviewer's questions of the case come
    with the call (:mod:`sim.decide.questions`). ``defaults`` prefills the call and lift;
    ``ledger`` asks for the data pipeline the person owned (for the impact ledger);
    ``latest_day`` is the last day the run has data for (an extend cannot look past it). An
    invalid decision shows its one-line message and returns ``None``.
    """
    calls = list(CALL_LABELS)
    call = st.radio("Your call", calls, format_func=lambda c: CALL_LABELS[c].capitalize(),
                    captions=[glossary.term(c).help for c in calls], key=f"{form_key}::call",
                    index=calls.index(defaults.call) if defaults else 0,
                    help=texts.CALL_HELP.format(link=glossary.group_link(glossary.CALLS)))
    kind = segments = extend_to = None
    if call == "ship_segments":
        kind = st.selectbox("Segments of", list(SEGMENT_KINDS), format_func=SEGMENT_LABELS.get,
                            key=f"{form_key}::kind",
                            index=SEGMENT_KINDS.index(defaults.segment_kind)
                            if defaults and defaults.segment_kind else 0)
        names = case.segment_names(kind)
        picked = [s for s in (defaults.segments if defaults else ()) if s in names]
        segments = st.multiselect("Segments to ship to", list(names), default=picked,
                                  key=f"{form_key}::segments::{kind}")
    if call == "extend":
        last = MAX_DAYS if latest_day is None else latest_day
        if day >= last:
            st.info(texts.NO_MORE_DATA.format(day=last))
        else:
            extend_to = st.number_input(texts.EXTEND_TO, min_value=day + 1, max_value=last,
                                        value=min(day + EXTEND_DAYS, last),
                                        key=f"{form_key}::extend_to", help=texts.EXTEND_TO_HELP)
    with st.form(f"{form_key}::form"):
        st.markdown(texts.DECISION_DAY.format(day=day))
        expected = st.number_input(
            f"Expected relative lift of {case.experiment.primary_metric} where you ship (%)",
            min_value=LIFT_LIMITS_PCT[0], max_value=LIFT_LIMITS_PCT[1], step=0.5,
            value=100 * defaults.expected_lift if defaults else 0.0, key=f"{form_key}::expected",
            help=texts.EXPECTED_HELP)
        st.markdown(texts.QUESTIONS_TITLE)
        answers = question_widgets(case, form_key)
        data_owned = (st.text_input("Data pipeline you owned (for the impact ledger)",
                                    value=DEFAULT_DATA_OWNED, max_chars=120,
                                    key=f"{form_key}::owned")
                      if ledger else DEFAULT_DATA_OWNED)
        memo = st.text_area("Memo", max_chars=MEMO_MAX_CHARS, key=f"{form_key}::memo",
                            value=defaults.memo if defaults else "",
                            placeholder="The call, the evidence, the risks, and what you would "
                                        "do next.")
        submitted = st.form_submit_button(submit_label, type="primary")
    if not submitted:
        return None
    try:
        decision = Decision.from_dict({
            "call": call, "segment_kind": kind, "segments": tuple(segments or ()),
            "expected_lift": expected / 100, "decision_day": int(day), "memo": memo,
            "answers": answers(), "extend_to": None if extend_to is None else int(extend_to),
        }).check_segments(case)
    except LaunchRoomError as error:
        st.error(literal(texts.DECISION_INVALID.format(error=error)))
        return None
    return FormInput(decision, data_owned or DEFAULT_DATA_OWNED)


def question_widgets(case: Scenario, form_key: str):
    """One widget group per interviewer question of the case; returns a function that reads
    them into :class:`~sim.decide.questions.Answers` fields (called after submit)."""
    asked = case.interview.questions
    read = {}
    for question in asked:
        prefix = f"{form_key}::q::{question}"
        st.markdown(f"*{messages.QUESTIONS[question]}*")
        if question == "split":
            left, right = st.columns(2)
            healthy = left.radio("The split is", ["healthy", "broken"], key=f"{prefix}::ok",
                                 horizontal=True, index=None)
            test = right.selectbox("Which test says so", list(messages.SPLIT_TESTS),
                                   format_func=messages.SPLIT_TESTS.get, key=f"{prefix}::test",
                                   index=None, help=glossary.term("srm").help)
            read[question] = (lambda h=healthy, t=test: None if h is None or t is None
                              else {"healthy": h == "healthy", "test": t})
        elif question == "primary_lift":
            unreadable = st.checkbox(texts.LIFT_UNREADABLE, key=f"{prefix}::none")
            columns = st.columns(3)
            values = [column.number_input(name, min_value=LIFT_LIMITS_PCT[0],
                                          max_value=LIFT_LIMITS_PCT[1], step=0.1, value=None,
                                          key=f"{prefix}::{name}", help=texts.LIFT_ANSWER_HELP)
                      for column, name in zip(columns, ("Lift (%)", "95% CI low (%)",
                                                        "95% CI high (%)"), strict=True)]
            read[question] = (lambda u=unreadable, v=values: {"unreadable": True} if u
                              else None if any(x is None for x in v)
                              else {"estimate": v[0] / 100, "low": v[1] / 100,
                                    "high": v[2] / 100})
        elif question == "guardrails":
            picks = {}
            for guardrail in case.experiment.guardrails:
                picks[guardrail.metric] = st.radio(
                    label(guardrail.metric), list(messages.GUARDRAIL_ANSWERS),
                    format_func=messages.GUARDRAIL_ANSWERS.get, horizontal=True, index=None,
                    key=f"{prefix}::{guardrail.metric}")
            read[question] = (lambda p=picks: None if not p or any(v is None for v in p.values())
                              else dict(p))
        elif question == "hurt_segment":
            options = [NO_SEGMENT, *(f"{kind}:{name}" for kind in SEGMENT_KINDS
                                     if len(case.segment_names(kind)) > 1
                                     for name in case.segment_names(kind))]
            pick = st.selectbox("Hurt segment", options, index=None, key=prefix,
                                format_func=_segment_words)
            read[question] = (lambda p=pick: None if p is None else {"segment": NO_SEGMENT}
                              if p == NO_SEGMENT else dict(zip(("kind", "segment"),
                                                               p.split(":"), strict=True)))
        else:
            choices = (messages.MEASUREMENT_ANSWERS if question == "measurement"
                       else messages.NOVELTY_ANSWERS)
            pick = st.radio(messages.QUESTIONS[question], list(choices), index=None,
                            format_func=choices.get, key=prefix, label_visibility="collapsed")
            read[question] = (lambda p=pick: p)

    def answers() -> dict:
        return {question: value for question, reader in read.items()
                if (value := reader()) is not None}

    return answers


def _segment_words(option: str) -> str:
    if option == NO_SEGMENT:
        return texts.NO_SEGMENT_HURT
    kind, name = option.split(":")
    return f"{name} ({SEGMENT_LABELS[kind].lower()})"
