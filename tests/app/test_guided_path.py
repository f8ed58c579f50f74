"""The guided path: the brief first, a step indicator and a next step on every practice page,
quality first on Analyse, only the panels that apply, and a sidebar only where it is used."""

from __future__ import annotations

import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui import state
from ui.steps import STEPS, indicator_markdown

APP = str(ROOT / "streamlit_app.py")
STEP_PAGES = [("Brief", "app_pages/cases.py"), ("Design", "app_pages/design.py"),
              ("Run", "app_pages/run.py"), ("Analyse", "app_pages/analyse.py"),
              ("Decide", "app_pages/decide.py")]


def _app(**query) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=180)
    for name, value in {"devices": "10000", **query}.items():
        app.query_params[name] = value
    return app.run()


def _ran(**query) -> AppTest:
    app = _app(**query)
    app.switch_page("app_pages/run.py").run()
    app.button[0].click().run()
    assert not app.exception
    return app


def test_the_brief_comes_first_on_the_cases_page_and_follows_the_choice():
    app = _app()
    main = [element for element in app.main if type(element).__name__ != "SpecialBlock"]
    assert app.subheader[0].value == state.case_library()["camera_night_mode"].meta.title
    assert app.subheader[1].value == "All cases"  # the library comes after the brief
    assert any("The interviewer asks" in m.value for m in app.markdown)
    assert main[0].value == "Cases"
    app.button(key="pick_firmware_drift").click().run()
    assert app.subheader[0].value == state.case_library()["firmware_drift"].meta.title


@pytest.mark.parametrize(("step", "page"), STEP_PAGES)
def test_every_practice_page_shows_the_path_and_ends_with_the_next_step(step, page):
    app = _ran() if step in {"Run", "Analyse", "Decide"} else _app()
    app.switch_page(page).run()
    assert not app.exception
    assert any(m.value == indicator_markdown(step) for m in app.markdown)
    links = [link.proto.page for link in app.get("page_link")]
    names = [s.name for s in STEPS]
    if step != "Decide":
        following = STEPS[names.index(step) + 1]
        assert links[-1] == following.page.removeprefix("app_pages/").removesuffix(".py")
        assert app.get("page_link")[-1].proto.label == following.go
    else:  # before the call is scored, the page ends with the form
        assert list(app.main.button)[-1].label == "Submit the decision"


def test_decide_ends_with_a_comparison_after_the_score():
    app = _ran()
    app.switch_page("app_pages/decide.py").run()
    app.radio[0].set_value("iterate").run()
    app.button[0].click().run()
    # Compare designs, then another case (Cases is the default page: its address is empty).
    assert [link.proto.page for link in app.get("page_link")][-2:] == ["compare", ""]


def test_the_step_indicator_marks_done_current_and_next():
    line = indicator_markdown("Analyse")
    assert line.count(":green-badge[") == 3 and line.count(":gray-badge[") == 1
    assert ":blue-badge[**4. Analyse · you are here**]" in line
    with pytest.raises(ValueError, match="no step"):
        indicator_markdown("Deploy")


def test_analyse_opens_with_the_quality_checks_before_the_tabs():
    app = _ran()
    app.switch_page("app_pages/analyse.py").run()
    text = [m.value for m in app.markdown]
    first = next(i for i, value in enumerate(text) if value.startswith("**What to check first"))
    assert text[first + 1].startswith(":material/check_circle: Split:")
    assert "Telemetry:" in text[first + 2]


@pytest.mark.parametrize(("case", "drift", "households"), [
    ("camera_night_mode", False, False),    # no sensor-derived decision metric, no firmware
    ("firmware_drift", True, False),        # the success metric is the sensor reading
    ("household_interference", False, True),  # the randomisation unit is a knob
])
def test_only_the_panels_that_apply_are_shown(case, drift, households):
    app = _ran(case=case)
    app.switch_page("app_pages/analyse.py").run()
    labels = [tab.label for tab in app.tabs]
    assert ("Drift" in labels) == drift
    assert ("Households" in labels) == households
    if households:
        assert any(m.label == "Homes with both arms" for m in app.metric)


def test_design_folds_the_hardware_panel_away_when_hardware_is_not_the_question():
    app = _app(case="household_interference")
    app.switch_page("app_pages/design.py").run()
    assert [e.label for e in app.expander][0].startswith("Feasibility per chip tier: every tier")
    app = _app(case="camera_night_mode")
    app.switch_page("app_pages/design.py").run()
    assert not [e for e in app.expander if e.label.startswith("Feasibility")]


@pytest.mark.parametrize("page", ["app_pages/learn.py", "app_pages/glossary.py"])
def test_learn_pages_have_no_run_sidebar_and_keep_its_values(page, small_demos):
    app = _app(case="firmware_drift", seed="9", devices="20000", variant="3")
    app.switch_page(page).run()
    assert not app.exception
    assert not app.sidebar.selectbox and not app.sidebar.number_input
    app.switch_page("app_pages/design.py").run()
    assert [w.value for w in app.sidebar.selectbox] == ["firmware_drift"]
    assert app.number_input(key="seed").value == 9
    assert app.number_input(key="variant").value == 3
    assert app.select_slider(key="devices").value == 20_000


def test_the_entry_point_runs_in_bare_python():
    # A worker process (multiprocessing's spawn, as Dask uses) re-imports the main module; after
    # AppTest that can be this file, run with no Streamlit session: it must not fail.
    done = subprocess.run([sys.executable, "streamlit_app.py"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
