"""Variants in the app: the sidebar's variant is part of the run key, the shareable link and a
study group's room; "Fresh case" gives a variant this session has not seen; the debrief
follows the variant's truth."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from sim.case.library import load_case
from sim.rooms import RoomStore
from tests.conftest import ROOT
from ui.state import RunKey

APP = str(ROOT / "streamlit_app.py")


@pytest.fixture(autouse=True)
def _throwaway_database(monkeypatch, tmp_path):
    monkeypatch.delenv("LAUNCHROOM_DB_URL", raising=False)
    monkeypatch.setenv("LAUNCHROOM_DB", str(tmp_path / "rooms.db"))
    return tmp_path / "rooms.db"


def _app(**query) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=180)
    for name, value in query.items():
        app.query_params[name] = value
    return app.run()


def _button(app: AppTest, label: str):
    matches = [b for b in app.button if b.label == label]
    assert matches, f"no button {label!r}; buttons: {[b.label for b in app.button]}"
    return matches[0]


def test_the_sidebar_s_variant_is_in_the_link_and_the_design_page_shows_that_case():
    app = _app(case="camera_night_mode")
    assert app.number_input(key="variant").value == 0
    app.number_input(key="variant").set_value(8).run()
    assert not app.exception
    assert app.query_params["variant"] == "8"
    app.switch_page("app_pages/design.py").run()
    assert not app.exception and not app.error
    # Variant 8 of the night-mode case: mid chips miss the 25 ms budget too (in the file they
    # fit). Design's feasibility table is drawn from the variant, not from the file.
    assert load_case("camera_night_mode").variant_draw(8).scene == "mid chips miss the budget as well"
    feasibility = next(f.value for f in app.dataframe if "within_budget" in f.value)
    within = dict(zip(feasibility["chip_tier"], feasibility["within_budget"], strict=True))
    assert within == {"flagship": True, "upper_mid": True, "mid": False, "entry": False}


def test_fresh_case_gives_a_variant_this_session_has_not_seen():
    app = _app(case="aa_test", variant="5")
    seen = {5}
    for _ in range(3):
        _button(app, "Fresh case").click().run()
        assert not app.exception
        number = app.session_state["variant"]
        assert number not in seen and 1 <= number <= 999_999
        assert app.query_params["variant"] == str(number)
        seen.add(number)
    assert app.session_state["seen_variants"]["aa_test"] == seen


def test_a_run_and_its_debrief_follow_the_variant():
    app = _app(case="aa_test", variant="3", devices="10000")
    app.switch_page("app_pages/run.py").run()
    app.button[0].click().run()
    assert not app.exception
    app.switch_page("app_pages/decide.py").run()
    assert RunKey.of("aa_test", {}, 0, 10_000, variant=3) in app.session_state["readout_days"]
    app.radio[0].set_value("iterate").run()
    app.button[0].click().run()
    assert not app.exception and not app.error
    card = app.session_state["decisions"][-1].scorecard
    assert card.debrief.variant == 3
    assert any("Variant 3 of the case" in c.value for c in app.caption)


def test_a_room_runs_its_variant_for_every_member():
    facilitator = _app(case="aa_test", variant="4", seed="7", devices="10000")
    facilitator.switch_page("app_pages/study_group.py").run()
    _button(facilitator, "Start a room for this run").click().run()
    assert not facilitator.exception and not facilitator.error
    code = facilitator.session_state["room_code"]
    assert RoomStore().room(code).variant == 4
    member = _app(room=code)
    member.switch_page("app_pages/study_group.py").run()
    member.text_input(key="room_join_name").input("Ana")
    _button(member, "Join").click().run()
    assert not member.exception and not member.error
    assert (member.session_state["case_id"], member.session_state["variant"]) == ("aa_test", 4)
