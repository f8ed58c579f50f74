"""Every page of the app in Streamlit's AppTest: renders, has its widgets, shows real results."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from sim.case.metrics import label
from tests.conftest import ROOT

APP = str(ROOT / "streamlit_app.py")
PAGES = ["app_pages/cases.py", "app_pages/design.py", "app_pages/run.py",
         "app_pages/analyse.py", "app_pages/sql.py", "app_pages/decide.py"]


def _app(**query) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=180)
    for name, value in query.items():
        app.query_params[name] = value
    return app.run()


def _ran(devices: int = 100_000, **query) -> AppTest:
    """The app after pressing Run on the given fleet size (the default case's 100,000)."""
    app = _app(**query)
    app.select_slider(key="devices").set_value(devices).run()
    app.switch_page("app_pages/run.py").run()
    app.button[0].click().run()
    assert not app.exception
    return app


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_under_st_navigation_with_the_shared_sidebar(page):
    app = _app()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    # The entry point ran too: the shared sidebar holds the case, variant, seed and fleet size.
    assert [w.key for w in app.sidebar.selectbox] == ["case_id"]
    assert [w.key for w in app.sidebar.number_input] == ["variant", "seed"]
    assert app.select_slider(key="devices").value == 100_000
    assert not app.error


def test_cases_page_lists_the_library_and_switches_case():
    app = _app()
    assert app.header[0].value == "Cases"
    buttons = [b for b in app.button if b.key and b.key.startswith("pick_")]
    assert len(buttons) >= 2
    app.button(key="pick_aa_test").click().run()
    assert app.session_state["case_id"] == "aa_test"
    assert any("A/A test" in s.value for s in app.subheader)


def test_design_page_builds_widgets_from_knobs_and_shows_feasibility():
    app = _app()
    app.switch_page("app_pages/design.py").run()
    labels = [w.label for w in app.selectbox] + [w.label for w in app.slider]
    assert {"Quantization", "Decision day"} <= set(labels)
    assert "Latency budget (ms)" not in labels  # a fact of the world, not a lever
    assert app.metric[0].label == "Smallest detectable change"
    assert any(c.value.startswith("in Sessions per device at day 28") for c in app.caption)
    app.selectbox(key="knob::camera_night_mode::feature.quantization").set_value("fp16").run()
    assert not app.exception
    assert app.session_state["knobs"]["camera_night_mode"] == {"feature.quantization": "fp16"}
    assert app.query_params["feature.quantization"] == "fp16"


@pytest.mark.parametrize("case_id", ["camera_night_mode", "firmware_drift",
                                     "srm_install_failures", "battery_saver"])
def test_world_knobs_are_absent_from_the_practice_pages(case_id):
    from sim import load_scenario

    case = load_scenario(ROOT / "scenarios" / f"{case_id}.toml")
    world = {knob.label for knob in case.knobs if knob.role == "world"}
    design = {knob.label for knob in case.knobs if knob.role == "design"}
    assert world
    app = _app(case=case_id)
    app.switch_page("app_pages/design.py").run()
    shown = {w.label for w in [*app.selectbox, *app.slider, *app.number_input]}
    assert not world & shown and design <= shown
    # A teacher's link may set one: it is then stated, still not a lever.
    knob = next(k for k in case.knobs if k.role == "world")
    value = knob.options[0] if knob.options else knob.min
    app = _app(case=case_id, **{knob.path: str(value)})
    app.switch_page("app_pages/design.py").run()
    assert not world & {w.label for w in [*app.selectbox, *app.slider]}
    assert any(knob.label in c.value for c in app.caption)


def test_run_page_runs_the_default_case_and_shows_the_rollout():
    app = _ran()
    labels = [m.label for m in app.metric]
    assert labels == ["Devices", "Treatment installed", "Install failures", "Gate breaches", "Rollout"]
    assert app.metric[0].value == "100,000"
    assert app.metric[4].value == "completed"
    assert len(app.dataframe) == 1  # the timeline


def test_analyse_page_walks_the_tabs_in_order():
    app = _ran(devices=20_000)
    app.switch_page("app_pages/analyse.py").run()
    assert not app.exception and not app.error
    # No decision metric is sensor-derived and the build has no firmware shift: no Drift tab.
    assert [t.label for t in app.tabs] == ["Data quality", "Lift", "Segments", "Retention",
                                           "Over time", "Your own data"]
    assert [t.label for t in app.toggle] == ["Cap every metric at a percentile (winsorise)",
                                             "Remove duplicate reports from the raw rows",
                                             "Adjust with the pre-period baseline (CUPED)"]
    assert any(s.body.startswith("Split as planned") for s in app.success)
    assert any("Readout through day 28 of 28" in c.value for c in app.caption)
    download = app.get("download_button")
    assert [button.label for button in download] == ["Download this run"]
    assert download[0].proto.ignore_rerun  # on_click="ignore": pressing it reruns nothing
    app.toggle[2].set_value(False).run()
    assert not app.exception


def test_analyse_page_switches_the_basis_caps_and_reads_quantiles():
    app = _ran(devices=20_000, case="srm_install_failures")
    app.switch_page("app_pages/analyse.py").run()
    assert not app.exception
    assert any("Who is analysed: Reporting" in c.value for c in app.caption)  # the case's plan
    app.selectbox(key="analyse::basis").set_value("assigned").run()
    assert not app.exception and any("Who is analysed: Assigned" in c.value for c in app.caption)
    assert not any("Capped at" in m.value for m in app.markdown)
    app.toggle(key="analyse::cap").set_value(True).run()
    app.multiselect(key="analyse::quantiles").set_value([0.5, 0.9]).run()
    assert not app.exception
    assert any("Capped at the 99th percentile" in m.value for m in app.markdown)
    tables = [frame.value for frame in app.dataframe]
    assert any(table["metric"].astype(str).str.contains("median").any() for table in tables
               if "metric" in table)
    import json

    titles = [json.dumps(json.loads(chart.proto.spec).get("title", "")) for chart in _charts(app)]
    assert any("days since install" in title.lower() for title in titles), titles


def test_analyse_page_asks_for_a_run_first():
    app = _app()
    app.switch_page("app_pages/analyse.py").run()
    assert any("Run the fleet first" in i.body for i in app.info)
    assert not app.get("download_button")  # nothing to download before a run


def test_your_own_data_tab_analyses_an_upload_and_rejects_a_bad_one():
    app = _app()
    app.switch_page("app_pages/analyse.py").run()
    frame = pd.DataFrame({"arm": ["control", "treatment"] * 100, "minutes": range(200)})
    uploader = app.get("file_uploader")[0]
    uploader.upload("export.csv", frame.to_csv(index=False).encode(), "text/csv").run()
    assert not app.exception and not app.error
    assert any(s.body.startswith("Split as planned") for s in app.info)
    assert app.dataframe[0].value["metric"].tolist() == ["minutes"]
    assert app.dataframe[0].value["difference"].iloc[0] == "+1.000"  # formatted, no float noise

    app.get("file_uploader")[0].upload("broken.csv", b"arm,minutes\ncontrol,1\ncontrol,2\n", "text/csv").run()
    assert not app.exception
    assert any("cannot be analysed" in e.body and "one arm only" in e.body for e in app.error)


def _answer_questions(app: AppTest, report) -> None:
    """Answer the interviewer's questions as the readout shows (the form's widgets)."""
    from sim.decide.questions import readout_answers

    answers = readout_answers(report)
    app.radio(key="decide::q::split::ok").set_value(
        "healthy" if answers.split.healthy else "broken")
    app.selectbox(key="decide::q::split::test").set_value(answers.split.test)
    lift = answers.primary_lift
    if lift.unreadable:
        app.checkbox(key="decide::q::primary_lift::none").check()
    else:
        for name, value in (("Lift (%)", lift.estimate), ("95% CI low (%)", lift.low),
                            ("95% CI high (%)", lift.high)):
            app.number_input(key=f"decide::q::primary_lift::{name}").set_value(
                round(100 * value, 2))
    for metric, status in answers.guardrails.items():
        app.radio(key=f"decide::q::guardrails::{metric}").set_value(status)
    hurt = answers.hurt_segment
    app.selectbox(key="decide::q::hurt_segment").set_value(
        "none" if hurt.segment == "none" else f"{hurt.kind}:{hurt.segment}")
    app.radio(key="decide::q::measurement").set_value(answers.measurement)


def test_decide_page_scores_the_call_after_submitting_and_offers_the_memo():
    app = _ran(devices=20_000)
    app.switch_page("app_pages/decide.py").run()
    assert not app.exception
    assert not any(s.value.startswith("Your score") for s in app.subheader)  # nothing revealed
    assert any("Readout through **day 28** of 28" in i.body for i in app.info)
    app.radio[0].set_value("ship_segments").run()
    segments = [m for m in app.multiselect if m.label == "Segments to ship to"][0]
    segments.set_value(["flagship", "upper_mid", "mid"])
    app.number_input(key="decide::expected").set_value(4.0)
    app.text_area[0].input("Ship to the tiers inside the latency budget.")
    app.button[0].click().run()
    assert not app.exception and not app.error
    entry = app.session_state["decisions"][-1]
    assert entry.decision.call == "ship_segments"
    card = entry.scorecard
    assert card.right_call == "ship_segments"
    assert any(s.value == f"Your score: {card.total} / 100" for s in app.subheader)
    assert any(m.value == f"**What the data at day 28 supports:** {card.supported_label}"
               for m in app.markdown)
    assert any(s.value == "Debrief" for s in app.subheader)
    labels = [b.label for b in app.get("download_button")]
    assert labels == ["Memo (Markdown)", "Memo (HTML with charts)", "Impact ledger (CSV)"]


def test_decide_at_day_14_extend_to_21_and_decide_again_with_a_debrief():
    from sim import analyse, load_scenario, simulate
    from sim.readout.report import run_through

    app = _ran(devices=20_000, **{"experiment.decision_day": "14"})
    app.switch_page("app_pages/decide.py").run()
    assert any("Readout through **day 14** of 28" in i.body for i in app.info)
    app.radio[0].set_value("extend").run()
    assert app.number_input(key="decide::extend_to").value == 21
    app.button[0].click().run()
    assert not app.exception and not app.error
    assert app.session_state["decisions"] == []  # an extend is not the final call
    assert any("Readout through **day 21** of 28" in i.body for i in app.info)
    assert any("You extended on day 14 to decide again on day 21" in c.value for c in app.caption)
    # The readout the page now shows is the run through day 21: answer from it.
    case = load_scenario(ROOT / "scenarios" / "camera_night_mode.toml").with_knobs(
        {"experiment.decision_day": 14})
    report = analyse(run_through(simulate(case, seed=0, devices=20_000), 21))
    app.radio[0].set_value("ship_all").run()
    _answer_questions(app, report)
    app.number_input(key="decide::expected").set_value(round(100 * report.cuped["sessions"]
                                                             .rel_lift, 1))
    app.button[0].click().run()
    assert not app.exception and not app.error
    card = app.session_state["decisions"][-1].scorecard
    assert card.decision_day == 21 and card.item("questions").points >= 16
    assert any(m.value.startswith("**The model answer:**") for m in app.markdown)
    assert any("At int8 the model runs" in m.value for m in app.markdown)


def test_decide_page_rejects_a_segment_call_without_segments():
    app = _ran(devices=10_000)
    app.switch_page("app_pages/decide.py").run()
    app.radio[0].set_value("ship_segments").run()
    app.button[0].click().run()
    assert not app.exception
    assert any("cannot be scored" in e.body for e in app.error)
    assert app.session_state["decisions"] == []


def test_a_shared_link_reproduces_the_run_settings():
    app = _app(case="aa_test", seed="7", devices="20000", **{"experiment.treatment_share": "0.3"})
    assert app.session_state["case_id"] == "aa_test"
    assert app.session_state["seed"] == 7 and app.session_state["devices"] == 20_000
    assert app.session_state["knobs"]["aa_test"] == {"experiment.treatment_share": 0.3}
    assert app.query_params["case"] == "aa_test"
    assert app.query_params["experiment.treatment_share"] == "0.3"


@pytest.mark.parametrize(
    ("query", "warning"),
    [
        ({"case": "nope"}, "does not exist"),
        ({"seed": "-4"}, "seed"),
        ({"case": "camera_night_mode", "feature.quantization": "fp3"}, "not applied"),
    ],
)
def test_a_broken_link_falls_back_with_one_clear_warning(query, warning):
    app = _app(**query)
    assert not app.exception
    assert any(warning in w.body for w in app.warning)


def _charts(app: AppTest) -> list:
    """Every Altair chart drawn on the page, in order (AppTest has no typed element for them)."""
    def nodes(node):
        yield node
        for child in getattr(node, "children", {}).values():
            yield from nodes(child)
    return [node for node in nodes(app.main) if getattr(node, "type", "") == "vega_lite_chart"]


def _chart_rows(chart) -> pd.DataFrame:
    """The rows of a chart's datasets (Arrow IPC streams in the element's proto), stacked."""
    import json

    import pyarrow as pa

    frames = [pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
              for dataset in chart.proto.datasets]
    frames = [frame for frame in frames if len(frame.columns)]
    title = json.loads(chart.proto.spec).get("title", "")
    return pd.concat(frames, ignore_index=True).assign(chart_title=str(title))


def test_the_ev_analyse_page_marks_a_rise_in_driver_distraction_as_worse():
    # The guardrail that decides the EV case: more eyes-off-road events is never "better".
    app = _ran(devices=20_000, case="ev_voice_assistant")
    app.switch_page("app_pages/analyse.py").run()
    assert not app.exception
    rows = pd.concat([_chart_rows(chart) for chart in _charts(app)], ignore_index=True)
    lifts = rows[rows["chart_title"].str.contains("Success metric|Guardrails")]
    lifts = lifts.dropna(subset=["verdict"]).set_index("label")
    assert lifts.loc[label("distraction_events"), "estimate"] > 0
    assert lifts.loc[label("distraction_events"), "verdict"] == "worse"
    assert lifts.loc[label("sessions"), "verdict"] == "better"
