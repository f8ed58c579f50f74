"""Every combination of a case's knobs within their ranges either runs end to end - simulate,
analyse, the data rule, the right call, the score, the memo - or is refused with one line;
never a traceback, and no "nan" reaches what a person reads."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.case.knobs import whole_if
from sim.case.library import case_paths, load_case
from sim.decide.design import design_comparison
from sim.errors import LaunchRoomError
from sim.export.memo import memo_markdown
from tests.conftest import CASES

CASE_IDS = [path.stem for path in case_paths(CASES)]
FUZZ_RUNS = 70


@st.composite
def knob_settings(draw):
    case = load_case(draw(st.sampled_from(CASE_IDS)))
    knobs = {}
    for knob in draw(st.lists(st.sampled_from(case.knobs), unique_by=lambda k: k.path,
                              max_size=len(case.knobs))) if case.knobs else ():
        if knob.options is not None:
            knobs[knob.path] = draw(st.sampled_from(knob.options))
        else:
            value = draw(st.floats(knob.min, knob.max, allow_nan=False, allow_infinity=False))
            knobs[knob.path] = whole_if(case.get(knob.path), round(value) if isinstance(
                case.get(knob.path), int) else value)
    return case, knobs, draw(st.integers(0, 2**53 - 1))


def _readings(value) -> list[str]:
    """Every plain-language reading in a readout (the ``reading`` fields, at any depth)."""
    if isinstance(value, dict):
        found = [value["reading"]] if isinstance(value.get("reading"), str) else []
        return found + [text for item in value.values() for text in _readings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _readings(item)]
    return []


def _no_nan(text: str) -> None:
    words = text.lower().replace(",", " ").replace("(", " ").replace(")", " ").split()
    assert "nan" not in words and "inf" not in words, text


@pytest.mark.slow
@settings(max_examples=FUZZ_RUNS, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(knob_settings())
def test_any_knob_combination_runs_or_gets_one_line(drawn):
    case, knobs, seed = drawn
    try:
        tuned = case.with_knobs(knobs)
    except LaunchRoomError as error:
        assert "\n" not in str(error)
        return
    result = sim.simulate(tuned, seed=seed, devices=400, days=min(tuned.fleet.days, 21))
    report = sim.analyse(result)
    decision = sim.decide(report, scenario=tuned, result=result)
    # The design comparison re-simulates the fleet once per design (tests/decide/test_design.py
    # checks that it is exact); here every design reads this run, so each draw is scored whole
    # at the cost of one simulation.
    design = design_comparison(result, runner=lambda *_: result)
    card = sim.score(decision, result, report, design=design)
    right = sim.right_call(result)
    assert 0 <= card.total <= 100 and right.call in {"ship_all", "ship_segments", "extend",
                                                     "iterate", "rollback"}
    for text in (*_readings(report.to_dict()), decision.memo, card.summary,
                 *(item.explanation for item in card.items),
                 *report.unavailable.values()):
        _no_nan(text)
    assert math.isfinite(decision.expected_lift)
    memo_markdown(decision, report, tuned, scorecard=card, result=result)
