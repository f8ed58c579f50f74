"""The fleet: mixes, households and sticky assignment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.case.scenario import scenario_from_data
from sim.engine.fleet import ENGAGEMENT_BY_TYPE, build_fleet, stable_hash_uniform


@given(st.lists(st.integers(0, 2**40), min_size=1, max_size=50), st.text(max_size=10))
def test_stable_hash_is_a_uniform_in_the_unit_interval_and_repeatable(keys, salt):
    keys = np.array(keys, dtype=np.int64)
    first = stable_hash_uniform(keys, salt)
    assert ((first >= 0) & (first < 1)).all()
    assert (first == stable_hash_uniform(keys, salt)).all()


def test_stable_hash_is_uniform():
    values = stable_hash_uniform(np.arange(200_000), "exp")
    # Kolmogorov-Smirnov against U(0, 1) (scipy): a broken hash would be far off.
    assert stats.kstest(values, "uniform").pvalue > 0.001


def test_mixes_match_the_case_within_sampling_error(aa_case):
    n = 100_000
    fleet = build_fleet(aa_case, np.random.default_rng(3), n, seed=3)
    for codes, expected in (
        (fleet.device_type, list(aa_case.fleet.device_types.values())),
        (fleet.tier, [t.share for t in aa_case.fleet.chip_tiers]),
        (fleet.region, [r.share for r in aa_case.fleet.regions]),
    ):
        observed = np.bincount(codes, minlength=len(expected))
        assert observed.sum() == n
        assert stats.chisquare(observed, np.array(expected) * n).pvalue > 0.001


def test_households_average_the_case_size(aa_case):
    fleet = build_fleet(aa_case, np.random.default_rng(4), 50_000, seed=4)
    sizes = np.bincount(fleet.household_id)
    sizes = sizes[sizes > 0][:-1]  # the last household may be cut short
    assert abs(sizes.mean() - aa_case.fleet.household_size_mean) < 0.05


def test_assignment_is_sticky_within_a_seed_and_fresh_across_seeds(aa_case):
    # Same seed: the same arms and stages whatever else the knobs change (the hash does not
    # read the fleet's order). Another seed: a new randomisation, agreeing with the first on
    # about half of the devices, as two independent 50/50 splits do.
    def arms(case, seed):
        fleet = build_fleet(case, np.random.default_rng(seed), 5_000, seed=seed)
        order = np.argsort(fleet.device_id)
        return fleet.treatment[order], fleet.stage[order]

    first, first_stage = arms(aa_case, 1)
    again, again_stage = arms(aa_case.with_knobs({"feature.quantization": "int4"}), 1)
    assert (first == again).all() and (first_stage == again_stage).all()
    other, _ = arms(aa_case, 2)
    assert abs(float((first == other).mean()) - 0.5) < 4 * np.sqrt(0.25 / 5_000)


@pytest.mark.parametrize("rho", [0.0, 0.1, 0.3])
def test_household_correlation_is_the_intra_class_correlation_of_engagement(aa_case, rho):
    # The one-way ANOVA estimate of the ICC (Donner & Koval 1980) of the log engagement
    # score, with the device-type and tier multipliers divided out: the share of its variance
    # that lies between homes.
    case = aa_case.model_copy(update={
        "fleet": aa_case.fleet.model_copy(update={"household_correlation": rho})})
    fleet = build_fleet(case, np.random.default_rng(9), 60_000, seed=9)
    tier_engagement = np.array([t.engagement for t in case.fleet.chip_tiers])[fleet.tier]
    type_engagement = np.array([ENGAGEMENT_BY_TYPE[t] for t in fleet.device_types])
    score = np.log(fleet.engagement / tier_engagement / type_engagement[fleet.device_type])
    frame = pd.DataFrame({"home": fleet.household_id, "score": score})
    homes = frame[frame.groupby("home")["score"].transform("size") >= 2]
    within = homes.groupby("home")["score"].var(ddof=1).mean()
    assert 1 - within / homes["score"].var(ddof=1) == pytest.approx(rho, abs=0.03)


def test_household_randomisation_keeps_each_home_in_one_arm(aa_case):
    case = aa_case.with_knobs({"experiment.unit": "household"})
    fleet = build_fleet(case, np.random.default_rng(0), 20_000, seed=0)
    arms_per_home = np.bincount(fleet.household_id, weights=fleet.treatment)
    sizes = np.bincount(fleet.household_id)
    mixed = (arms_per_home > 0) & (arms_per_home < sizes)
    assert not mixed.any()


@settings(max_examples=25, deadline=None)
@given(share=st.floats(0.1, 0.9), seed=st.integers(0, 1000))
def test_treatment_share_is_respected_and_devices_are_stored_control_first(aa_case, share, seed):
    case = aa_case.with_knobs({"experiment.treatment_share": round(share, 2)})
    fleet = build_fleet(case, np.random.default_rng(seed), 4_000, seed=seed)
    assert abs(fleet.treatment.mean() - round(share, 2)) < 4 * np.sqrt(share * (1 - share) / 4_000)
    assert not fleet.treatment[: fleet.n_control].any()
    assert fleet.treatment[fleet.n_control :].all()
    assert sorted(fleet.device_id) == list(range(4_000))


def test_eligibility_follows_the_lowest_tier_knob(night_case):
    case = night_case.with_knobs({"feature.lowest_tier": "upper_mid"})
    fleet = build_fleet(case, np.random.default_rng(0), 5_000, seed=0)
    tiers = np.array(fleet.tiers)[fleet.tier]
    assert fleet.eligible[np.isin(tiers, ["flagship", "upper_mid"])].all()
    assert not fleet.eligible[np.isin(tiers, ["mid", "entry"])].any()


def test_chip_tiers_can_scale_engagement_and_install_failures(aa_case):
    # An entry tier whose owners use the phone less and whose full storage fails big installs.
    data = aa_case.model_dump(mode="json")
    data["fleet"]["chip_tiers"][3].update(engagement=0.5, install_failure_mult=4.0)
    case = scenario_from_data({**data, "knobs": []}, "test")
    plain = build_fleet(aa_case, np.random.default_rng(6), 40_000, seed=6)
    scaled = build_fleet(case, np.random.default_rng(6), 40_000, seed=6)
    entry = scaled.tier == 3
    assert (plain.tier == scaled.tier).all()
    assert np.allclose(scaled.engagement[entry], 0.5 * plain.engagement[entry])
    assert (scaled.engagement[~entry] == plain.engagement[~entry]).all()
    expected = np.minimum(4.0 * plain.install_failure_rate[entry], 0.95)
    assert np.allclose(scaled.install_failure_rate[entry], expected)
    assert (scaled.install_failure_rate[~entry] == plain.install_failure_rate[~entry]).all()
