"""The case library: every case runs, its truth backs its intended call, and its trap is real.

For each case the trap a careless analysis falls into is shown to appear at the case's default
knobs over several seeds, and the knob change or the analysis that a careful person would use
is shown to remove it. Numbers in the comments are what these seeds give at the default size.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import analyse, load_scenario, simulate
from sim.analysis import cuped_lift, metric_lift, non_inferiority, segment_lifts
from sim.analysis.quality import srm
from sim.case.library import case_paths
from sim.decide.decision import right_call
from sim.engine.hardware import QUALITY, hardware_profile
from sim.readout.lean import analysis_population, units_per_arm
from sim.readout.report import daily_lift
from tests.conftest import CASES

SEEDS = (0, 1, 2)
CASE_IDS = [path.stem for path in case_paths(CASES)]


def _case(case_id, **knobs):
    return load_scenario(CASES / f"{case_id}.toml").with_knobs(knobs)


def _truth(result, metric, segment_kind="all", segment="all"):
    truth = result.truth
    row = truth[(truth["metric"] == metric) & (truth["segment_kind"] == segment_kind)
                & (truth["segment"] == segment)]
    return float(row["rel_effect"].iloc[0])


def _guardrail(case, metric):
    return next(g for g in case.experiment.guardrails if g.metric == metric)


def test_the_library_has_the_eight_cases_and_the_calibration_case():
    assert set(CASE_IDS) == {
        "aa_test", "camera_night_mode", "firmware_drift", "assistant_llm_ram", "battery_saver",
        "novelty_widget", "srm_install_failures", "household_interference", "ev_voice_assistant",
    }


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_each_case_is_complete_and_never_gives_the_answer_away(case_id):
    case = _case(case_id)
    assert case.meta.difficulty in (1, 2, 3)
    assert case.answer is not None
    brief = case.meta.brief
    assert "interviewer asks" in brief and "30 days" in brief
    assert case.answer.rationale.strip()[:40] not in brief
    # Every knob's default value is inside its own range or options (an unset lowest tier
    # means every tier).
    for knob in case.knobs:
        value = case.get(knob.path)
        if value is None:
            continue
        if knob.options is not None:
            assert value in knob.options, knob.path
        else:
            assert knob.min <= value <= knob.max, knob.path
    if case_id != "aa_test":
        assert 3 <= len(case.knobs) <= 6


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_each_case_runs_at_its_default_size_and_its_truth_backs_the_intended_call(case_id):
    case = _case(case_id)
    result = simulate(case, seed=0)
    assert len(result.devices) == case.fleet.size and result.days == case.fleet.days
    right = right_call(result)
    answer = case.answer
    assert right.call == answer.call, right.memo
    if answer.call == "ship_segments":
        assert right.segment_kind == answer.segment_kind
        assert set(right.segments) == set(answer.segments)


# --- 1. camera_night_mode: the pooled lift hides a losing chip tier --------------------------
def test_night_mode_fits_the_budget_at_int8_on_three_tiers_and_not_at_fp16():
    case = _case("camera_night_mode")
    int8 = hardware_profile(case.feature, case.fleet.chip_tiers).table(2.0)
    fp16 = hardware_profile(case.feature.model_copy(update={"quantization": "fp16"}),
                            case.fleet.chip_tiers).table(2.0)
    assert int8["within_budget"].tolist() == [True, True, True, False]
    assert fp16["within_budget"].tolist() == [True, True, False, False]


@pytest.mark.parametrize("seed", SEEDS)
def test_night_mode_pooled_lift_is_positive_while_entry_chips_lose(seed):
    case = _case("camera_night_mode")
    seen = analysis_population(simulate(case, seed=seed))
    pooled = cuped_lift(seen, "sessions", "pre_sessions")
    tiers = {s.segment: s for s in segment_lifts(seen, "sessions", "chip_tier").segments}
    # Pooled +1.0% to +1.6% (p < 1e-4) while entry chips lose 9% to 12% (Holm p < 1e-19).
    assert pooled.rel_lift > 0 and pooled.p_value < 0.001
    assert tiers["entry"].rel_lift < -0.05 and tiers["entry"].p_holm < 0.001

    # Shipping only to the tiers inside the latency budget: no tier loses any more.
    fixed = analysis_population(simulate(case.with_knobs({"feature.lowest_tier": "mid"}),
                                         seed=seed))
    tiers = segment_lifts(fixed, "sessions", "chip_tier").segments
    assert not any(s.rel_lift < 0 and s.p_holm < 0.05 for s in tiers)
    assert cuped_lift(fixed, "sessions", "pre_sessions").rel_lift > pooled.rel_lift


# --- 2. firmware_drift: a measurement step that looks like a lift -----------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_firmware_drift_fakes_a_lift_that_the_drift_check_exposes(seed):
    case = _case("firmware_drift")
    result = simulate(case, seed=seed)
    report = analyse(result)
    # The activity score "improves" by 3.5% to 3.9% (p < 1e-190) while its true effect is
    # exactly 0, and behaviour does not move.
    score = report.metrics["sensor_score"]
    assert score.rel_lift > 0.02 and score.p_value < 0.001
    assert _truth(result, "sensor_score") == 0.0 and _truth(result, "sessions") == 0.0
    # (Null metrics: p > 0.001 rather than 0.05, which one seed in twenty fails by design.)
    assert report.metrics["sessions"].p_value > 0.001
    assert report.metrics["active_days"].p_value > 0.001
    # The drift check: updated watches moved from their own pre-period by about the
    # recalibration, control watches did not.
    drift = report.drift
    assert drift.did.p_value < 1e-6 and drift.measurement_step
    assert drift.did.abs_diff == pytest.approx(case.telemetry.firmware_shift, abs=1.0)
    assert abs(drift.shift_control) < 0.3
    assert "measurement, not behaviour" in drift.reading

    # Without the recalibration in the build, the "lift" is gone.
    clean = analysis_population(simulate(case.with_knobs({"telemetry.firmware_shift": 0.0}),
                                         seed=seed))
    assert metric_lift(clean, "sensor_score").p_value > 0.001


# --- 3. assistant_llm_ram: pooled fine, a big segment fails its guardrail ---------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_local_assistant_pooled_lift_hides_a_retention_failure_on_6_to_8_gb_phones(seed):
    case = _case("assistant_llm_ram")
    retained = _guardrail(case, "retained")
    result = simulate(case, seed=seed)
    seen = analysis_population(result)
    # Pooled: sessions +4.8% to +5.9% (p < 1e-25) and retention non-inferior at its 1% margin
    # (bounds -0.2% to -0.7%).
    assert metric_lift(seen, "sessions").rel_lift > 0.02
    assert metric_lift(seen, "sessions").p_value < 0.001
    assert non_inferiority(seen, "retained", retained.margin, True).non_inferior
    # Phones with 6-8 GB (45% of the fleet) crash 16x (8 GB) to 45x (6 GB) as often and lose
    # 3.0% to 3.8% retention (truly -1.4% on 8 GB and -10.5% on 6 GB).
    small = seen[seen["chip_tier"].isin(["upper_mid", "mid"])]
    assert len(small) > 0.4 * len(seen)
    assert not non_inferiority(small, "retained", retained.margin, True).non_inferior
    assert _truth(result, "retained", "chip_tier", "upper_mid") < -retained.margin
    assert _truth(result, "retained", "chip_tier", "mid") < -retained.margin
    assert _truth(result, "crashes", "chip_tier", "upper_mid") > 5.0  # more than 6x
    assert _truth(result, "retained", "chip_tier", "flagship") > 0

    # Shipping to 12 GB flagships only: retention holds on the 6-8 GB phones and overall, and
    # sessions still rise.
    fixed_result = simulate(case.with_knobs({"feature.lowest_tier": "flagship"}), seed=seed)
    fixed = analysis_population(fixed_result)
    assert metric_lift(fixed, "sessions").p_value < 0.001
    small = fixed[fixed["chip_tier"].isin(["upper_mid", "mid"])]
    assert non_inferiority(small, "retained", retained.margin, True).non_inferior
    assert non_inferiority(fixed, "retained", retained.margin, True).non_inferior
    assert _truth(fixed_result, "retained", "chip_tier", "upper_mid") == 0.0


# --- 4. battery_saver: a significant drop inside its margin -----------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_battery_saver_sessions_drop_significantly_but_within_the_margin(seed):
    case = _case("battery_saver")
    sessions = _guardrail(case, "sessions")
    result = simulate(case, seed=seed)
    seen = analysis_population(result)
    # Battery drain falls 4.2% to 4.3% (the success metric, lower is better).
    battery = metric_lift(seen, "battery_drain")
    assert battery.rel_lift < -0.03 and battery.p_value < 0.001
    # The trap: sessions fall 1.0% to 1.1%, "significant" (p < 0.003) ...
    drop = metric_lift(seen, "sessions")
    assert drop.rel_lift < 0 and drop.p_value < 0.05
    # ... yet the one-sided bound stays inside the agreed 3% margin, as does the truth.
    check = non_inferiority(seen, "sessions", sessions.margin, True)
    assert check.non_inferior and check.bound > -sessions.margin
    assert -sessions.margin < _truth(result, "sessions") < 0

    # The margin is the decision: agree on 0.5% instead and the same data fails it.
    assert not non_inferiority(seen, "sessions", 0.005, True).non_inferior


# --- 5. novelty_widget: week one books the novelty ---------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_widget_novelty_makes_the_first_week_lift_several_times_the_lasting_one(seed):
    case = _case("novelty_widget")
    lasting = case.feature.effect.sessions * QUALITY[case.feature.quantization]
    result = simulate(case, seed=seed)
    daily = daily_lift(result.day_arm)
    early = daily.loc[daily["day"] < 7, "rel_lift"].mean()
    late = daily.loc[daily["day"] >= result.days - 7, "rel_lift"].mean()
    # Week one +4.7% to +5.9% a day against +0.6% to +1.4% in the last week (lasting +1.35%).
    assert early >= 2 * late and early > 2 * lasting
    # Deciding on day 7: a clear lift of +4.7% to +5.9% (p < 1e-18), 3.5 to 4.4 times the
    # lasting one.
    week_one = metric_lift(analysis_population(simulate(case, seed=seed, days=7)), "sessions")
    assert week_one.p_value < 0.001 and week_one.rel_lift > 2.5 * lasting

    # Waiting for the effect to settle: the novelty check flags the fade, and the last week's
    # lift is near the lasting effect, not the first week's.
    report = analyse(result)
    assert report.novelty.p_value < 0.001
    assert report.novelty.late_effect < report.novelty.early_effect
    assert late < 2 * lasting


# --- 6. srm_install_failures: survivors make a lift out of nothing ----------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_failed_installs_cause_an_srm_and_a_survivor_lift(seed):
    case = _case("srm_install_failures")
    result = simulate(case, seed=seed)
    seen = analysis_population(result)
    split = srm(*units_per_arm(seen), case.experiment.treatment_share)
    # Treatment is missing ~6,000 phones: 46.6-46.8% vs 50% planned, p < 1e-80.
    assert split.p_value < 0.001 and split.observed_treatment_share < 0.48
    # The lift the dashboard shows (+1.6% to +2.8%, p < 0.003) while the truth is exactly 0.
    lift = metric_lift(seen, "sessions")
    assert lift.rel_lift > 0.01 and lift.p_value < 0.05
    assert _truth(result, "sessions") == 0.0
    # Who is missing: entry phones (light users who fail big installs) from treatment.
    entry_share = seen.groupby("arm", observed=True)["chip_tier"].apply(
        lambda tiers: (tiers == "entry").mean())
    assert entry_share["treatment"] < entry_share["control"] - 0.02

    # Fix the rollback bug that silences failed installs: no SRM, and no survivor lift (the
    # truth is zero, so a null test is "significant" by chance in 5% of seeds, either way;
    # what must go is the inflated positive lift).
    fixed = analysis_population(simulate(
        case.with_knobs({"telemetry.silent_after_failed_install": 0.0}), seed=seed))
    assert srm(*units_per_arm(fixed), case.experiment.treatment_share).p_value > 0.001
    fixed_lift = metric_lift(fixed, "sessions")
    assert fixed_lift.abs_ci[0] < lift.abs_diff / 2 and fixed_lift.rel_lift < lift.rel_lift / 2


# --- 7. household_interference: device randomisation misses the spillover ---------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_device_randomisation_sees_less_than_half_of_the_household_effect(seed):
    case = _case("household_interference")
    by_device = simulate(case, seed=seed)
    by_household = simulate(case.with_knobs({"experiment.unit": "household"}), seed=seed)
    device_lift = cuped_lift(analysis_population(by_device), "sessions", "pre_sessions")
    # Whole households were randomised: their devices are not independent, so the interval
    # is clustered on the household (device-level errors would be too narrow).
    household_lift = cuped_lift(analysis_population(by_household), "sessions", "pre_sessions",
                                cluster="household_id")
    truth = _truth(by_household, "sessions")
    # Device randomisation: +0.2% to +0.9%; household randomisation: +4.6% to +5.0% against a
    # true global effect of +4.8%.
    assert device_lift.rel_lift < 0.5 * household_lift.rel_lift
    assert device_lift.rel_lift < 0.5 * truth
    assert household_lift.p_value < 0.001
    # Unbiased for the global effect: within three standard errors of the truth on every seed
    # (a 95% interval misses it on one seed in twenty by design).
    standard_error = (household_lift.rel_ci[1] - household_lift.rel_ci[0]) / (2 * 1.96)
    assert abs(household_lift.rel_lift - truth) < 3 * standard_error
    # The spillover reaches devices that never run the build.
    assert _truth(by_household, "sessions", "device_type", "tv") > 0.02


# --- 8. ev_voice_assistant: more use, and a safety guardrail breached --------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_cabin_assistant_lifts_use_but_breaches_the_distraction_guardrail(seed):
    case = _case("ev_voice_assistant")
    distraction = _guardrail(case, "distraction_events")
    result = simulate(case, seed=seed)
    seen = analysis_population(result)
    # Interactions +2.9% to +3.6% (p < 1e-6); eyes-off-road events +22% to +23% against a 5%
    # margin (truly +7% on the newer chip and +35% on the older one).
    assert metric_lift(seen, "sessions").rel_lift > 0.01
    assert metric_lift(seen, "sessions").p_value < 0.001
    check = non_inferiority(seen, "distraction_events", distraction.margin, False)
    assert not check.non_inferior and check.estimate > distraction.margin
    for tier in ("cockpit_gen3", "cockpit_gen2"):
        assert _truth(result, "distraction_events", "chip_tier", tier) > distraction.margin

    # A distilled 1B model starts speaking within the budget on both chips: distraction falls.
    fixed = analysis_population(simulate(case.with_knobs({"feature.params_m": 1000}), seed=seed))
    assert non_inferiority(fixed, "distraction_events", distraction.margin, False).non_inferior
    assert metric_lift(fixed, "distraction_events").rel_lift < 0
    assert metric_lift(fixed, "sessions").p_value < 0.001


def test_the_cabin_assistant_decodes_a_few_tokens_a_second_on_cockpit_chips():
    case = _case("ev_voice_assistant")
    profile = hardware_profile(case.feature, case.fleet.chip_tiers)
    tokens_per_second = 1000.0 * case.feature.inferences_per_use / profile.latency_ms
    assert np.all((tokens_per_second > 2) & (tokens_per_second < 8))
    assert np.all(profile.latency_ms > case.feature.latency_budget_ms)
