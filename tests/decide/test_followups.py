"""Each follow-up is asked when its condition is in the readout, and not otherwise."""

from __future__ import annotations

import dataclasses

import pytest

from sim import analyse, simulate
from sim.case.library import load_case
from sim.decide.followups import (
    MAX_FOLLOWUPS,
    GuardrailSignal,
    Signals,
    choose,
    signals,
    triggered,
)

QUIET = Signals(guardrails=(GuardrailSignal("crashes", worse_by=0.01, margin=0.10, status="pass"),),
                segment_p=(("chip_tier", 0.4), ("region", 0.7)), srm_p=0.5, srm_alarm=False,
                drift_shift=None, novelty=(0.03, 0.029, 0.6), ship_day=25, alpha=0.05)

# (follow-up, the one change to the quiet readout that calls for it, a change just short of it)
CONDITIONS = [
    ("srm", {"srm_p": 0.0002, "srm_alarm": True}, {"srm_p": 0.002, "srm_alarm": False}),
    ("drift_step", {"drift_shift": 2.5}, {"drift_shift": None}),
    ("guardrail_near_margin",
     {"guardrails": (GuardrailSignal("crashes", worse_by=0.08, margin=0.10, status="pass"),)},
     {"guardrails": (GuardrailSignal("crashes", worse_by=0.07, margin=0.10, status="pass"),)}),
    ("segment_differs", {"segment_p": (("chip_tier", 0.02), ("region", 0.7))},
     {"segment_p": (("chip_tier", 0.03), ("region", 0.7))}),  # 0.03 > 0.05 / 2 kinds
    ("novelty_fade", {"novelty": (0.08, 0.02, 0.01)}, {"novelty": (0.08, 0.02, 0.2)}),
    ("past_budget", {"ship_day": 31}, {"ship_day": 30}),
]


def test_a_quiet_readout_asks_only_the_fillers():
    assert triggered(QUIET) == ()
    assert [f.id for f in choose(QUIET)] == ["hardware_team", "next_step"]


@pytest.mark.parametrize(("followup", "trigger", "short"), CONDITIONS,
                         ids=[c[0] for c in CONDITIONS])
def test_each_follow_up_is_asked_on_its_condition_and_not_otherwise(followup, trigger, short):
    asked = triggered(dataclasses.replace(QUIET, **trigger))
    assert [f.id for f in asked] == [followup]
    assert asked[0].evidence and "{" not in asked[0].question + asked[0].evidence
    # A p-value comes formatted with its own "p = " or "p < ", never twice.
    assert "p = p" not in asked[0].evidence
    assert triggered(dataclasses.replace(QUIET, **short)) == ()


def test_a_guardrail_just_past_its_margin_is_near_it_too_and_a_rising_effect_is_no_fade():
    past = GuardrailSignal("battery_drain", worse_by=0.034, margin=0.03, status="fail")
    assert [f.id for f in triggered(dataclasses.replace(QUIET, guardrails=(past,)))] == [
        "guardrail_near_margin"]
    assert triggered(dataclasses.replace(QUIET, novelty=(0.01, 0.05, 0.001))) == ()


def test_at_most_three_follow_ups_sharpest_first():
    everything = dataclasses.replace(QUIET, **{k: v for _, trigger, _ in CONDITIONS
                                               for k, v in trigger.items()})
    assert len(triggered(everything)) == 6
    assert [f.id for f in choose(everything)] == ["srm", "drift_step", "guardrail_near_margin"]
    assert len(choose(everything)) == MAX_FOLLOWUPS


def test_the_follow_ups_come_from_real_readouts():
    srm_case = load_case("srm_install_failures")
    srm_report = analyse(simulate(srm_case, seed=0, devices=20_000))
    assert "srm" in [f.id for f in triggered(signals(srm_report, ship_day=None))]
    drift_report = analyse(simulate(load_case("firmware_drift"), seed=0, devices=20_000))
    asked = [f.id for f in triggered(signals(drift_report, ship_day=None))]
    assert "drift_step" in asked and "srm" not in asked
    aa_report = analyse(simulate(load_case("aa_test"), seed=3, devices=20_000))
    found = signals(aa_report, ship_day=None)
    assert not found.srm_alarm and found.drift_shift is None
    assert "past_budget" in [f.id for f in triggered(dataclasses.replace(found, ship_day=40))]
