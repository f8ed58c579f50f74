"""The gate drill is built from the run's own tables and checked against exact arithmetic."""

from __future__ import annotations

from math import comb

from sim import simulate
from sim.case.library import load_case
from sim.readout.drills import gate_drill


def test_the_gate_drill_takes_its_numbers_from_the_run(aa_result):
    drill = gate_drill(aa_result)
    devices = aa_result.devices
    control = devices[devices["arm"] == "control"]
    assert drill.rate == control["crashes"].sum() / control["active_days"].sum()
    assert drill.stage_devices == ((devices["arm"] == "treatment") & (devices["stage"] == 0)).sum()
    # aa_test's gate: max_value 1.09% and at most double the control rate, whichever is lower.
    assert drill.threshold == min(0.0109, 2 * drill.rate)
    n, k = drill.answer.trials, drill.answer.events_needed
    exact = 1 - sum(comb(n, j) * drill.rate**j * (1 - drill.rate) ** (n - j) for j in range(k))
    assert abs(drill.answer.chance - exact) < 1e-9
    assert drill.check(exact) and not drill.check(exact + 0.05)
    assert "trips by luck" in drill.question()
    assert len(drill.solution()) == 3 and str(k) in drill.solution()[1]


def test_a_case_without_a_crash_gate_has_no_gate_drill():
    assert gate_drill(simulate(load_case("assistant_llm_ram"), seed=0, devices=2_000)) is None
