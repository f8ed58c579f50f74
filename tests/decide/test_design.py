"""The design comparison: the same fleet re-simulated under every design of the case."""

from __future__ import annotations

import pytest

from sim import load_scenario, simulate
from sim.decide.design import design_comparison, design_grid, design_label, values_for
from sim.decide.value import CallValues
from tests.conftest import CASES


@pytest.fixture(scope="module")
def camera():
    case = load_scenario(CASES / "camera_night_mode.toml")
    result = simulate(case, seed=4, devices=8_000)
    return case, result, design_comparison(result)


def test_the_grid_is_every_combination_of_the_feature_design_knobs(camera):
    case, _, comparison = camera
    grid = design_grid(case)
    knobs = {knob.path: knob for knob in case.knobs if knob.path.startswith("feature.")
             and knob.role == "design" and knob.options is not None}
    expected = 1
    for knob in knobs.values():
        expected *= len(knob.options)
    assert len(grid) == len(comparison.designs) == expected
    assert len({tuple(sorted(d.items())) for d in grid}) == expected


def test_the_best_design_is_named_and_its_value_is_the_maximum(camera):
    _, _, comparison = camera
    assert comparison.best.value == max(d.value for d in comparison.designs)
    assert comparison.best.label in comparison.reading or comparison.yours.label in \
        comparison.reading


def test_each_design_is_re_simulated_exactly_not_estimated(camera):
    # Every design's value is what an independent simulation of that design on the same
    # seed and fleet size gives: the comparison runs the engine, it does not extrapolate.
    case, result, comparison = camera
    for design in comparison.designs[::5]:
        run = simulate(case.with_knobs(design.knobs), seed=result.seed,
                       devices=len(result.devices), days=result.days)
        alone = CallValues(run).best()
        assert design.value == pytest.approx(alone.value, rel=0, abs=1e-12)
        assert design.best_call == alone.label
        assert values_for(comparison, design.knobs) is not None


def test_the_fraction_is_one_for_the_best_design_and_less_for_a_worse_one(camera):
    case, result, comparison = camera
    worst = min(comparison.designs, key=lambda d: d.value)
    assert comparison.best.value > worst.value
    run = simulate(case.with_knobs(worst.knobs), seed=result.seed, devices=len(result.devices))
    mine = design_comparison(run, runner=lambda c, s, n, d: simulate(c, seed=s, devices=n,
                                                                    days=d))
    assert mine.yours.label == worst.label
    assert mine.fraction < 1.0
    best_run = simulate(case.with_knobs(comparison.best.knobs), seed=result.seed,
                        devices=len(result.devices))
    assert design_comparison(best_run).fraction == 1.0


def test_a_case_without_design_knobs_has_nothing_to_compare():
    result = simulate(load_scenario(CASES / "aa_test.toml"), seed=0, devices=2_000)
    comparison = design_comparison(result)
    assert comparison.designs == () and comparison.fraction == 1.0


def test_design_labels_read_as_words():
    case = load_scenario(CASES / "camera_night_mode.toml")
    tiers = case.fleet.tier_names()
    assert design_label(case, {"feature.lowest_tier": tiers[-1]}) == "every tier"
    assert design_label(case, {"feature.quantization": "int8",
                               "feature.lowest_tier": tiers[1]}) == f"int8, {tiers[1]} and above"

