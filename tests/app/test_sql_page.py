"""The SQL workbench page in AppTest: needs a run, runs an example, shows refusals as text."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "streamlit_app.py")
PAGE = "app_pages/sql.py"


def _workbench(run: bool = True) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=180)
    app.query_params["devices"] = "10000"
    app.run()
    if run:
        app.switch_page("app_pages/run.py").run()
        app.button[0].click().run()
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def test_the_page_asks_for_a_run_first():
    app = _workbench(run=False)
    assert any("Run the fleet first" in info.body for info in app.info)
    assert not app.text_area


def test_an_example_query_runs_and_shows_its_rows():
    app = _workbench()
    assert app.header[0].value == "SQL workbench"
    picker = app.selectbox(key="sql_example")
    assert "Duplicate reports" in picker.options and "Late rows by delay" in picker.options
    picker.set_value("Sessions per arm after removing duplicates").run()
    assert "WITH clean AS (SELECT DISTINCT * FROM daily)" in app.text_area(key="sql_text").value
    app.button[0].click().run()
    assert not app.exception and not app.error
    frame = app.dataframe[0].value
    assert frame["arm"].tolist() == ["control", "treatment"]
    assert frame["devices"].sum() > 9_000
    assert any(caption.value.startswith("2 row(s) in") for caption in app.caption)


def test_a_refused_query_is_one_line_shown_as_literal_text():
    app = _workbench()
    app.text_area(key="sql_text").set_value("SELECT * FROM read_csv('/etc/passwd') -- **bold**")
    app.button[0].click().run()
    assert not app.exception
    assert [error.value for error in app.error] == ["The workbench did not run that query:"]
    code = app.code[0].value
    assert code.startswith("read_csv() is not available here") and "\n" not in code
    app.text_area(key="sql_text").set_value("SELECT * FROM truth")
    app.button[0].click().run()
    assert app.code[0].value.startswith("no table 'truth' here")
    assert not app.dataframe or "truth" not in app.dataframe[0].value.columns


def test_the_table_guide_lists_every_table_of_the_run():
    app = _workbench()
    guides = [frame.value for frame in app.dataframe]
    assert len(guides) == 5  # devices, daily, day_arm, timeline, rollout
    assert guides[1]["column"].tolist()[:3] == ["device_id", "day", "received_day"]
