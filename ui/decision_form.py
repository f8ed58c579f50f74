"""The decision form (the Decide page and the Study group page use the same one), and the
decisions this session made.

The call and its segments sit above the form, so the segment pickers appear only for a
segment call; the rest is one form with one submit button. What a person decided is kept in
``st.session_state["decisions"]`` as frozen :class:`DecisionEntry` records, newest last.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from sim import LaunchRoomError, Scenario
from sim.case.metrics import SEGMENT_KINDS, SEGMENT_LABELS
from sim.decide import CALL_LABELS, CHECKS, Decision, Scorecard
from sim.decide.decision import MEMO_MAX_CHARS
from sim.export.ledger import DEFAULT_DATA_OWNED, LedgerRow
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


def decision_form(case: Scenario, form_key: str, days: int, submit_label: str,
                  defaults: Decision | None = None, ledger: bool = False) -> FormInput | None:
    """Draw the decision form; return the validated decision once submitted, else ``None``.

    ``days`` is the last decision day the run allows; ``defaults`` prefills the fields;
    ``ledger`` asks for the data pipeline the person owned (for the impact ledger). An invalid
    decision shows its one-line message and returns ``None``.
    """
    calls = list(CALL_LABELS)
    call = st.radio("Your call", calls, format_func=lambda c: CALL_LABELS[c].capitalize(),
                    captions=[glossary.term(c).help for c in calls], key=f"{form_key}::call",
                    index=calls.index(defaults.call) if defaults else 0,
                    help=texts.CALL_HELP.format(link=glossary.group_link(glossary.CALLS)))
    kind = segments = None
    if call == "ship_segments":
        kind = st.selectbox("Segments of", list(SEGMENT_KINDS), format_func=SEGMENT_LABELS.get,
                            key=f"{form_key}::kind",
                            index=SEGMENT_KINDS.index(defaults.segment_kind)
                            if defaults and defaults.segment_kind else 0)
        names = case.segment_names(kind)
        picked = [s for s in (defaults.segments if defaults else ()) if s in names]
        segments = st.multiselect("Segments to ship to", list(names), default=picked,
                                  key=f"{form_key}::segments::{kind}")
    with st.form(f"{form_key}::form"):
        expected = st.number_input(
            f"Expected relative lift of {case.experiment.primary_metric} where you ship (%)",
            min_value=LIFT_LIMITS_PCT[0], max_value=LIFT_LIMITS_PCT[1], step=0.5,
            value=100 * defaults.expected_lift if defaults else 0.0, key=f"{form_key}::expected",
            help=texts.EXPECTED_HELP)
        checks = st.multiselect("Evidence you relied on", list(CHECKS), key=f"{form_key}::checks",
                                default=list(defaults.checks) if defaults else [],
                                format_func=lambda c: glossary.term(c).name,
                                help=texts.EVIDENCE_HELP.format(items="; ".join(
                                    f"**{glossary.term(c).name}**: {glossary.term(c).help}"
                                    for c in CHECKS)))
        day = st.number_input("Decision day", min_value=1, max_value=days,
                              value=min(defaults.decision_day if defaults
                                        else case.experiment.decision_day, days),
                              key=f"{form_key}::day", help=texts.DECISION_DAY_HELP)
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
            "expected_lift": expected / 100, "checks": tuple(checks),
            "decision_day": int(day), "memo": memo,
        }).check_segments(case)
    except LaunchRoomError as error:
        st.error(literal(texts.DECISION_INVALID.format(error=error)))
        return None
    return FormInput(decision, data_owned or DEFAULT_DATA_OWNED)
