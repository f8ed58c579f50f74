"""The app renders and runs the default case without an exception (Streamlit AppTest)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def test_app_lists_cases_and_runs_the_default_case():
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    app.run()
    assert not app.exception
    assert app.title[0].value == "Launch Room"
    assert len(app.sidebar.selectbox[0].options) >= 2
    app.sidebar.select_slider[0].set_value(10_000)
    app.button[0].click().run()
    assert not app.exception
    assert [m.label for m in app.metric][:2] == ["Devices", "Installed (treatment)"]
    assert app.metric[0].value == "10,000"
