"""The Learn page (metric lab) in AppTest: every demo renders, and "run more" doubles the runs.

The demos run with small fleets and few replications here (the page's statistics are the
sweep's, tested in tests/test_sweep.py and tests/test_lab.py); the browser test in
tests/e2e/test_learn.py renders them at their real sizes.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from sim.sweeps import lab
from tests.conftest import ROOT

APP = str(ROOT / "streamlit_app.py")
PAGE = "app_pages/learn.py"


def _learn() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=180).run()
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def _charts(app: AppTest) -> list:
    return app.get("vega_lite_chart")


def test_the_learn_page_renders_every_demo_with_a_chart_and_its_explanation(small_demos):
    app = _learn()
    assert app.header[0].value == "Metric lab"
    assert app.radio(key="lab_demo").options == [demo.title for demo in small_demos.values()]
    for key, demo in small_demos.items():
        app.radio(key="lab_demo").set_value(key).run()
        assert not app.exception, (key, app.exception)
        assert not app.error, (key, [e.body for e in app.error])
        assert [s.value for s in app.subheader] == [demo.title]
        assert len(_charts(app)) == (2 if key == "simpson" else 1), key
        text = " ".join(m.value for m in app.markdown)
        assert "%" in text or "sessions" in text, (key, text)
        runs = demo.runs
        assert any(f"{runs:,} replications per setting" in c.value for c in app.caption), key
        assert app.button(key=f"lab_more_{key}").label.startswith(f"Run more replications ({runs}")


def test_run_more_replications_doubles_the_count_and_keeps_the_first_runs(small_demos):
    app = _learn()
    app.radio(key="lab_demo").set_value("cuped").run()
    assert app.session_state["lab_runs::cuped"] == 4
    app.button(key="lab_more_cuped").click().run()
    assert not app.exception, app.exception
    assert app.session_state["lab_runs::cuped"] == 8
    assert any("8 replications per setting (8 simulated fleets" in c.value for c in app.caption)
    assert app.button(key="lab_more_cuped").label == "Run more replications (8 → 16)"
    # The first block came from the cache and the rows are the 8-run sweep's, in order.
    frame = lab.combine([
        lab.run_demo("cuped", range(0, 4), workers=1),
        lab.run_demo("cuped", range(4, 8), workers=1),
    ])
    assert frame["run"].tolist() == list(range(8))
    whole = lab.run_demo("cuped", range(8), workers=1)
    assert frame.equals(whole)


def test_the_count_stops_doubling_at_its_cap(small_demos):
    app = _learn()
    app.radio(key="lab_demo").set_value("srm").run()
    app.session_state["lab_runs::srm"] = 4 * 2**4
    app.run()
    assert not app.exception, app.exception
    assert not [b for b in app.button if b.key == "lab_more_srm"]
    assert any("as many replications as this page runs" in c.value for c in app.caption)
