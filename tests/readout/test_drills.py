"""The drills are built from the run's own tables and checked against exact arithmetic: the
gate's binomial tail, the Markov chain's matrix power and the Kaplan-Meier product-limit by
hand, Bayes' rule by hand, and the readout's Bayesian reading in closed form."""

from __future__ import annotations

from math import comb, sqrt
from statistics import NormalDist

import numpy as np

from sim import simulate
from sim.analysis.bayes import bayes_mean_diff
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


def test_the_markov_drill_sets_the_chain_beside_kaplan_meier_and_the_truth(aa_result):
    drill = markov_drill(aa_result)
    # Churn is a week without activity: a 28-day run shows it up to day 21.
    assert drill.horizon == aa_result.days == 28 and drill.check_day == 21
    # The readout's retention reading is on the devices it analyses (aa_test's plan: every
    # device that reported at least once); the control arm's churn_day and churned.
    devices = aa_result.devices
    control = devices[(devices["days_reported"] > 0) & (devices["arm"] == "control")]
    time = control["churn_day"].to_numpy(dtype=float)
    event = control["churned"].to_numpy() == 1
    # Kaplan-Meier's product-limit by hand (Kaplan & Meier, JASA 1958): at each event time up
    # to day 21 multiply by (devices at risk - events) / devices at risk.
    survival = 1.0
    for t in np.unique(time[event & (time <= 21)]):
        at_risk, events = (time >= t).sum(), (event & (time == t)).sum()
        survival *= (at_risk - events) / at_risk
    assert abs(drill.kaplan_meier - survival) < 1e-12 and drill.km_devices == len(control)
    # Every device is followed from day 0 to day 21, so the product telescopes to the plain
    # share of those control devices not churned.
    assert abs(survival - (1 - event.mean())) < 1e-12
    truth = aa_result.truth
    assert drill.truth == truth[(truth["metric"] == "retained")
                                & (truth["segment_kind"] == "all")]["control_mean"].iloc[0]
    # Telemetry loses few devices here: the curve is within a point of the truth, while the
    # chain, which sees a churn only between two reported days, overstates retention.
    chain = 1 - np.linalg.matrix_power(drill.chain.matrix.to_numpy(), 21)[0][2]
    assert abs(drill.chain_at(21) - chain) < 1e-12
    assert abs(drill.kaplan_meier - drill.truth) < 0.01 < chain - drill.truth
    check, why = drill.solution()[3:]
    assert f"the chain says {chain:.2%}" in check
    assert "Kaplan-Meier curve of the control arm" in check and f"{survival:.2%}" in check
    assert f"the truth table's retained, control) - is {drill.truth:.2%}" in check
    assert "only one of the three that reaches past the run" in why


def test_a_run_too_short_to_show_churn_says_so(aa_case):
    drill = markov_drill(simulate(aa_case, seed=0, devices=1_000, days=7))
    assert drill.check_day == 0 and drill.kaplan_meier is None
    assert "a 7-day run cannot show it yet" in drill.solution()[-1]


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
    assert len(drill.solution()) == BAYES_DAYS + 3


def test_the_bayes_drill_sets_the_readout_s_bayesian_reading_beside_the_hand_posterior(
        night_result):
    drill = bayes_drill(night_result)
    # The same rows the readout reads (camera_night_mode's plan: every device that reported),
    # on the entry tier alone; sessions per device over the whole run.
    devices = night_result.devices
    rows = devices[(devices["days_reported"] > 0) & (devices["chip_tier"] == "entry")]
    reference = bayes_mean_diff(rows, "sessions")
    assert drill.readout.posterior_mean == reference.posterior_mean
    assert drill.readout.posterior_sd == reference.posterior_sd
    # Closed form: with a flat prior and a normal likelihood the posterior of the difference is
    # Normal(observed difference, s_c^2/n_c + s_t^2/n_t) (Gelman et al., Bayesian Data Analysis,
    # 3rd ed., section 2.5, normal mean with known variance under a uniform prior).
    control = rows.loc[rows["arm"] == "control", "sessions"].astype(float)
    treated = rows.loc[rows["arm"] == "treatment", "sessions"].astype(float)
    difference = treated.mean() - control.mean()
    se = sqrt(control.var(ddof=1) / len(control) + treated.var(ddof=1) / len(treated))
    posterior = NormalDist(difference, se)
    z = NormalDist().inv_cdf(0.975)
    lift, (low, high) = drill.readout_lift()
    assert abs(lift - difference / control.mean()) < 1e-12
    assert abs(low - (difference - z * se) / control.mean()) < 1e-9
    assert abs(high - (difference + z * se) / control.mean()) < 1e-9
    assert abs(drill.readout_lower() - posterior.cdf(0.0)) < 1e-9
    assert abs(drill.readout_loss() - posterior.cdf(-0.03 * control.mean())) < 1e-9
    # Entry chips miss the latency budget: a loss well past 3%, seen by both readings.
    assert lift < -0.03 and drill.readout_lower() > 0.99 and drill.answer > 0.99
    beside, why = drill.solution()[-2:]
    assert f"The lift is {lift:+.2%} of the control mean" in beside
    assert f"95% credible interval {low:+.2%} to {high:+.2%}" in beside
    assert (f"the chance that sessions on entry are lower under treatment than under control "
            f"is {drill.readout_lower():.1%}") in beside
    assert f"{len(treated):,} treatment against {len(control):,} control devices" in beside
    assert "two point hypotheses, a 3% loss or nothing" in why
    assert "flat prior over every possible lift" in why
    assert "first 7 days one at a time" in why and "pools each device's total" in why
