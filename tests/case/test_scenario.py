"""Case files: validation, clear errors for broken files, knob overrides."""

from __future__ import annotations

import pytest

from sim.case.library import case_paths
from sim.case.scenario import load_scenario, parse_scenario
from sim.errors import ScenarioError


def _case_text(path="scenarios/aa_test.toml") -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def test_every_case_in_the_library_validates():
    paths = case_paths("scenarios")
    assert {p.stem for p in paths} >= {"aa_test", "camera_night_mode"}
    for path in paths:
        case = load_scenario(path)
        assert case.meta.id == path.stem
        assert case.experiment.primary_metric
        assert case.meta.brief.strip()


def test_models_are_frozen(aa_case):
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises ValidationError on frozen
        aa_case.fleet.size = 5


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        # bad type
        (("size = 100_000", 'size = "lots"'), "broken.toml: fleet.size: Input should be a valid integer"),
        # unknown key, with the keys that are allowed there
        (("[baseline]", "[baseline]\nsesions_per_day = 3"), "broken.toml: baseline.sesions_per_day: unknown key; allowed here: sessions_per_day"),
        # shares not summing to 1
        (("phone = 0.55", "phone = 0.65"), "broken.toml: fleet: Value error, device_types shares must sum to 1 (they sum to 1.1)".replace("Value error, ", "")),
        # negative size
        (("base_package_mb = 40.0", "base_package_mb = -40.0"), "broken.toml: rollout.base_package_mb: Input should be greater than or equal to 0"),
        # a choice outside its Literal
        (('unit = "device"', 'unit = "tenant"'), "broken.toml: experiment.unit: Input should be 'device' or 'household'"),
        # stages must grow to 100%
        (("{ share = 1.00, bake_days = 0 }", "{ share = 0.90, bake_days = 0 }"), "broken.toml: rollout: the last stage must offer the build to all"),
        # TOML syntax
        (("[meta]", "[meta"), "broken.toml: not valid TOML"),
    ],
)
def test_broken_case_files_give_one_clear_error(tmp_path, monkeypatch, edit, expected):
    old, new = edit
    text = _case_text()
    assert old in text
    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError) as caught:
        load_scenario("broken.toml")
    message = str(caught.value)
    assert message.startswith(expected), message
    assert "\n" not in message


def test_missing_file_and_folder_errors(tmp_path):
    with pytest.raises(ScenarioError, match=r"^nowhere/case\.toml: file not found$"):
        load_scenario("nowhere/case.toml")
    with pytest.raises(ScenarioError, match="is a folder, not a case file"):
        load_scenario(tmp_path)


def test_missing_required_section_is_named():
    with pytest.raises(ScenarioError, match=r"^x\.toml: meta: required but missing"):
        parse_scenario('[fleet]\nsize = 1000', "x.toml")


def test_several_problems_are_counted_not_dumped():
    with pytest.raises(ScenarioError) as caught:
        parse_scenario("", "empty.toml")
    assert "more problems" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_with_knobs_returns_a_new_validated_scenario(night_case):
    changed = night_case.with_knobs({"feature.quantization": "int4", "feature.params_m": 20})
    assert changed.feature.quantization == "int4"
    assert changed.feature.params_m == 20
    assert night_case.feature.quantization == "int8"  # the original is untouched
    assert changed.get("feature.quantization") == "int4"


def test_knobs_are_checked_against_their_declared_range_and_options(night_case):
    with pytest.raises(ScenarioError, match="not one of the knob's options: fp16, int8, int4"):
        night_case.with_knobs({"feature.quantization": "int3"})
    with pytest.raises(ScenarioError, match=r"outside the knob's range 10\.0\.\.100\.0"):
        night_case.with_knobs({"feature.latency_budget_ms": 500})


def test_undeclared_paths_are_validated_like_the_case_file(aa_case):
    deeper = aa_case.with_knobs({"rollout.stages.0.bake_days": 3})
    assert deeper.rollout.stages[0].bake_days == 3
    with pytest.raises(ScenarioError, match="no such setting; allowed here: an index from 0 to 5"):
        aa_case.with_knobs({"rollout.stages.7.bake_days": 3})
    with pytest.raises(ScenarioError, match="fleet.nonsense: no such setting"):
        aa_case.with_knobs({"fleet.nonsense": 1})
    with pytest.raises(ScenarioError, match="rollout.stages.0.bake_days: Input should be greater than or equal to 0"):
        aa_case.with_knobs({"rollout.stages.0.bake_days": -1})


def test_cross_field_errors_name_the_setting(aa_case):
    with pytest.raises(
        ScenarioError,
        match=r"^scenarios/aa_test\.toml: feature\.lowest_tier 'potato' is not a chip tier; "
        r"allowed: flagship, upper_mid, mid, entry$",
    ):
        aa_case.with_knobs({"feature.lowest_tier": "potato"})
