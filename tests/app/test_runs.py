"""Runs made by the app (ui/runs.py) are computed in the server's worker processes, or on the
Dask cluster LAUNCHROOM_DASK names, and equal an in-process run: the same tables exactly, the
same readout (floats to 1e-12, see tests/sweeps/test_remote.py)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from sim import Decision, analyse, simulate
from sim.sweeps.remote import DASK_VARIABLE
from tests.conftest import ROOT
from tests.sweeps.test_remote import same_readout, same_tables
from tests.sweeps.test_sweep import sweep_module
from ui import runs
from ui.state import RunKey, case_library

KEY = RunKey.of("camera_night_mode", {"feature.quantization": "int4"}, 5, 20_000, variant=0)


def _here(key: RunKey):
    case = case_library()[key.case_id].with_knobs(key.knob_values())
    result = simulate(case, seed=key.seed, devices=key.devices)
    return result, analyse(result)


@pytest.fixture(scope="module")
def in_process():
    return _here(KEY)


def test_the_run_page_computes_in_the_worker_processes_and_equals_an_in_process_run(in_process):
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=180)
    app.query_params.update(case=KEY.case_id, seed=str(KEY.seed), devices=str(KEY.devices),
                            **{"feature.quantization": "int4"})
    app.run()
    app.switch_page("app_pages/run.py").run()
    app.button[0].click().run()
    assert not app.exception and not app.error
    assert runs.heavy_work().pool is not None  # LAUNCHROOM_DASK is not set: local processes
    here, report = in_process
    same_tables(runs.run_case(KEY), here)  # the run the page made, from the cache
    same_readout(runs.analyse_case(KEY).to_dict(), report.to_dict())
    # The quality checks the Analyse page shows first, computed on their own in a worker, are
    # the full readout's; a readout asked for in other words (the horizon, the case's basis)
    # is the same cached one.
    assert runs.quality_case(KEY) == report.quality
    # Started once the Run page was drawn (its start_readout), so the Analyse page waits
    # for nothing; through an earlier day it is that day's readout's.
    assert runs._quality_started(runs.readout_key(KEY)).future.done()
    assert runs.quality_case(KEY, 10) == analyse(here, through_day=10).quality
    horizon = runs.case_for(KEY).fleet.days
    assert runs.analyse_case(KEY, horizon, basis=report.basis) is not None
    assert runs.readout_key(KEY, horizon, report.basis) == runs.readout_key(KEY)


def test_every_page_shares_one_cached_run_and_none_changes_it(in_process):
    # Runs are kept as objects, not copied for each page (ui/runs.py): the pages, the readout,
    # the export, the SQL workbench and the scorecard all read the one run, and it must stay
    # the run it was.
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=180)
    app.query_params.update(case=KEY.case_id, seed=str(KEY.seed), devices=str(KEY.devices),
                            **{"feature.quantization": "int4"})
    app.run()
    app.switch_page("app_pages/run.py").run()
    app.button[0].click().run()
    assert runs.run_case(KEY) is runs.run_case(KEY)  # the same object, not a fresh copy
    app.switch_page("app_pages/analyse.py").run()
    app.toggle(key="analyse::cap").set_value(True).run()
    app.multiselect(key="analyse::quantiles").set_value([0.5, 0.9]).run()
    for page in ("drills", "sql", "decide", "compare"):
        app.switch_page(f"app_pages/{page}.py").run()
        assert not app.exception, page
    assert runs.run_zip(KEY)
    runs.score_decision(KEY, Decision(call="ship_all", expected_lift=0.01, decision_day=14))
    same_tables(runs.run_case(KEY), in_process[0])


@pytest.mark.timeout(180)
def test_with_launchroom_dask_set_runs_go_to_the_cluster_and_equal_in_process_ones(
        monkeypatch, in_process):
    monkeypatch.setenv(DASK_VARIABLE, "local")
    runs.run_case.clear()
    runs.clear_readouts()
    try:
        assert runs.heavy_work().dask is not None
        here, report = in_process
        same_tables(runs.run_case(KEY), here)
        same_readout(runs.analyse_case(KEY).to_dict(), report.to_dict())
    finally:
        runs.run_case.clear()
        runs.clear_readouts()
        monkeypatch.delenv(DASK_VARIABLE)
        runs.heavy_work()  # back to worker processes; the LocalCluster is closed


@pytest.mark.timeout(120)
def test_an_unreachable_cluster_leaves_the_pages_that_run_nothing_alone(monkeypatch):
    # The worker processes start on the first visit; a cluster is only reached when a run
    # needs it, and then its failure is one line on the page that needed it.
    monkeypatch.setenv(DASK_VARIABLE, "tcp://127.0.0.1:9")
    monkeypatch.setattr(sweep_module, "CONNECT_TIMEOUT_S", 2)
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    app.run()
    assert not app.exception and not app.error
    app.switch_page("app_pages/learn.py").run()  # the shipped replications need no cluster
    assert not app.exception and not app.error and app.get("vega_lite_chart")
    app.radio(key="lab_demo").set_value("cuped").run()
    app.button(key="lab_more_cuped").click().run()  # new replications do
    assert not app.exception and len(app.error) == 1 and not app.get("progress")
    assert "Dask cluster" in app.error[0].value and "Nothing you set" in app.error[0].value
    app.switch_page("app_pages/run.py").run()
    app.button[0].click().run()
    assert not app.exception
    assert len(app.error) == 1 and not app.get("progress")
    shown = app.error[0].value
    # The student's words: what is wrong and that their settings are fine; the scheduler's
    # error and the command line's advice go to the server's log.
    assert "Dask cluster" in shown and "not answering" in shown and "Nothing you set" in shown
    assert "--scheduler" not in shown and "reset the knobs" not in shown
    monkeypatch.delenv(DASK_VARIABLE)
    runs.heavy_work()  # back to worker processes
