"""Behaviour under both arms: common random numbers, exact A/A truth, effects that make sense."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim import simulate
from sim.behaviour import lognormal


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
    big = type(night_case).model_validate({**data, "source": "test"})
    truth = simulate(big, seed=3, devices=20_000).truth
    crashes = truth[(truth["metric"] == "crashes") & (truth["segment_kind"] == "chip_tier")]
    effect = dict(zip(crashes["segment"], crashes["abs_effect"], strict=True))
    assert effect["entry"] > 1.0
    assert effect["flagship"] < 0.05
    assert effect["entry"] > effect["mid"] > effect["flagship"]
