"""Tests for sim.analysis.frame: the shared input checks and the split by arm."""

import doctest

import numpy as np
import pandas as pd
import pytest

from sim.analysis import frame as frame_module
from sim.analysis.frame import arm_samples, resolve_arms
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
