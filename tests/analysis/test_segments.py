"""Tests for sim.analysis.segments.

References: Holm (1979) and Benjamini & Hochberg (1995) step procedures written out by hand,
scipy's Welch test per segment, the classical nested-model F test from residual sums of
squares, and Cochran's Q for equality of independent estimates (with HC1 cell variances).
"""

import doctest

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from sim.analysis import segments
from sim.analysis.segments import interaction_test, segment_lifts
from sim.errors import DataError


def holm_by_hand(p_values):
    # Holm: sort ascending, multiply the i-th smallest (0-based) by m - i, running maximum.
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p)
    m = p.size
    adjusted = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[index]))
        adjusted[index] = running
    return adjusted


def bh_by_hand(p_values):
    # Benjamini-Hochberg: p * m / rank, running minimum from the largest p downwards.
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p)
    m = p.size
    adjusted = np.empty(m)
    running = 1.0
    for rank in range(m, 0, -1):
        index = order[rank - 1]
        running = min(running, p[index] * m / rank)
        adjusted[index] = running
    return adjusted


def test_hand_procedures_on_a_worked_list():
    # Worked by hand: sorted p = 0.005, 0.01, 0.03, 0.04 (m = 4).
    # Holm: 0.02, 0.03, 0.06, max(0.04, 0.06) = 0.06.  BH: 0.02, 0.02, 0.04, 0.04.
    p = [0.01, 0.04, 0.03, 0.005]
    assert holm_by_hand(p) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert bh_by_hand(p) == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_docstring_examples_run():
    assert doctest.testmod(segments).failed == 0


def make_segmented(seed=3, effect_in_us=1.5, n_per_cell=300):
    rng = np.random.default_rng(seed)
    regions = ["apac", "eu", "latam", "us"]
    rows = []
    for region in regions:
        for arm in ("control", "treatment"):
            shift = effect_in_us if (arm == "treatment" and region == "us") else 0.0
            scale = 5.0 if region != "latam" else 9.0
            values = rng.normal(30 + shift, scale, n_per_cell)
            rows.append(pd.DataFrame({"arm": arm, "region": region, "minutes": values}))
    return pd.concat(rows, ignore_index=True)


def test_segment_lifts_match_scipy_per_segment_and_hand_adjustments():
    frame = make_segmented()
    result = segment_lifts(frame, "minutes", "region")
    assert [s.segment for s in result.segments] == ["apac", "eu", "latam", "us"]
    for segment in result.segments:
        rows = frame[frame["region"] == segment.segment]
        treatment = rows.loc[rows["arm"] == "treatment", "minutes"]
        control = rows.loc[rows["arm"] == "control", "minutes"]
        reference = stats.ttest_ind(treatment, control, equal_var=False)
        assert segment.p_value == pytest.approx(reference.pvalue, rel=1e-9)
        assert segment.abs_diff == pytest.approx(treatment.mean() - control.mean())
    p_values = [s.p_value for s in result.segments]
    assert [s.p_holm for s in result.segments] == pytest.approx(holm_by_hand(p_values))
    assert [s.p_bh for s in result.segments] == pytest.approx(bh_by_hand(p_values))
    assert result.to_frame().shape[0] == 4
    assert "Holm" in result.reading


def test_segment_lifts_binary_metric_skips_segments_missing_an_arm():
    frame = pd.DataFrame(
        {
            "arm": ["control", "treatment"] * 40 + ["control"] * 5,
            "os": ["13"] * 40 + ["14"] * 40 + ["15"] * 5,
            "crashed": [0, 1, 0, 0] * 20 + [0] * 5,
        }
    )
    result = segment_lifts(frame, "crashed", "os")
    assert result.method.startswith("difference in proportions")
    assert [s.segment for s in result.segments] == ["13", "14"]
    assert result.skipped == ("15",)


def test_segment_lifts_unknown_segment_column():
    with pytest.raises(DataError, match="no column 'country'"):
        segment_lifts(make_segmented(), "minutes", "country")


def interaction_design(frame):
    treated = (frame["arm"] == "treatment").to_numpy(float)
    regions = sorted(frame["region"].unique())
    dummies = np.column_stack([(frame["region"] == r).to_numpy(float) for r in regions[1:]])
    full = np.column_stack([np.ones(len(frame)), treated, dummies, dummies * treated[:, None]])
    return full, full[:, : 2 + len(regions) - 1], len(regions) - 1


def test_interaction_f_test_matches_nested_model_rss_without_robust_errors():
    frame = make_segmented()
    result = interaction_test(frame, "minutes", "region", robust=False)
    full, reduced, q = interaction_design(frame)
    y = frame["minutes"].to_numpy()
    rss_full = np.sum((y - full @ np.linalg.lstsq(full, y, rcond=None)[0]) ** 2)
    rss_reduced = np.sum((y - reduced @ np.linalg.lstsq(reduced, y, rcond=None)[0]) ** 2)
    df_denom = len(y) - full.shape[1]
    f_stat = ((rss_reduced - rss_full) / q) / (rss_full / df_denom)
    assert result.statistic == pytest.approx(f_stat, rel=1e-8)
    assert result.p_value == pytest.approx(stats.f.sf(f_stat, q, df_denom), rel=1e-8)
    assert (result.df_num, result.df_denom) == (q, df_denom)


def test_robust_interaction_test_equals_cochran_q_with_hc1_cell_variances():
    # The saturated model's interaction terms are differences of per-segment effects. With
    # HC0 errors each cell mean has variance sum(resid^2) / n_cell^2 and cells are
    # independent, so the Wald test of equal effects is Cochran's Q; HC1 scales every
    # variance by n / (n - k). The F form divides Q by its degrees of freedom.
    frame = make_segmented(seed=4)
    result = interaction_test(frame, "minutes", "region", robust=True)
    n, k = len(frame), 8
    effects, weights = [], []
    for _, rows in frame.groupby("region"):
        variance = 0.0
        means = {}
        for arm, cell in rows.groupby("arm"):
            values = cell["minutes"].to_numpy()
            means[arm] = values.mean()
            variance += np.sum((values - values.mean()) ** 2) / values.size**2
        effects.append(means["treatment"] - means["control"])
        weights.append(1 / (variance * n / (n - k)))
    effects, weights = np.array(effects), np.array(weights)
    pooled = np.sum(weights * effects) / weights.sum()
    cochran_q = np.sum(weights * (effects - pooled) ** 2)
    assert result.statistic == pytest.approx(cochran_q / 3, rel=1e-8)
    assert result.p_value == pytest.approx(stats.f.sf(cochran_q / 3, 3, n - k), rel=1e-8)


def test_robust_interaction_test_matches_statsmodels_hc1_wald_test():
    # Reference: statsmodels' own OLS fit with HC1 covariance and its Wald F test on the
    # interaction terms of the same design (an independent route to the same statistic).
    frame = make_segmented(seed=7, effect_in_us=0.8)
    result = interaction_test(frame, "minutes", "region", robust=True)
    full, _, q = interaction_design(frame)
    fit = sm.OLS(frame["minutes"].to_numpy(), full).fit(cov_type="HC1")
    restriction = np.zeros((q, full.shape[1]))
    restriction[:, full.shape[1] - q :] = np.eye(q)
    wald = fit.wald_test(restriction, use_f=True, scalar=True)
    assert result.statistic == pytest.approx(float(wald.statistic), rel=1e-8)
    assert result.p_value == pytest.approx(float(wald.pvalue), rel=1e-8)
    assert (result.df_num, result.df_denom) == (int(wald.df_num), int(wald.df_denom))


def test_interaction_detects_a_segment_only_effect_and_not_a_uniform_one():
    assert (
        interaction_test(
            make_segmented(effect_in_us=2.0, n_per_cell=1000), "minutes", "region"
        ).p_value
        < 1e-4
    )
    uniform = make_segmented(seed=8, effect_in_us=0.0)
    uniform.loc[uniform["arm"] == "treatment", "minutes"] += 1.0
    result = interaction_test(uniform, "minutes", "region")
    assert result.p_value > 0.01
    assert "No clear evidence" in result.reading


def test_interaction_needs_two_usable_segments():
    frame = pd.DataFrame(
        {"arm": ["control", "treatment"] * 4, "region": ["eu"] * 8, "minutes": np.arange(8.0)}
    )
    with pytest.raises(DataError, match="at least two segments"):
        interaction_test(frame, "minutes", "region")


@pytest.mark.parametrize("seed", range(20))
def test_holm_adjust_matches_statsmodels_multipletests(seed):
    # Reference: statsmodels.stats.multitest.multipletests(method="holm").
    from statsmodels.stats.multitest import multipletests

    from sim.analysis.segments import holm_adjust

    rng = np.random.default_rng(seed)
    p_values = rng.uniform(0, 0.2, rng.integers(1, 12))
    p_values[rng.random(p_values.size) < 0.2] = p_values[0]  # ties
    expected = multipletests(p_values, method="holm")[1]
    assert np.allclose(holm_adjust(p_values), expected, rtol=0, atol=1e-12)


def test_the_clustered_interaction_test_is_statsmodels_cluster_robust_wald_test():
    import statsmodels.api as sm

    from sim.analysis.segments import _design

    rng = np.random.default_rng(21)
    homes = 400
    size = rng.integers(1, 4, homes)
    home = np.repeat(np.arange(homes), size)
    arm = np.repeat(rng.integers(0, 2, homes), size)
    region = rng.choice(["eu", "us", "apac"], home.size)  # a household spans regions
    shared = np.repeat(rng.normal(0, 1, homes), size)
    y = 20 + 3 * shared + rng.normal(0, 2, home.size) + np.where((arm == 1) & (region == "us"),
                                                                  1.0, 0.0)
    frame = pd.DataFrame({"arm": np.where(arm == 1, "treatment", "control"), "region": region,
                          "home": home, "y": y})
    ours = interaction_test(frame, "y", "region", cluster="home")
    segments = [(region == name) for name in ["apac", "eu", "us"]]
    design = _design(arm.astype(float), segments)
    fit = sm.OLS(y, design).fit(cov_type="cluster", cov_kwds={"groups": home}, use_t=True)
    restriction = np.zeros((2, design.shape[1]))
    restriction[:, -2:] = np.eye(2)
    reference = fit.wald_test(restriction, use_f=True, scalar=True)
    assert ours.statistic == pytest.approx(float(reference.statistic), rel=1e-8)
    assert ours.df_denom == homes - 1 == reference.df_denom
    assert ours.p_value == pytest.approx(float(reference.pvalue), rel=1e-7)


def test_segment_lifts_are_clustered_when_asked():
    rng = np.random.default_rng(22)
    home = np.repeat(np.arange(300), 3)
    arm = np.repeat(rng.integers(0, 2, 300), 3)
    frame = pd.DataFrame({"arm": np.where(arm == 1, "treatment", "control"), "home": home,
                          "tier": rng.choice(["a", "b"], home.size),
                          "y": np.repeat(rng.normal(0, 3, 300), 3) + rng.normal(10, 1, home.size)})
    clustered = segment_lifts(frame, "y", "tier", cluster="home")
    plain = segment_lifts(frame, "y", "tier")
    for c, p in zip(clustered.segments, plain.segments, strict=True):
        assert c.abs_diff == pytest.approx(p.abs_diff)
        assert c.abs_ci[1] - c.abs_ci[0] > p.abs_ci[1] - p.abs_ci[0]
