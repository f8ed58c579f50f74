"""Behaviour under both arms: common random numbers, exact A/A truth, effects that make sense."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim import load_scenario, simulate
from sim.case.scenario import scenario_from_data
from sim.engine.behaviour import Behaviour, device_effects, lognormal
from sim.engine.fleet import build_fleet
from sim.engine.hardware import hardware_profile
from sim.engine.rollout import DayExposure
from tests.conftest import CASES


def test_aa_truth_is_exactly_zero_for_every_metric_and_segment(aa_result):
    truth = aa_result.truth
    assert set(truth["segment_kind"]) == {"all", "chip_tier", "device_type", "region"}
    defined = truth.dropna(subset=["control_mean"])
    assert (defined["abs_effect"] == 0.0).all()
    assert (defined["control_mean"] == defined["treatment_mean"]).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_aa_truth_is_exactly_zero_for_any_seed_and_knobs(aa_case, seed):
    case = aa_case.with_knobs({"experiment.treatment_share": 0.3, "experiment.unit": "household"})
    truth = simulate(case, seed=seed, devices=3_000, days=14).truth
    assert (truth["abs_effect"].dropna() == 0.0).all()


def test_truth_means_match_the_arms_of_this_sample(night_result):
    # With clean telemetry the observed arm means estimate the true means of the sample.
    truth = night_result.truth.set_index(["metric", "segment_kind", "segment"])
    sessions = truth.loc[("sessions", "all", "all")]
    observed = night_result.devices.groupby("arm", observed=True)["sessions"].mean()
    assert sessions["control_mean"] == pytest.approx(observed["control"], rel=0.05)
    assert sessions["treatment_mean"] == pytest.approx(observed["treatment"], rel=0.05)


def test_latency_over_budget_makes_the_entry_tier_lose(night_result):
    truth = night_result.truth
    tiers = truth[(truth["metric"] == "sessions") & (truth["segment_kind"] == "chip_tier")]
    effect = dict(zip(tiers["segment"], tiers["rel_effect"], strict=True))
    assert effect["flagship"] > 0.02 and effect["upper_mid"] > 0.02
    assert effect["entry"] < -0.02


def test_int4_rescues_the_entry_tier_and_fp16_hurts_mid(night_case):
    def tier_effect(quant, tier):
        case = night_case.with_knobs({"feature.quantization": quant})
        truth = simulate(case, seed=1, devices=20_000).truth
        row = truth[(truth["metric"] == "sessions") & (truth["segment"] == tier)]
        return float(row["rel_effect"].iloc[0])

    assert tier_effect("fp16", "mid") < tier_effect("int8", "mid")
    assert tier_effect("int4", "entry") > tier_effect("int8", "entry")


def test_novelty_fades_from_its_peak(night_case):
    case = night_case.with_knobs({"feature.effect.novelty_peak": 0.3, "feature.lowest_tier": "upper_mid"})
    result = simulate(case, seed=2, devices=30_000)
    cube = result.day_arm
    daily = cube.groupby(["day", "arm", "on_build"], observed=True)[["sessions", "devices_reporting"]].sum()
    per_device = daily["sessions"] / daily["devices_reporting"]
    control = per_device.xs("control", level="arm").droplevel("on_build")
    on_build = per_device.xs(("treatment", True), level=("arm", "on_build"))
    lift = (on_build / control.reindex(on_build.index) - 1).dropna()
    assert lift.loc[8:11].mean() > lift.loc[22:].mean() + 0.05


def test_lognormal_noise_has_mean_one_and_the_right_spread():
    draws = lognormal(np.random.default_rng(0), 500_000, 0.4)
    assert draws.dtype == np.float32
    assert abs(draws.mean() - 1.0) < 0.003
    # Compare with scipy's lognorm distribution: its log-mean is -sigma^2/2.
    ks = stats.kstest(draws[:20_000], stats.lognorm(s=0.4, scale=np.exp(-0.08)).cdf)
    assert ks.pvalue > 0.001


def test_out_of_memory_crashes_rise_on_small_ram(night_case):
    # A 3B model at int4 (1.5 GB of weights) on the night-mode phones: entry phones with 4 GB
    # have ~1.0-2.2 GB free and crash; flagships with 12 GB do not.
    # No gates, so the rollout reaches every tier instead of halting on the crashes.
    data = night_case.model_dump(mode="json")
    data["feature"].update(params_m=3000, quantization="int4", kv_cache_mb=300)
    data["rollout"]["gates"] = []
    big = scenario_from_data({**data, "knobs": []}, "test")  # a custom case: no knobs
    truth = simulate(big, seed=3, devices=20_000).truth
    crashes = truth[(truth["metric"] == "crashes") & (truth["segment_kind"] == "chip_tier")]
    effect = dict(zip(crashes["segment"], crashes["abs_effect"], strict=True))
    control = dict(zip(crashes["segment"], crashes["control_mean"], strict=True))
    # Out-of-memory crashes multiply an entry phone's crashes many times over.
    assert effect["entry"] > 5 * control["entry"]
    assert effect["flagship"] < 0.05
    assert effect["entry"] > effect["mid"] > effect["flagship"]


def _first_day(case, n=30_000):
    """A fleet, its behaviour model and day 0 with every device that can run the build on it."""
    fleet = build_fleet(case, np.random.default_rng(0), n, seed=0)
    profile = hardware_profile(case.feature, case.fleet.chip_tiers)
    model = Behaviour(case, fleet, profile, np.random.default_rng(1))
    exposure = DayExposure(exposed=fleet.eligible.copy(), on_build=fleet.eligible & fleet.treatment,
                           install_hour=np.zeros(n, dtype=np.float32), day=0, extra_crash=None,
                           failed_install=np.zeros(n, dtype=bool))
    day = model.step(0, np.random.default_rng(2), slice(0, n), exposure,
                     model.household_shares(exposure))
    return fleet, model, day


def _handoff(unit):
    return load_scenario(CASES / "household_interference.toml").with_knobs(
        {"experiment.unit": unit})


def test_household_share_counts_the_other_devices_of_a_home():
    fleet, model, _ = _first_day(_handoff("device"), n=5_000)
    running = np.random.default_rng(3).random(fleet.size) < 0.4
    frame = pd.DataFrame({"home": fleet.household_id, "running": running})
    in_home = frame.groupby("home")["running"].transform("sum") - running
    others = frame.groupby("home")["running"].transform("size") - 1
    expected = np.where(others > 0, in_home / np.maximum(others, 1), 0.0)
    assert np.allclose(model.household_share(running), expected, atol=1e-6)


def test_household_randomisation_realises_one_of_the_two_potential_outcomes():
    fleet, _, day = _first_day(_handoff("household"))
    # Whole homes share an arm: a control home has no device on the build, a treated home has
    # every device that can run it on the build.
    assert (day.realised_sessions == fleet.pick(*day.sessions)).all()


def test_device_randomisation_spills_over_to_control_devices_in_treated_homes():
    fleet, model, day = _first_day(_handoff("device"))
    control = ~fleet.treatment
    on_build = fleet.eligible & fleet.treatment
    treated_home = model.household_share(on_build) > 0
    realised, (untreated, everyone) = day.realised_sessions, day.sessions
    # Control devices in a home with no treated device see the no-treatment outcome exactly;
    # those in a home with a treated one use their devices more than they would without it.
    quiet = control & ~treated_home
    assert (realised[quiet] == untreated[quiet]).all()
    busy = control & treated_home
    assert realised[busy].sum() > 1.05 * untreated[busy].sum()
    # A treated device's home is never more treated than when everyone gets the build.
    treated = fleet.treatment
    assert (realised[treated] <= everyone[treated]).all()


def test_without_spillover_there_is_no_third_outcome(night_case):
    _, _, day = _first_day(night_case, n=2_000)
    assert day.realised_sessions is None


def test_distraction_rises_with_latency_over_budget_and_not_without_an_effect():
    case = load_scenario(CASES / "ev_voice_assistant.toml")
    fleet = build_fleet(case, np.random.default_rng(0), 4_000, seed=0)

    def tier_lift(feature):
        effects = device_effects(case, fleet, hardware_profile(feature, case.fleet.chip_tiers))
        return [float(effects.distraction_lift[fleet.tier == t][0]) for t in (0, 1)]

    gen3, gen2 = tier_lift(case.feature)
    assert gen2 > gen3 > 0  # the older chip is further over the latency budget
    small = tier_lift(case.feature.model_copy(update={"params_m": 1000.0}))
    assert small == pytest.approx([case.feature.effect.distraction] * 2)

    # With no effect on distraction at all, both potential outcomes are identical.
    still = case.with_knobs({"feature.effect.distraction": 0.0,
                             "feature.effect.distraction_latency_penalty": 0.0})
    _, _, day = _first_day(still, n=5_000)
    assert day.distraction[1].sum() > 0
    assert (day.distraction[0] == day.distraction[1]).all()


def test_memory_kills_shrink_the_gain_on_small_ram_phones():
    case = load_scenario(CASES / "assistant_llm_ram.toml")
    fleet = build_fleet(case, np.random.default_rng(0), 20_000, seed=0)
    effects = device_effects(case, fleet, hardware_profile(case.feature, case.fleet.chip_tiers))
    lift = {name: effects.sessions_lift[fleet.tier == index].mean()
            for index, name in enumerate(fleet.tiers)}
    crash = {name: effects.oom_crash_per_day[fleet.tier == index].mean()
             for index, name in enumerate(fleet.tiers)}
    assert lift["flagship"] > lift["upper_mid"] > lift["mid"]
    assert crash["mid"] > crash["upper_mid"] > 10 * crash["flagship"]


def test_fleets_without_a_distraction_sensor_have_no_distraction_truth(aa_result):
    assert "distraction_events" not in set(aa_result.truth["metric"])
    assert aa_result.devices["distraction_events"].isna().all()
