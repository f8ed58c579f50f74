"""The fleet: mixes, households and sticky assignment."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.case.scenario import scenario_from_data
from sim.engine.fleet import build_fleet, stable_hash_uniform


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
    fleet = build_fleet(aa_case, np.random.default_rng(3), n)
    for codes, expected in (
        (fleet.device_type, list(aa_case.fleet.device_types.values())),
        (fleet.tier, [t.share for t in aa_case.fleet.chip_tiers]),
        (fleet.region, [r.share for r in aa_case.fleet.regions]),
    ):
        observed = np.bincount(codes, minlength=len(expected))
        assert observed.sum() == n
        assert stats.chisquare(observed, np.array(expected) * n).pvalue > 0.001


def test_households_average_the_case_size(aa_case):
    fleet = build_fleet(aa_case, np.random.default_rng(4), 50_000)
    sizes = np.bincount(fleet.household_id)
    sizes = sizes[sizes > 0][:-1]  # the last household may be cut short
    assert abs(sizes.mean() - aa_case.fleet.household_size_mean) < 0.05


def test_assignment_is_sticky_across_seeds(aa_case):
    a = build_fleet(aa_case, np.random.default_rng(1), 5_000)
    b = build_fleet(aa_case, np.random.default_rng(2), 5_000)
    order_a, order_b = np.argsort(a.device_id), np.argsort(b.device_id)
    assert (a.treatment[order_a] == b.treatment[order_b]).all()
    assert (a.stage[order_a] == b.stage[order_b]).all()


def test_household_randomisation_keeps_each_home_in_one_arm(aa_case):
    case = aa_case.with_knobs({"experiment.unit": "household"})
    fleet = build_fleet(case, np.random.default_rng(0), 20_000)
    arms_per_home = np.bincount(fleet.household_id, weights=fleet.treatment)
    sizes = np.bincount(fleet.household_id)
    mixed = (arms_per_home > 0) & (arms_per_home < sizes)
    assert not mixed.any()


@settings(max_examples=25, deadline=None)
@given(share=st.floats(0.1, 0.9), seed=st.integers(0, 1000))
def test_treatment_share_is_respected_and_devices_are_stored_control_first(aa_case, share, seed):
    case = aa_case.with_knobs({"experiment.treatment_share": round(share, 2)})
    fleet = build_fleet(case, np.random.default_rng(seed), 4_000)
    assert abs(fleet.treatment.mean() - round(share, 2)) < 4 * np.sqrt(share * (1 - share) / 4_000)
    assert not fleet.treatment[: fleet.n_control].any()
    assert fleet.treatment[fleet.n_control :].all()
    assert sorted(fleet.device_id) == list(range(4_000))


def test_eligibility_follows_the_lowest_tier_knob(night_case):
    case = night_case.with_knobs({"feature.lowest_tier": "upper_mid"})
    fleet = build_fleet(case, np.random.default_rng(0), 5_000)
    tiers = np.array(fleet.tiers)[fleet.tier]
    assert fleet.eligible[np.isin(tiers, ["flagship", "upper_mid"])].all()
    assert not fleet.eligible[np.isin(tiers, ["mid", "entry"])].any()


def test_chip_tiers_can_scale_engagement_and_install_failures(aa_case):
    # An entry tier whose owners use the phone less and whose full storage fails big installs.
    data = aa_case.model_dump(mode="json")
    data["fleet"]["chip_tiers"][3].update(engagement=0.5, install_failure_mult=4.0)
    case = scenario_from_data({**data, "knobs": []}, "test")
    plain = build_fleet(aa_case, np.random.default_rng(6), 40_000)
    scaled = build_fleet(case, np.random.default_rng(6), 40_000)
    entry = scaled.tier == 3
    assert (plain.tier == scaled.tier).all()
    assert np.allclose(scaled.engagement[entry], 0.5 * plain.engagement[entry])
    assert (scaled.engagement[~entry] == plain.engagement[~entry]).all()
    expected = np.minimum(4.0 * plain.install_failure_rate[entry], 0.95)
    assert np.allclose(scaled.install_failure_rate[entry], expected)
    assert (scaled.install_failure_rate[~entry] == plain.install_failure_rate[~entry]).all()
