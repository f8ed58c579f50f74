"""Tests for sim.analysis.table: loading files and the standard readout's exact JSON shape.

Numbers are checked against scipy's Welch test, the Wald formula for proportions written
out, a hand chi-square for SRM and the Freireich (1963) leukaemia trial (log-rank 16.79,
Cox hazard ratio 4.82 with Efron ties; Kleinbaum & Klein, "Survival Analysis", ch. 2-3).
"""

import doctest
import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis import table
from sim.analysis.table import analyse_table, load_table
from sim.errors import DataError

LIFT_KEYS = {
    "control_mean",
    "treatment_mean",
    "abs_diff",
    "abs_ci",
    "rel_lift",
    "rel_ci",
    "p_value",
    "rel_p_value",
    "test",
}
SIX_MP_WEEKS = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
SIX_MP_RELAPSE = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
PLACEBO_WEEKS = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]


def test_docstring_examples_run():
    assert doctest.testmod(table).failed == 0


@pytest.fixture
def trial():
    """The Freireich trial with made-up engagement columns, 21 patients per arm."""
    rng = np.random.default_rng(12)
    before = rng.normal(20, 4, 42)
    return pd.DataFrame(
        {
            "arm": ["6-MP"] * 21 + ["placebo"] * 21,
            "weeks": SIX_MP_WEEKS + PLACEBO_WEEKS,
            "relapse": SIX_MP_RELAPSE + [1] * 21,
            "before": before,
            "minutes": before + rng.normal(0, 2, 42) + np.repeat([0.0, 1.0], 21),
            "opened": np.tile([0, 1, 1], 14),
            "site": ["north", "south"] * 21,
        }
    )


def assert_one_line(error, *needles):
    text = str(error.value)
    assert "\n" not in text
    for needle in needles:
        assert needle in text, text


def test_report_has_exactly_the_documented_json_shape(trial):
    report = analyse_table(trial, arm="arm", covariate="before", duration="weeks", event="relapse")
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert set(data) == {"srm", "metrics", "retention", "skipped_columns"}
    assert data["skipped_columns"] == ["site"]  # text, so not a metric: said, not dropped silently
    assert set(data["srm"]) == {"chi2", "p_value", "n_control", "n_treatment"}
    # Default metrics: numeric columns other than arm, covariate, duration and event.
    assert set(data["metrics"]) == {"minutes", "opened"}
    for entry in data["metrics"].values():
        assert set(entry) == LIFT_KEYS | {"cuped"}
        assert set(entry["cuped"]) == LIFT_KEYS | {"variance_reduction"}
        for key in ("abs_ci", "rel_ci"):
            assert isinstance(entry[key], list) and len(entry[key]) == 2
            assert all(isinstance(v, float) for v in entry[key])
        assert isinstance(entry["p_value"], float)
    assert set(data["retention"]) == {
        "logrank_chi2",
        "logrank_p",
        "hazard_ratio",
        "hazard_ratio_ci",
    }
    assert isinstance(data["srm"]["n_control"], int)


def test_report_numbers_match_independent_computations(trial):
    report = analyse_table(trial, arm="arm", duration="weeks", event="relapse").to_dict()
    # No "control" arm, so the first in sorted order ("6-MP") is control.
    assert report["srm"] == {"chi2": 0.0, "p_value": 1.0, "n_control": 21, "n_treatment": 21}
    minutes = report["metrics"]["minutes"]
    treatment = trial.loc[trial["arm"] == "placebo", "minutes"]
    control = trial.loc[trial["arm"] == "6-MP", "minutes"]
    welch = stats.ttest_ind(treatment, control, equal_var=False)
    assert minutes["p_value"] == pytest.approx(welch.pvalue, rel=1e-9)
    assert minutes["abs_ci"] == pytest.approx(list(welch.confidence_interval(0.95)), rel=1e-9)
    opened = report["metrics"]["opened"]
    p_c = trial.loc[trial["arm"] == "6-MP", "opened"].mean()
    p_t = trial.loc[trial["arm"] == "placebo", "opened"].mean()
    se = math.sqrt(p_c * (1 - p_c) / 21 + p_t * (1 - p_t) / 21)
    assert opened["abs_diff"] == pytest.approx(p_t - p_c)
    assert opened["p_value"] == pytest.approx(2 * stats.norm.sf(abs(p_t - p_c) / se), rel=1e-9)
    assert report["retention"]["logrank_chi2"] == pytest.approx(16.79, abs=0.005)
    assert report["retention"]["hazard_ratio"] == pytest.approx(4.82, abs=0.005)
    assert "cuped" not in minutes


def test_srm_uses_the_planned_split(trial):
    report = analyse_table(trial, arm="arm", metrics=["minutes"], expected_treatment_share=0.25)
    chi2 = (21 - 31.5) ** 2 / 31.5 + (21 - 10.5) ** 2 / 10.5
    assert report.to_dict()["srm"]["chi2"] == pytest.approx(chi2)
    assert report.srm.alarm  # chi2 = 14, p = 0.00018


def test_control_defaults_and_explicit_control(trial):
    renamed = trial.assign(arm=trial["arm"].map({"6-MP": "treatment", "placebo": "control"}))
    assert analyse_table(renamed, arm="arm").control == "control"
    report = analyse_table(trial, arm="arm", control="placebo", metrics=["minutes"])
    assert (report.control, report.treatment) == ("placebo", "6-MP")
    numeric_arms = trial.assign(arm=(trial["arm"] == "placebo").astype(int)).drop(columns="site")
    numeric = analyse_table(numeric_arms, arm="arm")
    assert (numeric.control, numeric.treatment) == (0, 1)
    assert "arm" not in numeric.to_dict()["metrics"]


def test_rows_missing_a_metric_are_dropped_for_that_metric_only(trial):
    gappy = trial.copy()
    gappy.loc[[0, 1, 30], "minutes"] = np.nan
    report = analyse_table(gappy, arm="arm", metrics=["minutes", "opened"])
    kept = gappy.dropna(subset=["minutes"])
    treatment = kept.loc[kept["arm"] == "placebo", "minutes"]
    control = kept.loc[kept["arm"] == "6-MP", "minutes"]
    assert report.metrics["minutes"].abs_diff == pytest.approx(treatment.mean() - control.mean())
    assert (report.metrics["minutes"].n_control, report.metrics["minutes"].n_treatment) == (19, 20)
    assert report.metrics["opened"].n_control == 21


def test_analyse_table_bad_input_errors(trial):
    with pytest.raises(DataError) as error:
        analyse_table(trial, arm="group")
    assert_one_line(error, "no column 'group'", "available columns:", "'arm'", "'minutes'")
    with pytest.raises(DataError) as error:
        analyse_table(trial, arm="arm", metrics=["minutse"])
    assert_one_line(error, "no column 'minutse'")
    with pytest.raises(DataError) as error:
        analyse_table(trial[trial["arm"] == "6-MP"], arm="arm")
    assert_one_line(error, "one arm only", "'6-MP'")
    three = trial.assign(arm=["a", "b", "c"] * 14)
    with pytest.raises(DataError) as error:
        analyse_table(three, arm="arm")
    assert_one_line(error, "3 arms", "exactly two")
    with pytest.raises(DataError) as error:
        analyse_table(trial, arm="arm", metrics=["site"])
    assert_one_line(error, "'site'", "not numeric")
    with pytest.raises(DataError) as error:
        analyse_table(trial.iloc[0:0], arm="arm")
    assert_one_line(error, "no rows")
    with pytest.raises(DataError) as error:
        analyse_table(trial.assign(minutes=np.nan), arm="arm", metrics=["minutes"])
    assert_one_line(error, "'minutes'", "no values")
    with pytest.raises(DataError) as error:
        analyse_table(trial, arm="arm", duration="weeks")
    assert_one_line(error, "duration=", "event=")
    with pytest.raises(DataError) as error:
        analyse_table(trial, arm="arm", control="control")
    assert_one_line(error, "control arm 'control'")
    with pytest.raises(DataError) as error:
        analyse_table(trial[["arm", "site"]], arm="arm")
    assert_one_line(error, "no numeric metric columns")


def test_load_table_reads_csv_and_parquet(tmp_path, trial):
    trial.to_csv(tmp_path / "trial.csv", index=False)
    trial.to_parquet(tmp_path / "trial.PARQUET", index=False)
    from_csv = load_table(tmp_path / "trial.csv")
    from_parquet = load_table(str(tmp_path / "trial.PARQUET"))
    assert list(from_csv.columns) == list(trial.columns)
    assert len(from_parquet) == 42
    assert analyse_table(from_csv, arm="arm", metrics=["minutes"]).metrics[
        "minutes"
    ].abs_diff == pytest.approx(
        analyse_table(trial, arm="arm", metrics=["minutes"]).metrics["minutes"].abs_diff
    )


def test_load_table_errors_are_one_line(tmp_path):
    cases = []
    cases.append((tmp_path / "missing.csv", "file not found"))
    cases.append((tmp_path, "is a folder"))
    (tmp_path / "sheet.xlsx").write_bytes(b"PK")
    cases.append((tmp_path / "sheet.xlsx", "unsupported table format '.xlsx'"))
    (tmp_path / "README").write_text("hello")
    cases.append((tmp_path / "README", "(no extension)"))
    (tmp_path / "broken.parquet").write_bytes(b"not a parquet file at all")
    cases.append((tmp_path / "broken.parquet", "cannot be read as Parquet"))
    (tmp_path / "ragged.csv").write_text("a,b\n1,2\n1,2,3,4\n")
    cases.append((tmp_path / "ragged.csv", "line 3 has 4 fields but the header has 2"))
    (tmp_path / "binary.csv").write_bytes(b"a,b\n\xff\xfe\x00\x81,2\n")
    cases.append((tmp_path / "binary.csv", "cannot be read as CSV"))
    (tmp_path / "empty.csv").write_bytes(b"")
    cases.append((tmp_path / "empty.csv", "the table has no rows"))
    (tmp_path / "header.csv").write_text("arm,minutes\n")
    cases.append((tmp_path / "header.csv", "the table has no rows"))
    for path, needle in cases:
        with pytest.raises(DataError) as error:
            load_table(path)
        assert_one_line(error, needle, str(path))
