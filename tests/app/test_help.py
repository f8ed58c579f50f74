"""Every number is explained where it appears: each table column and each metric card on the
practice pages has a header in words and a help, and every help's glossary link lands on an
entry of the Glossary page."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from sim.case.metrics import METRICS
from sim.decide import CALL_LABELS, CHECKS
from tests.conftest import ROOT
from ui import glossary

APP = str(ROOT / "streamlit_app.py")
IDENTIFIER = re.compile(r"^[a-z]+(_[a-z]+)+$")  # p_holm, n_control: not words


def _ran(case: str, devices: int = 10_000) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=180)
    app.query_params["case"] = case
    app.query_params["devices"] = str(devices)
    app.run()
    app.switch_page("app_pages/run.py").run()
    app.button[0].click().run()
    assert not app.exception
    return app


def _decided(case: str) -> AppTest:
    app = _ran(case)
    app.switch_page("app_pages/decide.py").run()
    app.radio[0].set_value("extend").run()  # on the run's last day: scored as it stands
    app.text_area[0].input("Wait a week.")
    app.button[0].click().run()
    assert not app.exception and not app.error
    assert any(s.value.startswith("Your score") for s in app.subheader)
    return app


def _unexplained(app: AppTest) -> list[str]:
    """Every table column and metric card without a help or with an identifier as header."""
    problems = []
    for table in app.dataframe:
        config = json.loads(table.proto.columns or "{}")
        for column in table.value.columns:
            entry = config.get(str(column), {})
            header = entry.get("label") or str(column)
            if not entry.get("help"):
                problems.append(f"column {column!r} has no help")
            if IDENTIFIER.match(header):
                problems.append(f"column {column!r} is headed by an identifier: {header!r}")
    for card in app.metric:
        if not card.proto.help:
            problems.append(f"metric {card.label!r} has no help")
    return problems


@pytest.mark.parametrize("case", ["camera_night_mode", "firmware_drift",
                                  "household_interference"])
def test_every_column_and_metric_on_analyse_has_help(case):
    app = _ran(case)
    app.switch_page("app_pages/analyse.py").run()
    assert not app.exception and not app.error
    assert len(app.dataframe) >= 2 and len(app.metric) >= 6  # the tables and cards are there
    assert _unexplained(app) == []


def test_every_column_and_metric_on_decide_has_help():
    app = _decided("camera_night_mode")
    # The scorecard, the truth beside the readout, the questions, the designs and the truth.
    assert len(app.dataframe) == 5
    assert _unexplained(app) == []


def test_the_other_practice_pages_explain_their_columns_and_cards_too():
    app = _ran("camera_night_mode")
    assert _unexplained(app) == []  # Run: the timeline and the rollout cards
    app.switch_page("app_pages/design.py").run()
    assert _unexplained(app) == []


def test_the_glossary_defines_every_call_check_and_metric():
    for key in (*CALL_LABELS, *CHECKS, *METRICS):
        term = glossary.term(key)
        assert term.help and term.example, key
        assert len(term.help) <= 260, f"{key}: a help is one line"
    assert glossary.term("sessions").name == METRICS["sessions"].label  # from the catalogue


def test_the_glossary_page_has_an_entry_for_every_link():
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.switch_page("app_pages/glossary.py").run()
    assert not app.exception
    anchors = {s.proto.anchor for s in app.subheader} | {h.proto.anchor for h in app.header}
    assert set(glossary.TERMS) <= anchors
    assert {glossary.group_anchor(group) for group in glossary.GROUPS} <= anchors
    for key in glossary.TERMS:
        target = re.search(r"\]\(([^)]+)\)", glossary.help_text(key)).group(1)
        assert target == f"{glossary.GLOSSARY_PATH}#{key}"
    # Finding a term narrows the page to it.
    app.text_input(key="glossary_find").input("Holm").run()
    assert {s.value for s in app.subheader} >= {"p (Holm-adjusted)"}
    assert "Kaplan-Meier curve" not in {s.value for s in app.subheader}


def test_calls_are_defined_and_the_questions_asked_in_the_decision_form():
    from sim import messages

    app = _ran("camera_night_mode")
    app.switch_page("app_pages/decide.py").run()
    call = app.radio[0]
    assert list(call.proto.captions) == [glossary.term(c).help for c in CALL_LABELS]
    asked = {m.value.strip("*") for m in app.markdown}
    case = app.session_state["case_id"]
    from sim import load_scenario
    from tests.conftest import CASES

    questions = load_scenario(CASES / f"{case}.toml").interview.questions
    assert {messages.QUESTIONS[q] for q in questions} <= asked
    assert not [m for m in app.multiselect if m.label == "Evidence you relied on"]


def test_the_check_itself_flags_a_bare_table_and_card():
    def bare_page():
        import pandas as pd
        import streamlit as st

        st.dataframe(pd.DataFrame({"p_holm": [0.1], "n_control": [3]}),
                     column_config={"n_control": st.column_config.NumberColumn(
                         "devices in control", help="How many.")})
        st.metric("SRM p-value", "0.5")

    problems = _unexplained(AppTest.from_function(bare_page).run())
    assert problems == ["column 'p_holm' has no help",
                        "column 'p_holm' is headed by an identifier: 'p_holm'",
                        "metric 'SRM p-value' has no help"]
