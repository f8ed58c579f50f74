"""The hardware model: orderings that must hold for any chip, and public magnitudes."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sim.case.feature import Feature
from sim.case.fleet import ChipTier
from sim.engine.hardware import (
    BYTES_PER_WEIGHT,
    free_ram_mb,
    hardware_profile,
    oom_probability_per_use,
)

tiers = st.lists(
    st.builds(
        ChipTier,
        name=st.just("tier"),
        share=st.just(1.0),
        npu_tops=st.floats(0.5, 200),
        mem_bandwidth_gbs=st.floats(2, 200),
        ram_gb=st.floats(1, 32),
        npu_power_w=st.floats(0.5, 10),
    ),
    min_size=1,
    max_size=5,
)
features = st.builds(
    Feature,
    name=st.just("f"),
    params_m=st.floats(0.1, 8000),
    gops_per_inference=st.floats(0, 500),
    inferences_per_use=st.floats(1, 400),
    kv_cache_mb=st.floats(0, 2000),
)


@given(features, tiers)
def test_int4_is_faster_than_int8_is_faster_than_fp16_on_every_tier(feature, chip_tiers):
    latency = {
        quant: hardware_profile(feature.model_copy(update={"quantization": quant}), chip_tiers).latency_ms
        for quant in ("fp16", "int8", "int4")
    }
    assert (latency["int4"] < latency["int8"]).all()
    assert (latency["int8"] < latency["fp16"]).all()


@given(
    footprint=st.floats(1, 50_000),
    ram=st.lists(st.floats(1, 32), min_size=2, max_size=8),
    draw=st.floats(0, 0.999),
)
def test_more_ram_never_means_more_out_of_memory_crashes(footprint, ram, draw):
    ram = np.sort(np.array(ram))
    free = free_ram_mb(ram, np.full(ram.shape, draw))
    oom = oom_probability_per_use(footprint, free)
    assert (np.diff(oom) <= 0).all()
    assert ((oom >= 0) & (oom <= 0.5)).all()


def test_weights_follow_parameters_times_bytes_per_weight():
    # DOMAIN.md: a 3B model at 4 bits needs ~1.5 GB of weights (3e9 x 0.5 bytes).
    llm = Feature(name="llm", params_m=3000, quantization="int4")
    profile = hardware_profile(llm, [ChipTier(name="t", share=1, npu_tops=45, mem_bandwidth_gbs=77, ram_gb=12)])
    assert profile.weights_mb == 3000 * 0.5 == 1500
    assert BYTES_PER_WEIGHT == {"fp16": 2.0, "int8": 1.0, "int4": 0.5}


def test_llm_decode_speed_is_in_the_public_range():
    # DOMAIN.md: a 3B model at 4 bits generates about 15-30 tokens/s on a flagship phone and a
    # few tokens/s on a car cockpit chip. One use = one token here.
    token = Feature(name="llm", params_m=3000, quantization="int4", gops_per_inference=6.0)
    flagship = ChipTier(name="flagship", share=0.5, npu_tops=45, mem_bandwidth_gbs=50, ram_gb=12)
    cockpit = ChipTier(name="cockpit", share=0.5, npu_tops=8, mem_bandwidth_gbs=8, ram_gb=8)
    profile = hardware_profile(token, [flagship, cockpit])
    tokens_per_second = 1000.0 / profile.latency_ms
    assert 15 <= tokens_per_second[0] <= 30
    assert 1 <= tokens_per_second[1] <= 6


def test_int8_is_about_twice_as_fast_as_float_when_compute_bound():
    # DOMAIN.md: int8 is about twice as fast as float on an NPU.
    vision = Feature(name="v", params_m=5, gops_per_inference=50)
    tier = [ChipTier(name="t", share=1, npu_tops=10, mem_bandwidth_gbs=50, ram_gb=8)]
    fp16 = hardware_profile(vision.model_copy(update={"quantization": "fp16"}), tier).latency_ms
    int8 = hardware_profile(vision, tier).latency_ms
    np.testing.assert_allclose(fp16 / int8, 2.0)


def test_feasibility_table_marks_the_tiers_over_budget(night_case):
    profile = hardware_profile(night_case.feature, night_case.fleet.chip_tiers)
    table = profile.table(night_case.feature.uses_per_day)
    assert list(table["chip_tier"]) == ["flagship", "upper_mid", "mid", "entry"]
    assert table["within_budget"].tolist() == [True, True, True, False]
    fp16 = hardware_profile(
        night_case.feature.model_copy(update={"quantization": "fp16"}), night_case.fleet.chip_tiers
    ).table(2.0)
    assert fp16["within_budget"].tolist() == [True, True, False, False]


def test_a_model_of_size_zero_costs_nothing(aa_case):
    profile = hardware_profile(aa_case.feature, aa_case.fleet.chip_tiers)
    assert (profile.latency_ms == 0).all()
    assert profile.footprint_mb == 0
    assert (profile.energy_j_per_use == 0).all()


def test_the_devices_with_a_battery_are_the_catalogues():
    from sim.case.metrics import BATTERY_DEVICE_TYPES
    from sim.engine.hardware import BATTERY_WH

    assert {kind for kind, wh in BATTERY_WH.items() if wh > 0} == BATTERY_DEVICE_TYPES
