"""The metric lab's statistics (sim/lab.py) and the mix analysis behind its Simpson demo."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim.analysis.mix import stratified_difference
from sim.sweeps import lab


def _frame(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["arm", "tier", "x"])


def test_stratified_difference_finds_simpsons_reversal():
    rng = np.random.default_rng(1)
    rows = []
    # Treatment is 1 lower inside each tier, but holds mostly the high tier.
    for arm, high_share, shift in (("control", 0.2, 0.0), ("treatment", 0.8, -1.0)):
        for _ in range(2_000):
            high = rng.random() < high_share
            rows.append((arm, "high" if high else "low", (10.0 if high else 2.0) + shift
                         + rng.normal(0, 1)))
    result = stratified_difference(_frame(rows), "x", "tier")
    assert result.pooled > 3 and result.reversal
    assert result.adjusted == pytest.approx(-1.0, abs=0.1)
    assert result.adjusted_ci[0] < -1.0 < result.adjusted_ci[1]
    strata = result.to_frame().set_index("stratum")
    assert strata.loc["high", "treatment_share"] == pytest.approx(0.8, abs=0.03)
    assert strata.loc["high", "control_share"] == pytest.approx(0.2, abs=0.03)
    assert "Simpson's paradox" in result.reading


def test_stratified_difference_without_a_mix_shift_agrees_with_the_pooled_one():
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({
        "arm": np.repeat(["control", "treatment"], 3_000),
        "tier": np.tile(["a", "b", "c"], 2_000),
        "x": rng.normal(5, 1, 6_000) + np.repeat([0.0, 0.5], 3_000),
    })
    result = stratified_difference(frame, "x", "tier")
    assert not result.reversal
    assert result.adjusted == pytest.approx(result.pooled, abs=0.01)
    assert result.pooled == pytest.approx(0.5, abs=0.1)
    assert result.pooled_ci[1] - result.pooled_ci[0] == pytest.approx(2 * 1.96 * (2 / 3_000) ** 0.5, rel=0.1)


def test_a_stratum_missing_from_one_group_gets_no_weight():
    frame = _frame([("control", "a", 1.0), ("control", "a", 2.0), ("treatment", "a", 2.0),
                    ("treatment", "a", 3.0), ("control", "b", 5.0), ("control", "b", 6.0)])
    result = stratified_difference(frame, "x", "tier")
    weights = {s.stratum: s.weight for s in result.strata}
    assert weights == {"a": 1.0, "b": 0.0}
    assert result.adjusted == 1.0


def test_blocks_double_and_combine_in_order():
    assert [(b.start, b.stop) for b in lab.blocks(100, 100)] == [(0, 100)]
    assert [(b.start, b.stop) for b in lab.blocks(400, 100)] == [(0, 100), (100, 200), (200, 400)]
    assert [(b.start, b.stop) for b in lab.blocks(300, 100)] == [(0, 100), (100, 200), (200, 300)]


@pytest.mark.parametrize("key", list(lab.DEMOS))
def test_every_demo_summarises_a_small_sweep(key, monkeypatch):
    demo = lab.DEMOS[key]
    monkeypatch.setitem(lab.DEMOS, key, dataclasses.replace(demo, devices=800))
    frame = lab.run_demo(key, range(3), workers=1)
    points = 1
    for values in demo.grid.values():
        points *= len(values)
    assert len(frame) == 3 * points
    summary = lab.summarise_demo(key, frame)
    assert not summary.table.empty
    assert summary.facts["runs"] in (3, 3 * points)
    # Every fact the page quotes is there (texts.LAB_TEXTS formats them all).
    from ui.texts import LAB_TEXTS

    LAB_TEXTS[key].format(**summary.facts)


@pytest.mark.slow
def test_the_demos_teach_what_they_say_at_their_own_sizes():
    """A few replications of the real demos already show each lesson's direction."""
    peeking = lab.summarise_demo("peeking", lab.run_demo("peeking", range(40), workers=2)).facts
    assert peeking["fixed"] > peeking["sequential"]
    simpson = lab.summarise_demo("simpson", lab.run_demo("simpson", range(12), workers=2)).facts
    assert simpson["pooled"] > 0 > simpson["adjusted"]
    assert simpson["low_share_on_build"] < simpson["low_share_control"]
    srm = lab.summarise_demo("srm", lab.run_demo("srm", range(8), workers=2)).facts
    assert srm["alarm_worst"] == 1.0 and srm["alarm_best"] == 0.0
    assert srm["mean_lift_worst"] > 0.02
