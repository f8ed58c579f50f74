"""Calibration against the simulator's own truth, over many seeds (slow; CI runs them).

These are the checks that make the practice honest: an A/A test is significant in about 5%
of runs, a 95% interval covers the true effect of the sample about 95% of the time, CUPED
removes the share of variance the pre-period explains, and peeking every day inflates the
false-positive rate of a fixed-horizon test but not of the always-valid one.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import simulate
from sim.analysis import cuped_lift, metric_lift
from sim.readout.report import sequential_reading

pytestmark = pytest.mark.slow

AA_SEEDS = 2_000


def _seen(result):
    return result.devices[result.devices["days_reported"] > 0]


def test_aa_false_positive_rate_is_alpha(aa_case):
    # 2,000 seeds: the standard error of a 5% rate is 0.49 points, so the 3.5%-6.5% window is
    # three standard errors wide on either side.
    case = aa_case
    significant = 0
    for seed in range(AA_SEEDS):
        result = simulate(case, seed=seed, devices=1_000, days=10)
        significant += metric_lift(_seen(result), case.experiment.primary_metric).p_value < 0.05
    rate = significant / AA_SEEDS
    assert 0.035 <= rate <= 0.065, rate


def test_confidence_intervals_cover_the_true_effect(night_case):
    seeds = 300
    covered = 0
    for seed in range(seeds):
        result = simulate(night_case, seed=seed, devices=6_000, days=21)
        lift = metric_lift(_seen(result), "sessions")
        covered += lift.abs_ci[0] <= result.true_effect("sessions") <= lift.abs_ci[1]
    assert covered / seeds >= 0.93, covered / seeds


def test_cuped_variance_reduction_is_one_minus_corr_squared(night_case):
    reductions, explained = [], []
    for seed in range(40):
        result = simulate(night_case, seed=seed, devices=8_000, days=21)
        seen = _seen(result)
        reductions.append(cuped_lift(seen, "sessions", "pre_sessions").variance_reduction)
        # Within-arm correlation: what the regression adjustment can explain.
        within = [np.corrcoef(g["pre_sessions"], g["sessions"])[0, 1] ** 2
                  for _, g in seen.groupby("arm", observed=True)]
        explained.append(np.mean(within))
    reductions, explained = np.array(reductions), np.array(explained)
    assert abs(reductions.mean() - explained.mean()) < 0.01
    assert np.abs(reductions - explained).max() < 0.03


def test_daily_peeking_inflates_the_fixed_test_but_not_the_sequential_one(aa_case):
    seeds = 300
    fixed_alarms = sequential_alarms = 0
    for seed in range(seeds):
        result = simulate(aa_case, seed=seed, devices=2_000, days=28)
        reading = sequential_reading(result, "sessions", alpha=0.05)
        fixed_alarms += any(look.fixed_low > 0 or look.fixed_high < 0 for look in reading.looks)
        sequential_alarms += reading.excludes_zero
    fixed_rate, sequential_rate = fixed_alarms / seeds, sequential_alarms / seeds
    assert fixed_rate > 0.08, fixed_rate
    assert sequential_rate <= 0.05, sequential_rate
