"""Compare designs: pin a run, change the design, and see both side by side."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui.state import RunKey

APP = str(ROOT / "streamlit_app.py")
QUANTIZATION = "knob::camera_night_mode::feature.quantization"
LOWEST = "knob::camera_night_mode::feature.lowest_tier"


def _app() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=180)
    app.query_params["devices"] = "10000"
    app.query_params["seed"] = "4"
    return app.run()


def _table(app: AppTest, first_column: str):
    return next(t.value for t in app.dataframe if t.value.columns[0] == first_column)


def test_pin_int8_on_design_then_compare_it_with_int4_from_mid_up():
    app = _app()
    app.switch_page("app_pages/design.py").run()
    app.button(key="pin_design").click().run()
    assert app.session_state["pinned_run"] == RunKey.of("camera_night_mode", {}, 4, 10_000, variant=0)
    assert app.button(key="pin_design").disabled  # this run is the pinned one
    app.selectbox(key=QUANTIZATION).set_value("int4").run()
    app.selectbox(key=LOWEST).set_value("mid").run()
    assert not app.button(key="pin_design").disabled
    assert "compare" in [link.proto.page for link in app.get("page_link")]

    app.switch_page("app_pages/compare.py").run()
    assert not app.exception and not app.error
    settings = _table(app, "setting").set_index("setting")
    assert settings.loc["Quantization"].tolist() == ["int8", "int4"]
    assert settings.loc["Lowest chip tier that gets the model"].tolist() == ["entry", "mid"]

    tiers = _table(app, "chip_tier").set_index("chip_tier")
    assert tiers.loc["entry", "pinned_gets"] and not tiers.loc["entry", "current_gets"]
    pinned_ms = tiers["pinned_latency"].astype(float)
    current_ms = tiers["current_latency"].astype(float)
    assert (current_ms < pinned_ms).all()  # int4 is faster on every tier

    segments = _table(app, "segment")
    assert segments["segment"].tolist()[:4] == ["flagship", "upper_mid", "mid", "entry"]
    entry = segments.set_index("segment").loc["entry"]
    assert entry["pinned_lift"].startswith("-")  # int8 on entry chips misses the budget
    guardrails = _table(app, "guardrail_metric")
    assert set(guardrails["guardrail_metric"]) == {"Crashes per device",
                                                   "Battery drain per active day", "Retained"}
    assert set(guardrails["pinned_verdict"]) <= {"holds", "not shown"}
    assert any(m.label == "pinned run" for m in app.metric)
    assert any(m.label == "current run" for m in app.metric)


def test_compare_says_what_to_do_before_anything_is_pinned_and_after_forgetting():
    app = _app()
    app.switch_page("app_pages/compare.py").run()
    assert any("Nothing is pinned yet" in i.body for i in app.info)
    app.switch_page("app_pages/design.py").run()
    app.button(key="pin_design").click().run()
    app.switch_page("app_pages/compare.py").run()
    assert any("The pinned run is the current run" in i.body for i in app.info)
    app.switch_page("app_pages/design.py").run()
    app.selectbox(key=QUANTIZATION).set_value("int4").run()
    app.switch_page("app_pages/compare.py").run()
    app.button[0].click().run()  # forget the pinned run
    assert app.session_state["pinned_run"] is None
    assert any("Nothing is pinned yet" in i.body for i in app.info)


def test_a_pin_of_another_case_is_not_compared():
    app = _app()
    app.switch_page("app_pages/design.py").run()
    app.button(key="pin_design").click().run()
    app.sidebar.selectbox[0].set_value("aa_test").run()
    app.switch_page("app_pages/compare.py").run()
    assert any("another case" in i.body for i in app.info)
    assert not app.dataframe
