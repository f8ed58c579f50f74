"""Learn -> Drills in AppTest: the gate drill from the session's own run, a wrong answer and a
right one, and the worked solution."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from sim import simulate
from sim.case.library import load_case
from sim.readout.drills import gate_drill
from tests.conftest import ROOT

APP = str(ROOT / "streamlit_app.py")


def test_the_gate_drill_checks_the_answer_against_the_run():
    app = AppTest.from_file(APP, default_timeout=180)
    app.query_params.update(case="aa_test", seed="4", devices="50000")
    app.run()
    app.switch_page("app_pages/drills.py").run()
    assert any("Run the fleet first" in i.body for i in app.info)
    app.switch_page("app_pages/run.py").run()
    app.button[0].click().run()
    app.switch_page("app_pages/drills.py").run()
    assert not app.exception
    drill = gate_drill(simulate(load_case("aa_test"), seed=4, devices=50_000))
    app.number_input(key="drill::gate").set_value(50.0)
    app.button(key="drill::gate::check").click().run()
    assert any("Not quite" in e.body for e in app.error)
    assert [t.value for t in app.text][1:] == list(drill.solution())
    assert app.text[0].value == drill.question()
    app.number_input(key="drill::gate").set_value(round(100 * drill.answer.chance, 3))
    app.button(key="drill::gate::check").click().run()
    assert any(s.body.startswith("Right") for s in app.success)
