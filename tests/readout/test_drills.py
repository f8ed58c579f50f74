"""The gate drill is built from the run's own tables and checked against exact arithmetic."""

from __future__ import annotations

from math import comb

import numpy as np

from sim import simulate
from sim.case.library import load_case
from sim.readout.drills import BAYES_DAYS, bayes_drill, gate_drill, markov_drill


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


def test_the_markov_drill_reads_the_control_devices_logs(aa_result):
    drill = markov_drill(aa_result)
    devices = aa_result.devices.set_index("device_id")
    control = set(devices.index[devices["arm"] == "control"])
    daily = aa_result.daily
    assert drill.devices == daily[daily["device_id"].isin(control)]["device_id"].nunique()
    matrix = drill.chain.matrix.to_numpy()
    assert abs(matrix.sum(axis=1)[:2] - 1).max() < 1e-9
    # The case's own chain: an active device goes dormant with probability 0.08 a day.
    assert abs(drill.chain.matrix.loc["active", "dormant"] - 0.08) < 0.02
    power = np.linalg.matrix_power(matrix, 30)[0]
    assert abs(drill.answer - (1 - power[2])) < 1e-12
    assert drill.check(drill.answer + 0.005) and not drill.check(drill.answer - 0.05)
    assert "not churned: " in drill.solution()[2]
    control = aa_result.devices[aa_result.devices["arm"] == "control"]
    assert drill.observed == 1 - control["churned"].astype(bool).mean()
    assert drill.horizon == aa_result.days and f"{drill.observed:.2%}" in drill.solution()[3]
    # The chain's own number at the horizon stands beside it.
    at_horizon = 1 - np.linalg.matrix_power(matrix, drill.horizon)[0][2]
    assert f"the chain says {at_horizon:.2%}" in drill.solution()[3]


def test_a_run_without_daily_reports_has_no_markov_drill(aa_case):
    quiet = aa_case.with_knobs({"telemetry.daily_max_devices": 0})
    assert markov_drill(simulate(quiet, seed=0, devices=1_000, days=5)) is None


def test_the_bayes_drill_reads_the_weakest_tier_s_days_on_the_build(night_result):
    drill = bayes_drill(night_result)
    assert drill.tier == "entry" and len(drill.days) == BAYES_DAYS
    day, lift, se = drill.days[0]
    rows = night_result.day_arm
    rows = rows[(rows["chip_tier"] == "entry") & (rows["day"] == day)]
    treated = rows[(rows["arm"] == "treatment") & rows["on_build"]]
    control = rows[rows["arm"] == "control"]
    mean_t = treated["sessions"].sum() / treated["devices_reporting"].sum()
    mean_c = control["sessions"].sum() / control["devices_reporting"].sum()
    assert lift == round((mean_t - mean_c) / mean_c, 4) and se > 0
    odds = 1.0
    for _, x, s in drill.days:
        odds *= np.exp((x**2 - (x + 0.03) ** 2) / (2 * s**2))
    assert abs(drill.answer - odds / (1 + odds)) < 1e-9
    assert drill.check(drill.answer - 0.01) and not drill.check(drill.answer - 0.1)
    assert len(drill.solution()) == BAYES_DAYS + 1
