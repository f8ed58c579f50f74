"""Setting a case's values by dotted path, and reading --set values the way TOML would."""

from __future__ import annotations

import re

import pytest

from sim.case.knobs import parse_knob_value, parse_overrides, set_path
from sim.errors import ScenarioError


def test_parse_overrides_reads_values_like_toml():
    assert parse_overrides(["a.b=1", "c.d=int8", "e.f=0.5", "g.h=true"]) == {
        "a.b": 1, "c.d": "int8", "e.f": 0.5, "g.h": True,
    }
    with pytest.raises(ScenarioError, match="expected path=value"):
        parse_overrides(["feature.quantization"])


def test_a_value_that_is_not_toml_is_plain_text():
    assert parse_knob_value("int4") == "int4" and parse_knob_value("[1, 2]") == [1, 2]


def test_set_path_walks_models_lists_and_open_mappings():
    data = {"feature": {"effect": {"by_chip_tier": {}}}, "rollout": {"stages": [{"share": 1.0}]}}
    set_path(data, "feature.effect.by_chip_tier.entry", -0.1, "x.toml")
    set_path(data, "rollout.stages.0.share", 0.5, "x.toml")
    assert data["feature"]["effect"]["by_chip_tier"] == {"entry": -0.1}
    assert data["rollout"]["stages"] == [{"share": 0.5}]


@pytest.mark.parametrize("path, allowed", [
    ("feature.nope", "effect"),
    ("rollout.stages.3.share", "an index from 0 to 0"),
    ("rollout.stages.0.share.more", "nothing below rollout.stages.0.share"),
])
def test_a_path_that_does_not_exist_names_what_does(path, allowed):
    data = {"feature": {"effect": {}}, "rollout": {"stages": [{"share": 1.0}]}}
    with pytest.raises(ScenarioError,
                       match=re.escape(f"x.toml: {path}: no such setting; allowed here: {allowed}")):
        set_path(data, path, 1, "x.toml")
