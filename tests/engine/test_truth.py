"""The hidden truth: true means and effects per metric and segment, and lookups into them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.engine.truth import TruthTable, relative_change, truth_table


def test_truth_table_is_the_exact_difference_of_the_potential_outcomes():
    tiers = np.array([0, 0, 1, 1, 1])
    control = {"x": np.array([1.0, 3.0, 2.0, 2.0, 2.0]),
               "y": np.array([np.nan, 1.0, 1.0, 1.0, np.nan])}
    treatment = {"x": np.array([2.0, 4.0, 2.0, 2.5, 2.0]),
                 "y": np.array([np.nan, 2.0, 1.0, 1.0, np.nan])}
    table = truth_table(control, treatment, {"chip_tier": (tiers, ("a", "b"))})
    rows = table.set_index(["metric", "segment_kind", "segment"])
    assert rows.loc[("x", "all", "all"), "abs_effect"] == pytest.approx(2.5 / 5)
    assert rows.loc[("x", "chip_tier", "a"), "abs_effect"] == pytest.approx(1.0)
    assert rows.loc[("x", "chip_tier", "b"), "rel_effect"] == pytest.approx(0.5 / 6)
    # NaN (a metric a device does not have) is left out of the means, not counted as zero.
    assert rows.loc[("y", "all", "all"), "control_mean"] == pytest.approx(1.0)
    assert rows.loc[("y", "chip_tier", "a"), "treatment_mean"] == pytest.approx(2.0)
    assert rows.loc[("x", "chip_tier", "b"), "devices"] == 3


def test_the_table_lookups_pool_segments_by_devices():
    frame = pd.DataFrame({
        "metric": ["m"] * 3, "segment_kind": ["all", "tier", "tier"],
        "segment": ["all", "a", "b"], "devices": [30, 10, 20],
        "control_mean": [10.0, 10.0, 10.0], "treatment_mean": [10.5, 11.0, 10.25],
        "abs_effect": [0.5, 1.0, 0.25], "rel_effect": [0.05, 0.1, 0.025],
    })
    truth = TruthTable(frame)
    assert truth.rel("m") == pytest.approx(0.05)
    assert truth.pooled_rel("m", "tier", ["a", "b"]) == pytest.approx((10 + 5) / 300)
    assert truth.segments("tier") == [("a", 10), ("b", 20)]
    assert math.isnan(truth.rel("m", "tier", "c")) and truth.row("nope") is None


def test_a_relative_change_from_nothing_is_infinite_and_no_change_is_zero():
    assert relative_change(4.0, 0.2) == pytest.approx(0.05)
    assert relative_change(0.0, 0.0) == 0.0 and relative_change(0.0, 1.0) == math.inf
