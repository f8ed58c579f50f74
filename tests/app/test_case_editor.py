"""The Case editor (Learn) in AppTest: a bad edit shows its one-line message, a good edit
previews and saves into the server's cases folder (never scenarios/), and the saved case is in
the case list and runs."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from sim.case.library import BLANK_CASE, CASES_FOLDER
from tests.conftest import ROOT

APP = str(ROOT / "streamlit_app.py")
PAGE = "app_pages/case_editor.py"
MY_CASE = BLANK_CASE.read_text(encoding="utf-8").replace(
    'id = "my_case"', 'id = "editor_case"').replace('title = "My case"',
                                                      'title = "Made in the editor"')


@pytest.fixture(autouse=True)
def _throwaway_folders(monkeypatch, tmp_path):
    monkeypatch.delenv("LAUNCHROOM_DB_URL", raising=False)
    monkeypatch.delenv("LAUNCHROOM_CASES", raising=False)
    monkeypatch.setenv("LAUNCHROOM_DB", str(tmp_path / "rooms.db"))
    return tmp_path / "cases"  # beside the rooms database


def _session(page: str = PAGE, **query) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=240)
    for name, value in query.items():
        app.query_params[name] = value
    app.run()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def _button(app: AppTest, label: str):
    matches = [b for b in app.button if b.label == label]
    assert matches, f"no button {label!r}; buttons: {[b.label for b in app.button]}"
    return matches[0]


def test_the_editor_starts_from_the_blank_template_which_is_valid():
    app = _session()
    assert app.header[0].value == "Case editor"
    assert 'id = "my_case"' in app.text_area(key="case_editor_text").value
    assert [s.value.replace("\\", "") for s in app.success] == ["Valid case: my_case (My case)."]
    assert not app.error


@pytest.mark.parametrize("edit, message", [
    (lambda text: text.replace("size = 100_000", 'size = "big"'),
     "case.toml: fleet.size: Input should be a valid integer"),
    (lambda text: text.replace("[fleet]", "[fleet"), "case.toml: not valid TOML"),
    (lambda text: text.replace("treatment_share = 0.5", "treatment_share = 0.5\nshare = 1"),
     "case.toml: experiment.share: unknown key; allowed here:"),
    (lambda text: text.replace('id = "my_case"', 'id = "aa_test"'),
     "case.toml: the case id 'aa_test' is a built-in case's"),
])
def test_a_bad_edit_shows_its_one_line_message_and_cannot_be_saved(edit, message):
    app = _session()
    app.text_area(key="case_editor_text").input(edit(app.text_area(key="case_editor_text").value))
    app.run()
    assert not app.exception
    assert len(app.error) == 1
    shown = app.error[0].body.replace("\\", "")  # the message is escaped: shown as typed
    assert shown.startswith(message), shown
    assert "\n" not in shown
    assert not any(b.label in ("Save to this server's cases", "Preview a small run")
                   for b in app.button)


def test_starting_from_a_case_loads_its_file():
    app = _session()
    app.selectbox(key="case_editor_start").set_value("aa_test")
    _button(app, "Load into the editor").click().run()
    assert app.text_area(key="case_editor_text").value == (CASES_FOLDER / "aa_test.toml").read_text(
        encoding="utf-8")
    assert any("built-in case's" in e.body.replace("\\", "") for e in app.error)  # a new id first


def test_a_good_edit_previews_saves_and_the_saved_case_runs(_throwaway_folders):
    app = _session()
    app.text_area(key="case_editor_text").input(MY_CASE)
    app.run()
    assert [s.value.replace("\\", "") for s in app.success] == [
        "Valid case: editor_case (Made in the editor)."]
    _button(app, "Preview a small run").click().run()
    assert not app.exception and not app.error, [e.body for e in app.error]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics == {"The right call (most seeds)": "iterate", "Data rule = right call": "100%"}
    seeds, truth = (d.value for d in app.dataframe)
    assert seeds["seed"].tolist() == [0, 1, 2] and seeds["agree"].all()
    assert set(truth["segment_kind"]) >= {"all", "chip_tier"}

    _button(app, "Save to this server's cases").click().run()
    assert not app.error
    saved = _throwaway_folders / "editor_case.toml"
    assert saved.read_text(encoding="utf-8") == MY_CASE
    assert not (CASES_FOLDER / "editor_case.toml").exists()
    assert any(s.body.startswith("Saved as") for s in app.success)

    runner = _session("app_pages/run.py", case="editor_case", seed="1", devices="10000")
    assert runner.session_state["case_id"] == "editor_case"
    assert "Made in the editor" in runner.sidebar.selectbox(key="case_id").options
    _button(runner, "Run the fleet").click().run()
    assert not runner.exception and not runner.error, [e.body for e in runner.error]
    assert any(m.label == "Treatment installed" for m in runner.metric)
