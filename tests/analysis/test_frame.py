"""Tests for sim.analysis.frame: the shared input checks and the split by arm."""

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis import frame as frame_module
from sim.analysis.frame import arm_samples, present_values, resolve_arms, treatment_indicator
from sim.errors import DataError


def test_docstring_examples_run():
    assert doctest.testmod(frame_module).failed == 0


def test_resolve_arms_rules_and_errors():
    assert resolve_arms(pd.DataFrame({"arm": ["treatment", "control"]})).control == "control"
    assert resolve_arms(pd.DataFrame({"arm": ["new", "old"]})).control == "new"  # sorted first
    assert resolve_arms(pd.DataFrame({"arm": ["new", "old"]}), control="old").treatment == "new"
    numeric = resolve_arms(pd.DataFrame({"arm": [1, 0, 1]}))
    assert (numeric.control, numeric.treatment) == (0, 1)
    with pytest.raises(DataError, match="one arm only"):
        resolve_arms(pd.DataFrame({"arm": ["a", "a"]}))
    with pytest.raises(DataError, match="3 arms"):
        resolve_arms(pd.DataFrame({"arm": ["a", "b", "c"]}))
    with pytest.raises(DataError, match="control arm 'x' is not in column 'arm'"):
        resolve_arms(pd.DataFrame({"arm": ["a", "b"]}), control="x")


def test_arm_samples_drops_missing_values_per_column():
    frame = pd.DataFrame({"arm": ["control", "control", "treatment"], "x": [1.0, np.nan, 3.0]})
    control, treatment = arm_samples(frame, "x", resolve_arms(frame))
    assert control.tolist() == [1.0] and treatment.tolist() == [3.0]
    with pytest.raises(DataError, match="at least 2 values in each arm"):
        arm_samples(frame, "x", resolve_arms(frame), minimum=2)
    with pytest.raises(DataError, match="not numeric"):
        arm_samples(frame.assign(x=["a", "b", "c"]), "x", resolve_arms(frame))


ARM_LABELS = st.sampled_from(["control", "treatment", None])
VALUE_TYPES = ["float64", "float32", "int16", "int64", "bool", "Int64", "Float64"]


@st.composite
def experiment_frames(draw):
    """A frame with a plain or categorical arm column (some rows in neither arm) and a value
    column of one of the types the tables use, nullable ones included."""
    arms = draw(st.lists(ARM_LABELS, min_size=1, max_size=40))
    arms[0] = "control"
    arms[-1] = "treatment" if len(arms) > 1 else arms[-1]
    values = draw(st.lists(st.one_of(st.none(), st.integers(-50, 50)), min_size=len(arms),
                           max_size=len(arms)))
    value_type = draw(st.sampled_from(VALUE_TYPES))
    column = pd.Series([0 if v is None else v for v in values], dtype="int64")
    if value_type in ("bool",):
        column = column > 0
    elif value_type in ("Int64", "Float64"):
        column = pd.Series(values, dtype=value_type)
    elif value_type.startswith("float"):
        column = pd.Series([np.nan if v is None else v / 4 for v in values], dtype=value_type)
    else:
        column = column.astype(value_type)
    arm = pd.Series(arms, dtype=draw(st.sampled_from(["object", "category"])))
    if isinstance(arm.dtype, pd.CategoricalDtype):
        # Categories in any order, one of them possibly never used.
        extra = ["holdout"] if draw(st.booleans()) else []
        arm = arm.cat.set_categories(draw(st.permutations(["control", "treatment", *extra])))
    return pd.DataFrame({"arm": arm, "x": column})


@settings(max_examples=200, deadline=None)
@given(experiment_frames())
def test_the_split_by_arm_matches_plain_pandas(frame):
    # The reference is pandas' own selection and missing-value handling, written the slow way.
    arms = frame_module.Arms("arm", "control", "treatment")
    plain_arm = frame["arm"].astype(object)
    expected = [frame.loc[(plain_arm == label).to_numpy(), "x"].dropna().astype(float)
                .to_numpy() for label in ("control", "treatment")]
    if min(len(values) for values in expected) == 0:
        with pytest.raises(DataError, match="needs at least 1 values in each arm|has no values"):
            arm_samples(frame, "x", arms)
    else:
        for got, want in zip(arm_samples(frame, "x", arms), expected, strict=True):
            assert got.dtype == np.float64
            np.testing.assert_array_equal(got, want)
    indicator = treatment_indicator(frame, arms)
    np.testing.assert_array_equal(
        indicator, plain_arm.map({"control": 0.0, "treatment": 1.0}).astype(float).to_numpy())
    assert present_values(frame["arm"]) == list(pd.unique(plain_arm.dropna()))


def test_arms_a_table_does_not_contain_match_no_rows():
    frame = pd.DataFrame({"arm": pd.Categorical(["a", "b"]), "x": [1.0, 2.0]})
    indicator = treatment_indicator(frame, frame_module.Arms("arm", "a", "z"))
    np.testing.assert_array_equal(indicator, [0.0, np.nan])


def test_present_values_of_a_column_with_many_categories_keep_their_order():
    labels = [f"segment {n}" for n in range(100)]
    column = pd.Series(labels[::-1] + labels, dtype="category")
    assert present_values(column) == labels[::-1]
