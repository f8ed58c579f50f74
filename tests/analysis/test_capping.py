"""Percentile capping, checked against scipy's winsorising (``scipy.stats.mstats.winsorize``)
and arithmetic written out in the test."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mstats

from sim.analysis import capping
from sim.analysis.capping import capped_lift, winsorise
from sim.errors import DataError


def test_docstring_examples_run():
    assert doctest.testmod(capping).failed == 0


def test_winsorising_the_top_percent_is_scipys():
    values = np.random.default_rng(4).lognormal(2, 1, 1_000)
    ours, cap = winsorise(values, 99)
    # scipy caps the top 1% of values at the largest value not capped (the 990th).
    reference = np.asarray(mstats.winsorize(values, limits=(0, 0.01)))
    assert np.sort(ours)[:990] == pytest.approx(np.sort(reference)[:990])
    assert np.sort(values)[989] <= cap <= np.sort(values)[990]


def test_capping_removes_a_rig_and_says_how_far_it_moved_the_estimate():
    rng = np.random.default_rng(5)
    control, treatment = rng.poisson(100, 2_000).astype(float), rng.poisson(102, 2_000) * 1.0
    control[7] = 200_000.0  # one test rig in control
    frame = pd.DataFrame({"arm": ["control"] * 2_000 + ["treatment"] * 2_000,
                          "sessions": np.r_[control, treatment]})
    result = capped_lift(frame, "sessions", 99.9)
    assert result.raw.abs_diff < -90 and 1 < result.capped.abs_diff < 3
    assert result.moved_by == pytest.approx(result.capped.abs_diff - result.raw.abs_diff)
    assert result.devices_capped == 4  # the top 0.1% of 4,000
    width = result.capped.abs_ci[1] - result.capped.abs_ci[0]
    assert width < (result.raw.abs_ci[1] - result.raw.abs_ci[0]) / 10
    assert "capping moved the estimate by" in result.reading


def test_bad_percentiles_are_one_line():
    frame = pd.DataFrame({"arm": ["control", "treatment"] * 5, "x": np.arange(10.0)})
    for bad in (100, 10, float("nan"), True, "99"):
        with pytest.raises(DataError, match="capping percentile must be from 50 to 99.99"):
            capped_lift(frame, "x", bad)
