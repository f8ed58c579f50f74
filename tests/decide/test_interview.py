"""The interview's steps, clock, clarifying answers and hints."""

from __future__ import annotations

import pytest

from sim.case.library import case_paths, load_case
from sim.decide.interview import (
    CLARIFYING,
    HINT_LEVELS,
    HINTED_STEPS,
    STEPS,
    Clock,
    clarifying_answer,
    hint,
    step_after,
    suggested_length,
)
from tests.conftest import ROOT

CASE_IDS = [path.stem for path in case_paths(ROOT / "scenarios")]


def test_the_steps_run_in_order_and_time_out_to_the_call():
    assert [step_after(step) for step in STEPS[:-1]] == list(STEPS[1:])
    for step in ("prompt", "clarify", "design", "readout"):
        assert step_after(step, out_of_time=True) == "call"
    assert step_after("call", out_of_time=True) == "followups"


def test_the_clock_counts_down_and_stops_at_zero():
    clock = Clock(started=1_000.0, minutes=30)
    assert clock.remaining(1_000.0) == 1_800.0 and not clock.out_of_time(2_799.0)
    assert clock.remaining(5_000.0) == 0.0 and clock.out_of_time(2_800.0)
    assert clock.used_minutes(5_000.0) == 30.0


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_every_clarifying_question_and_hint_has_an_answer_from_the_case(case_id):
    case = load_case(case_id)
    assert suggested_length(case) in (20, 30, 45)
    for question in CLARIFYING:
        answer = clarifying_answer(case, question)
        assert answer and "{" not in answer
    for step in HINTED_STEPS:
        hints = [hint(step, level, case) for level in range(len(HINT_LEVELS))]
        assert len(set(hints)) == 2 and all("{" not in h for h in hints)


def test_the_clarifying_answers_come_from_the_case_and_follow_its_variant():
    case = load_case("camera_night_mode")
    assert "150,000 devices" in clarifying_answer(case, "devices")
    assert "25 ms" in clarifying_answer(case, "budget")
    assert "Crashes per device no worse than 10.0%" in clarifying_answer(case, "guardrails")
    aa = load_case("aa_test")
    assert "flagship 20%" in clarifying_answer(aa, "devices")
    shares = {clarifying_answer(aa.variant(k), "devices") for k in range(1, 4)}
    assert len(shares) == 3 and clarifying_answer(aa, "devices") not in shares


def test_a_step_without_hints_says_so():
    with pytest.raises(ValueError, match="no hint for the prompt step"):
        hint("prompt", 0, load_case("aa_test"))
