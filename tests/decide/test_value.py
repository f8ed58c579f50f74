"""A call's value against the truth, checked by arithmetic on the truth table itself."""

from __future__ import annotations

import pytest

from sim import load_scenario, simulate
from sim.case.metrics import METRICS
from sim.decide.decision import Decision
from sim.decide.value import SHIP_COST, CallValues
from sim.engine.truth import TruthTable
from tests.conftest import CASES


@pytest.fixture(scope="module")
def camera():
    result = simulate(load_scenario(CASES / "camera_night_mode.toml"), seed=3, devices=10_000)
    return result, CallValues(result)


def _d(call, **fields):
    return Decision(call=call, expected_lift=0.0, decision_day=28, **fields)


def test_a_segment_ship_gains_the_segments_true_effect_less_its_cost(camera):
    result, values = camera
    case = result.scenario
    metric = case.experiment.primary_metric
    truth = TruthTable(result.truth)
    tier = case.segment_names("chip_tier")[0]
    row = truth.row(metric, "chip_tier", tier)
    whole = truth.row(metric)
    devices = result.devices
    eligible = int(((devices["chip_tier"] == tier) & devices["eligible"]).sum())
    expected_gain = METRICS[metric].sign * float(row["abs_effect"]) * float(row["devices"]) / \
        abs(float(whole["control_mean"]) * float(whole["devices"]))
    value = values.value(_d("ship_segments", segment_kind="chip_tier", segments=[tier]))
    assert value.gain == pytest.approx(expected_gain, rel=1e-9)
    assert value.cost == pytest.approx(SHIP_COST * eligible / len(devices), rel=1e-9)
    assert value.value == pytest.approx(value.gain - value.cost - value.harm, rel=1e-12)


def test_value_is_additive_over_segments_of_one_kind(camera):
    result, values = camera
    tiers = result.scenario.segment_names("chip_tier")
    parts = [values.value(_d("ship_segments", segment_kind="chip_tier", segments=[t])).value
             for t in tiers]
    together = values.value(_d("ship_segments", segment_kind="chip_tier", segments=tiers)).value
    assert together == pytest.approx(sum(parts), rel=1e-9)


def test_rollback_is_worth_nothing_and_the_best_call_is_the_maximum(camera):
    _, values = camera
    assert values.value(_d("rollback")).value == 0.0
    best = values.best()
    assert best.value == max(c.value for c in values.candidates())
    assert values.fraction(Decision(call=best.call, segment_kind=best.segment_kind,
                                    segments=list(best.segments), expected_lift=0.0,
                                    decision_day=28)) == 1.0


def test_fractions_stay_between_zero_and_one(camera):
    _, values = camera
    for candidate in values.candidates():
        decision = Decision(call=candidate.call, segment_kind=candidate.segment_kind,
                            segments=list(candidate.segments), expected_lift=0.0,
                            decision_day=28, **({"extend_to": 35} if candidate.call == "extend"
                                                else {}))
        assert 0.0 <= values.fraction(decision) <= 1.0
