"""Tests for sim.analysis.quality: SRM, completeness and cleaning."""

import doctest
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.analysis import quality
from sim.analysis.frame import to_plain
from sim.analysis.quality import clean_daily, completeness, srm
from sim.errors import DataError


def test_docstring_examples_run():
    assert doctest.testmod(quality).failed == 0


def test_srm_matches_hand_chi_square_for_even_split():
    # Pearson goodness of fit by hand: expected 50,750 per arm, chi2 = sum (o - e)^2 / e,
    # p from the chi-square(1) tail (scipy.stats.chi2.sf), not from scipy.stats.chisquare.
    result = srm(50_000, 51_500)
    expected = 101_500 / 2
    chi2 = (50_000 - expected) ** 2 / expected + (51_500 - expected) ** 2 / expected
    assert result.chi2 == pytest.approx(chi2, rel=1e-12)
    assert result.chi2 == pytest.approx(22.1675, abs=1e-4)
    assert result.p_value == pytest.approx(stats.chi2.sf(chi2, df=1), rel=1e-9)
    assert result.alarm
    assert "mismatch" in result.reading.lower()


def test_srm_uneven_planned_split_uses_planned_shares():
    # Planned 10 % treatment: expected 900 / 100 of 1000; observed 880 / 120.
    result = srm(880, 120, expected_treatment_share=0.1)
    chi2 = (880 - 900) ** 2 / 900 + (120 - 100) ** 2 / 100
    assert result.chi2 == pytest.approx(chi2)
    assert result.observed_treatment_share == pytest.approx(0.12)
    assert not result.alarm  # p is about 0.035: noteworthy but above the 0.001 alarm line


def test_srm_alarm_threshold_is_one_in_a_thousand():
    # The chi-square(1) critical value at 0.001 is 10.83.
    assert not srm(10_000 - 162, 10_000 + 162).alarm  # chi2 = 2 * 162^2 / 10000 = 5.25
    assert srm(10_000 - 240, 10_000 + 240).alarm  # chi2 = 11.52, p = 0.0007


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 10**6), st.integers(1, 10**6), st.floats(0.05, 0.95))
def test_srm_is_symmetric_in_the_arms(n_control, n_treatment, share):
    forward = srm(n_control, n_treatment, share)
    backward = srm(n_treatment, n_control, 1 - share)
    assert forward.chi2 == pytest.approx(backward.chi2, rel=1e-9, abs=1e-9)
    assert 0 <= forward.p_value <= 1


def test_srm_rejects_bad_counts_and_shares():
    with pytest.raises(DataError, match="n_control"):
        srm(-1, 10)
    with pytest.raises(DataError, match="expected_treatment_share"):
        srm(10, 10, expected_treatment_share=1.5)
    with pytest.raises(DataError, match="no values"):
        srm(0, 0)


def test_completeness_share_and_arm_difference_match_hand_2x2_chi_square():
    result = completeness({"control": 990, "treatment": 900}, {"control": 1000, "treatment": 1000})
    assert result.share == pytest.approx(1890 / 2000)
    assert result.share_by_arm == {"control": 0.99, "treatment": 0.9}
    # Pearson chi-square of the 2x2 table [[990, 10], [900, 100]] without continuity
    # correction: N (ad - bc)^2 / (row and column totals), closed form.
    a, b, c, d = 990, 10, 900, 100
    n = a + b + c + d
    chi2 = n * (a * d - b * c) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    assert result.p_value_arms_differ == pytest.approx(stats.chi2.sf(chi2, 1), rel=1e-9)
    assert "control 99.0%" in result.reading


def test_completeness_plain_counts_and_bad_input():
    result = completeness(950, 1000)
    assert result.share == 0.95
    assert math.isnan(result.p_value_arms_differ)
    assert "95.0%" in result.reading
    with pytest.raises(DataError, match="at most the expected"):
        completeness(1001, 1000)
    with pytest.raises(DataError, match="same arms"):
        completeness({"a": 1}, {"b": 2})


def test_clean_daily_removes_exact_duplicates_and_counts_conflicts_and_late_rows():
    daily = pd.DataFrame(
        {
            "device_id": [1, 1, 1, 2, 2, 3],
            "day": [0, 0, 1, 0, 0, 0],
            "crashes": [0, 0, 2, 1, 3, 0],
            "received_day": [0, 0, 3, 0, 0, 1],
        }
    )
    clean, report = clean_daily(daily)
    # Row 1 repeats row 0 exactly; rows 3 and 4 share (2, 0) but differ in crashes.
    assert report.rows_in == 6
    assert report.exact_duplicates_removed == 1
    assert report.rows_out == len(clean) == 5
    assert report.conflicting_key_rows == 2
    # Late: (1, day 1) received on day 3 and (3, day 0) received on day 1.
    assert report.late_rows == 2
    assert clean.duplicated().sum() == 0
    assert "1 exact duplicate" in report.reading
    # Dated before the day received: a late upload or a clock behind, not only "late" (the
    # devices table's late reports count uploads alone).
    assert "2 row(s) are dated before the day they were received" in report.reading
    assert report.to_dict()["key"] == ["device_id", "day"]


def test_clean_daily_without_received_day_and_with_missing_key():
    clean, report = clean_daily(pd.DataFrame({"device_id": [1, 2], "day": [0, 0]}))
    assert report.late_rows == 0 and len(clean) == 2
    with pytest.raises(DataError, match=r"no column 'device_id'.*available columns: 'day'"):
        clean_daily(pd.DataFrame({"day": [0]}))


def test_results_are_frozen_and_json_safe():
    result = srm(100, 120)
    with pytest.raises(AttributeError):
        result.chi2 = 0.0
    text = json.dumps(result.to_dict(), allow_nan=False)
    assert json.loads(text)["n_treatment"] == 120
    assert to_plain({"x": (np.float32(1.5), np.inf), "y": np.bool_(True)}) == {
        "x": [1.5, None],
        "y": True,
    }


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2),
                          st.sampled_from([0.0, 1.0, math.nan]), st.integers(0, 1)),
                min_size=1, max_size=40))
def test_clean_daily_matches_pandas_on_every_column(rows):
    # Reference: pandas' drop_duplicates over every column and duplicated on the key, the
    # definitions clean_daily's narrower comparison (only rows whose key repeats) must keep.
    daily = pd.DataFrame(rows, columns=["device_id", "day", "sessions", "crashes"])
    clean, report = clean_daily(daily)
    expected = daily.drop_duplicates(keep="first").reset_index(drop=True)
    pd.testing.assert_frame_equal(clean, expected)
    assert report.exact_duplicates_removed == len(daily) - len(expected)
    assert report.conflicting_key_rows == int(
        expected.duplicated(subset=["device_id", "day"], keep=False).sum())


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 3), st.integers(0, 1)),
                min_size=1, max_size=40))
def test_clean_daily_counts_rows_received_per_day_before_and_after_removing_duplicates(rows):
    daily = pd.DataFrame(rows, columns=["device_id", "day", "crashes"])
    daily["received_day"] = daily["day"] + daily["crashes"]  # a crash report arrives a day late
    report = clean_daily(daily)[1]
    # pandas' own groupby on the raw rows and on the rows without exact duplicates.
    raw = daily.groupby("received_day").size()
    kept = daily.drop_duplicates().groupby("received_day").size().reindex(raw.index,
                                                                          fill_value=0)
    assert report.rows_received == tuple(zip(raw.index, raw, kept, strict=True))
    frame = report.rows_received_frame()
    assert frame["raw"].sum() == len(daily) and frame["cleaned"].sum() == report.rows_out
