"""sim.analyse on simulated cases: the readout's shape, and readings that match the truth."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim import analyse, simulate
from sim.case.scenario import scenario_from_data
from tests.conftest import CASES


@pytest.fixture(scope="module")
def night_report(night_result):
    return analyse(night_result)


def test_report_has_the_command_line_shape_and_is_json(night_report, night_result):
    payload = night_report.to_dict()
    json.dumps(payload, allow_nan=False)
    assert set(payload["srm"]) == {"chi2", "p_value", "n_control", "n_treatment"}
    case = night_result.scenario.experiment
    assert case.primary_metric in payload["metrics"]
    for guardrail in case.guardrails:
        entry = payload["metrics"][guardrail.metric]
        assert entry["guardrail"]["margin"] == guardrail.margin
    sessions = payload["metrics"]["sessions"]
    assert len(sessions["abs_ci"]) == 2 and len(sessions["rel_ci"]) == 2
    assert "variance_reduction" in sessions["cuped"]
    assert set(payload["retention"]) == {"logrank_chi2", "logrank_p", "hazard_ratio",
                                         "hazard_ratio_ci"}


def test_cuped_narrows_the_interval(night_report):
    plain = night_report.metrics["sessions"]
    adjusted = night_report.cuped["sessions"]
    assert adjusted.abs_ci[1] - adjusted.abs_ci[0] < plain.abs_ci[1] - plain.abs_ci[0]
    assert adjusted.variance_reduction > 0.3


def test_segments_find_the_entry_tier_loss(night_report):
    tiers = {s.segment: s for s in night_report.segments["chip_tier"].segments}
    assert tiers["entry"].abs_diff < 0 and tiers["entry"].p_holm < 0.05
    assert tiers["flagship"].abs_diff > 0
    assert night_report.interactions["chip_tier"].p_value < 0.001
    # Night mode ships to phones only: no device-type split to test.
    assert "device_type" not in night_report.segments


def test_quality_checks_count_the_defects(night_report, night_result):
    devices = night_result.devices
    assert night_report.duplicate_reports == int(devices["duplicate_reports"].sum()) > 0
    assert 0.9 < night_report.completeness.share < 1.0
    assert not night_report.srm.alarm


def test_daily_lift_and_sequential_cover_every_day(night_report, night_result):
    assert list(night_report.daily["day"]) == list(range(night_result.days))
    assert len(night_report.sequential.looks) == night_result.days
    last = night_report.sequential.looks[-1]
    assert last.high - last.low > last.fixed_high - last.fixed_low


def test_itt_is_diluted_relative_to_the_effect_on_installed(night_case):
    # A 30% install-failure rate makes intention-to-treat smaller than the effect on devices
    # that really installed (lowest tier upper_mid: only devices that gain are eligible).
    case = night_case.with_knobs({"feature.lowest_tier": "upper_mid",
                                  "rollout.install_failure_rate": 0.3})
    report = analyse(simulate(case, seed=4, devices=20_000))
    compliance = report.compliance
    assert compliance.install_share_treatment < 0.75
    assert compliance.effect_on_installed > compliance.itt > 0


def test_drift_tells_a_measurement_step_from_behaviour(aa_case):
    data = aa_case.model_dump(mode="json")
    data["telemetry"]["firmware_shift"] = 3.0
    shifted = scenario_from_data({**data, "knobs": []}, "test")
    report = analyse(simulate(shifted, seed=1, devices=20_000))
    drift = report.drift
    assert drift.did.p_value < 1e-6 and drift.paired.p_value < 1e-6
    assert drift.did.abs_diff == pytest.approx(drift.shift_on_build - drift.shift_control)
    assert drift.did.abs_diff == pytest.approx(3.0 * 0.9, abs=0.6)
    assert drift.measurement_step and "measurement, not behaviour" in drift.reading
    # The sensor metric shows a "lift" that the truth says is zero.
    assert report.metrics["sensor_score"].p_value < 0.001
    assert report.metrics["sensor_score"].abs_diff > 1.0


def test_large_fleets_use_the_discrete_hazard_model(aa_case, monkeypatch):
    import sim.readout.report as report_module

    monkeypatch.setattr(report_module, "COX_MAX_DEVICES", 1_000)
    result = simulate(aa_case, seed=0, devices=3_000, days=14)
    report = analyse(result)
    assert "discrete" in report.hazard.method
    assert np.isfinite(report.hazard.hazard_ratio)
    # Both models estimate the same hazard ratio on daily data.
    monkeypatch.setattr(report_module, "COX_MAX_DEVICES", 10_000)
    cox = analyse(result).hazard
    assert "Cox" in cox.method or "cox" in cox.method.lower()
    assert abs(np.log(report.hazard.hazard_ratio) - np.log(cox.hazard_ratio)) < 0.05


def test_cleaning_states_what_it_removed(night_report, night_result):
    cleaning = night_report.cleaning
    raw = len(night_result.daily)
    assert cleaning.rows_in == raw
    assert cleaning.exact_duplicates_removed == night_report.duplicate_reports
    assert cleaning.rows_out == raw - cleaning.exact_duplicates_removed
    assert str(cleaning.exact_duplicates_removed) in cleaning.reading.replace(",", "")


def test_the_readout_covers_the_metrics_a_fleet_measures_in_their_direction():
    from sim import load_scenario

    cars = analyse(simulate(load_scenario(CASES / "ev_voice_assistant.toml"), seed=0,
                            devices=6_000, days=14))
    assert "distraction_events" in cars.metrics and "battery_drain" not in cars.metrics
    saver = analyse(simulate(load_scenario(CASES / "battery_saver.toml"), seed=0,
                             devices=40_000, days=14))
    # Less drain is better: the Bayesian reading says treatment is very likely better.
    assert saver.metrics["battery_drain"].abs_diff < 0
    assert saver.bayes.prob_treatment_better > 0.99


@pytest.mark.parametrize("case_id", sorted(path.stem for path in CASES.glob("*.toml")))
def test_a_readout_through_any_day_works_and_says_why_a_reading_is_missing(case_id):
    from sim import load_scenario
    from sim.readout.report import run_through

    result = simulate(load_scenario(CASES / f"{case_id}.toml"), seed=2, devices=3_000)
    for day in (1, 2, 7, result.days - 1, result.days):
        run = run_through(result, day)
        assert run.days == day
        report = analyse(run)
        json.dumps(report.to_dict(), allow_nan=False)  # strict JSON: no NaN or infinity
        assert all(reason.strip() for reason in report.unavailable.values())
        assert "nan" not in report.srm.reading.lower()


@pytest.mark.parametrize("day", [0, -3, 2.5, True, "7"])
def test_a_bad_readout_day_is_one_sentence(night_result, day):
    from sim.errors import LaunchRoomError
    from sim.readout.report import run_through

    with pytest.raises(LaunchRoomError, match="day"):
        run_through(night_result, day)
