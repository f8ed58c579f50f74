"""Learn -> Drills in AppTest: every drill from the session's own run, a wrong answer and a
right one, and the worked solution."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from sim import simulate
from sim.case.library import load_case
from sim.readout.drills import bayes_drill, gate_drill, markov_drill
from tests.conftest import ROOT

APP = str(ROOT / "streamlit_app.py")


def test_each_drill_checks_the_answer_against_the_run():
    app = AppTest.from_file(APP, default_timeout=180)
    app.query_params.update(case="aa_test", seed="4", devices="50000")
    app.run()
    app.switch_page("app_pages/drills.py").run()
    assert any("Run the fleet first" in i.body for i in app.info)
    app.switch_page("app_pages/run.py").run()
    app.button[0].click().run()
    app.switch_page("app_pages/drills.py").run()
    assert not app.exception
    run = simulate(load_case("aa_test"), seed=4, devices=50_000)
    expected = {"markov": markov_drill(run), "bayes": bayes_drill(run), "gate": gate_drill(run)}
    assert [t.value for t in app.text] == [d.question() for d in expected.values()]
    for name, drill in expected.items():
        app.number_input(key=f"drill::{name}").set_value(99.0)
        app.button(key=f"drill::{name}::check").click().run()
        assert any("Not quite" in e.body for e in app.error), name
        assert all(step in [t.value for t in app.text] for step in drill.solution())
        app.number_input(key=f"drill::{name}").set_value(round(100 * drill.answer_share(), 3))
        app.button(key=f"drill::{name}::check").click().run()
        assert any(s.body.startswith("Right") for s in app.success), name
