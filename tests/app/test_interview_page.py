"""The Interview page in AppTest, step by step: the prompt, clarifying questions answered from
the case, a hint taken (and its cost on the rubric), the design, the readout, the call, the
follow-ups chosen from the readout, the rubric; and the clock running out."""

from __future__ import annotations

import re
import time

from streamlit.testing.v1 import AppTest

from sim import analyse, simulate
from sim.case.library import load_case
from sim.decide.followups import signals, triggered
from sim.readout.report import run_through
from tests.conftest import ROOT

APP = str(ROOT / "streamlit_app.py")
PAGE = "app_pages/interview.py"


def _interview(**query) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=300)
    for name, value in query.items():
        app.query_params[name] = value
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def _button(app: AppTest, label: str):
    matches = [b for b in app.button if b.label.startswith(label)]
    assert matches, f"no button {label!r}; buttons: {[b.label for b in app.button]}"
    return matches[0]


def _clock(app: AppTest) -> str | None:
    """The time left as the page drew it (in a browser its script then counts it down)."""
    for element in app.get("html"):
        shown = re.search(r'role="timer".*data-countdown-value[^>]*>(\d\d:\d\d)<',
                          element.proto.body, re.DOTALL)
        if shown:
            return shown.group(1)
    return None


def _texts(app: AppTest) -> str:
    return " ".join([t.value for t in app.text] + [m.value for m in app.markdown]
                    + [i.body for i in app.info] + [w.body for w in app.warning])


def test_a_whole_interview_step_by_step():
    app = _interview(case="srm_install_failures", devices="20000")
    # The prompt: the brief, a suggested length (difficulty 2: 30 minutes).
    assert app.radio(key="interview::length").value == 30
    assert any("Photo memories" in s.value for s in app.subheader)
    app.radio(key="interview::length").set_value(20)
    _button(app, "Start the interview").click().run()
    assert app.session_state["interview"]["minutes"] == 20
    assert re.fullmatch(r"19:\d\d|20:00", _clock(app))
    # Clarifying questions, answered from the case.
    _button(app, "Which devices get it").click().run()
    _button(app, "What must not get worse").click().run()
    assert "100,000 devices: phone" in _texts(app)
    assert "Crashes per device no worse than 10.0%" in _texts(app)
    # A hint: a nudge, listed and charged at the end.
    _button(app, "Ask for a hint").click().run()
    assert "Ask before you analyse" in _texts(app)
    _button(app, "Next").click().run()
    # The design: the case's design knobs and the reasoning.
    app.text_area(key="interview::why").input("A 400 MB int8 model: memory fits every tier; "
                                              "latency is overnight, battery on the charger.")
    _button(app, "Run the fleet and read out").click().run()
    assert not app.exception
    assert "sample ratio" in _texts(app).lower()
    _button(app, "Make the call").click().run()
    # The call, through the decision form.
    app.radio(key="interview::call").set_value("iterate").run()
    app.text_area[0].input("The split fails the SRM check: fix the rollback bug, then measure "
                           "again.")
    _button(app, "Submit the call").click().run()
    assert not app.exception and not app.error, [e.body for e in app.error]
    # The follow-ups come from this readout: it shows an SRM, so the first one asks about it.
    session = app.session_state["interview"]
    assert session["step"] == "followups"
    case = load_case("srm_install_failures")
    report = analyse(run_through(simulate(case, seed=0, devices=20_000), 28))
    expected = [f.id for f in triggered(signals(report, ship_day=None))]
    assert [f.id for f in session["followups"]][0] == "srm" == expected[0]
    assert any("sample-ratio check" in m.value.replace("\\", "") for m in app.markdown)
    app.text_area(key="interview::followup::0").input("Failed installs went silent in treatment.")
    _button(app, "Finish and see the rubric").click().run()
    assert not app.exception
    heading = next(s.value for s in app.subheader if s.value.startswith("Interview score"))
    # A static table (its reasons wrap rather than being cut), cells escaped for Markdown.
    rubric_table = app.table[-1].value.map(lambda cell: cell.replace("\\", ""))
    assert list(rubric_table["rubric line"]) == [
        "Structure", "Hardware reasoning", "Data quality first", "Statistics",
        "The call and its value", "Speed (30-day rule)", "Communication"]
    assert rubric_table["points"].iloc[0] == "10 / 15"  # two of three clarifying questions
    assert any("Hints taken: a nudge on clarifying questions (−3 points)"
               in w.body.replace("\\", "")
               for w in app.warning)
    assert "/ 100" in heading
    assert _clock(app) is None  # finished: the time used, no clock still counting


def test_the_clock_running_out_sends_the_interview_to_the_call():
    app = _interview(case="aa_test", devices="10000")
    _button(app, "Start the interview").click().run()
    _button(app, "Which metric decides").click().run()
    # Twenty minutes later, still on the clarifying questions:
    app.session_state["interview"]["started"] = time.time() - 21 * 60
    app.run()
    assert not app.exception
    session = app.session_state["interview"]
    assert session["step"] == "call" and session["timed_out"]
    assert any("Time is up" in w.body for w in app.warning)
    assert _clock(app) == "00:00"
    assert app.radio(key="interview::call") is not None  # the call, with what they have


def test_surprise_me_picks_a_case_and_an_unseen_variant():
    app = _interview(case="aa_test", variant="2")
    _button(app, "Surprise me").click().run()
    assert not app.exception
    assert app.session_state["variant"] not in (0, 2)
    assert app.session_state["interview"]["step"] == "prompt"
