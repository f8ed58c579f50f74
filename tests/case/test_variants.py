"""Variants: every case declares them, the same number gives the same case and the same
tables, variant 0 is the file, every variant validates, and a broken [variants] table is
refused with the file, the dotted path and what is allowed."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import simulate
from sim.case.library import case_paths, load_case
from sim.case.scenario import load_scenario, parse_scenario
from sim.case.variants import Draw, Hurt, Mix, Scene, Variants, draw_variant
from sim.errors import ScenarioError
from sim.limits import MAX_VARIANT
from tests.conftest import ROOT

CASE_IDS = [path.stem for path in case_paths(ROOT / "scenarios")]


def _text(case_id: str = "camera_night_mode") -> str:
    return (ROOT / "scenarios" / f"{case_id}.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_every_case_declares_variants_that_change_it(case_id):
    case = load_case(case_id)
    assert case.variants.declared()
    dumps = {repr(case.variant(k).model_dump(mode="json")) for k in range(1, 9)}
    assert len(dumps) == 8, "eight variants, eight different cases"
    assert repr(case.model_dump(mode="json")) not in dumps


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_variant_zero_is_the_file_as_written(case_id):
    case = load_case(case_id)
    assert case.variant(0) is case
    assert case.variant(0).variant_number == 0


def test_the_same_variant_gives_the_same_case_and_identical_tables():
    case = load_case("camera_night_mode")
    first, again = case.variant(5), load_case("camera_night_mode").variant(5)
    assert first == again and first.variant_number == 5
    one = simulate(first, seed=2, devices=2_000)
    two = simulate(again, seed=2, devices=2_000)
    for name in ("devices", "day_arm", "truth"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name))
    other = simulate(case.variant(6), seed=2, devices=2_000)
    assert not one.truth.equals(other.truth)


def test_variants_of_different_cases_draw_different_numbers():
    spec = Variants(draws=(Draw(path="feature.effect.sessions", min=0.0, max=1.0),))
    data = {"feature": {"effect": {"sessions": 0.5}}}
    assert draw_variant(spec, data, "one", 1).settings != draw_variant(spec, data, "two", 1).settings
    assert draw_variant(spec, data, "one", 1).settings != draw_variant(spec, data, "one", 2).settings


@settings(max_examples=40, deadline=None)
@given(case_id=st.sampled_from(CASE_IDS), number=st.integers(1, MAX_VARIANT))
def test_every_variant_validates_and_stays_in_its_declared_ranges(case_id, number):
    case = load_case(case_id)
    variant = case.variant(number)
    assert variant.variant_number == number and variant.id == case.id
    drawn = case.variant_draw(number)
    declared = {draw.path: draw for draw in case.variants.draws}
    for scene in case.variants.scenes:
        if scene.name == drawn.scene:
            declared.update({draw.path: draw for draw in scene.draws})
    for path, value in drawn.settings:
        draw = declared.get(path)
        if draw is None:
            continue  # the mix, or a hurt segment (checked below)
        if draw.options is not None:
            assert value in draw.options
        else:
            assert draw.min <= value <= draw.max
        assert variant.get(path) == value
    for kind, shares in (("chip_tier", [t.share for t in variant.fleet.chip_tiers]),
                         ("region", [r.share for r in variant.fleet.regions])):
        assert sum(shares) == pytest.approx(1.0, abs=1e-9), kind
    # Knobs still apply on top of a variant, and keep its number.
    if case.knob("experiment.treatment_share") is not None:
        tuned = variant.with_knobs({"experiment.treatment_share": 0.3})
        assert tuned.variant_number == number and tuned.experiment.treatment_share == 0.3


def test_a_hurt_segment_turns_the_effect_around_in_one_region():
    scene = ('\n[[variants.scenes]]\nname = "one region is hurt"\nweight = 1000.0\n'
             'hurt = { kind = "region", among = ["north_america", "europe"], min = -2.0, '
             'max = -1.5 }\n')
    text = _text().replace("\n[answer]", scene + "\n[answer]")
    case = parse_scenario(text, "hurt.toml")
    hurt = next(k for k in range(1, 50) if case.variant_draw(k).scene == "one region is hurt")
    variant = case.variant(hurt)
    (region, multiplier), = variant.feature.effect.by_region.items()
    assert region in ("north_america", "europe") and -2.0 <= multiplier <= -1.5
    result = simulate(variant, seed=0, devices=20_000)
    truth = result.truth.query("metric == 'sessions' and segment_kind == 'region'")
    effects = dict(zip(truth["segment"], truth["rel_effect"], strict=True))
    assert effects[region] < 0 < min(v for name, v in effects.items() if name != region)


def test_the_mix_moves_shares_within_the_spread_and_keeps_them_summing_to_one():
    spec = Variants(mix=Mix(chip_tiers=0.3))
    data = {"fleet": {"chip_tiers": [{"name": "a", "share": 0.5}, {"name": "b", "share": 0.5}]}}
    for number in range(1, 30):
        tiers = draw_variant(spec, data, "demo", number).data["fleet"]["chip_tiers"]
        shares = [tier["share"] for tier in tiers]
        assert sum(shares) == pytest.approx(1.0) and all(0.35 <= s <= 0.65 for s in shares)
    assert data["fleet"]["chip_tiers"][0]["share"] == 0.5, "the case's own data is untouched"


def test_scenes_are_picked_by_weight():
    spec = Variants(scenes=(Scene(name="rare"), Scene(name="common", weight=9.0)))
    scenes = [draw_variant(spec, {}, "demo", k).scene for k in range(1, 401)]
    assert 0.8 < scenes.count("common") / len(scenes) < 0.97


@pytest.mark.parametrize("number", [-1, MAX_VARIANT + 1, 1.5, True, "3"])
def test_a_bad_variant_number_is_refused_with_the_range(number):
    with pytest.raises(ScenarioError, match=f"from 0 to {MAX_VARIANT}"):
        load_case("aa_test").variant(number)


def test_a_variant_is_drawn_from_the_file_only():
    with pytest.raises(ScenarioError, match="drawn from the case as written"):
        load_case("aa_test").variant(2).variant(3)


def test_a_case_without_variants_has_only_variant_zero():
    text = _text("aa_test")
    text = text[:text.index("\n# Variants")] + text[text.index("\n[answer]"):]
    case = parse_scenario(text, "plain.toml")
    assert case.variant(0) is case
    with pytest.raises(ScenarioError, match="plain.toml: the case declares no \\[variants\\]"):
        case.variant(1)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (('mix = { regions = 0.3 }', 'mix = { regions = 0.3, tiers = 0.1 }'),
         "broken.toml: variants.mix.tiers: unknown key; allowed here: chip_tiers, regions, "
         "device_types"),
        (('mix = { regions = 0.3 }', 'mix = { regions = 0.3 }\nseed = 4'),
         "broken.toml: variants.seed: unknown key; allowed here: draws, scenes, mix"),
        (('draws = [{ path = "feature.effect.sessions", min = 0.035, max = 0.05 }]',
          'draws = [{ path = "feature.effect.sesions", min = 0.035, max = 0.05 }]'),
         "broken.toml: variants.draws.0: feature.effect.sesions = 0.035 makes the case invalid "
         "(feature.effect.sesions: no such setting; allowed here: battery,"),
        (('draws = [{ path = "feature.effect.sessions", min = 0.035, max = 0.05 }]',
          'draws = [{ path = "feature.effect.sessions", min = 0.035, max = 9.0 }]'),
         "broken.toml: variants.draws.0: feature.effect.sessions = 9.0 makes the case invalid "
         "(feature.effect.sessions: Input should be less than or equal to 2"),
        (('draws = [{ path = "feature.effect.sessions", min = 0.035, max = 0.05 }]',
          'draws = [{ path = "feature.effect.sessions", min = 0.05, max = 0.035 }]'),
         "broken.toml: variants.draws.0: min (0.05) is above max (0.035)"),
        (('draws = [{ path = "feature.effect.sessions", min = 0.035, max = 0.05 }]',
          'draws = [{ path = "feature.effect.sessions", min = 0.035 }]'),
         "broken.toml: variants.draws.0: a variant draw needs either min and max, or options"),
        (('weight = 2.0\ndraws = [{ path = "fleet.chip_tiers.3.npu_tops"',
          'weight = 2.0\nhurt = { kind = "chip_tier", among = ["budget"], min = -1.0, max = 0.0 }'
          '\ndraws = [{ path = "fleet.chip_tiers.3.npu_tops"'),
         "variants.scenes.0.hurt.among names ['budget'], not a chip_tier of the fleet; "
         "allowed: flagship, upper_mid, mid, entry"),
    ],
)
def test_a_broken_variants_table_names_the_file_the_path_and_what_is_allowed(edit, expected):
    old, new = edit
    text = _text()
    assert old in text
    with pytest.raises(ScenarioError) as error:
        parse_scenario(text.replace(old, new, 1), "broken.toml")
    assert expected in str(error.value)


def test_a_draw_that_would_break_a_world_knob_s_range_is_refused():
    text = _text("firmware_drift").replace("min = 1.5, max = 4.0", "min = 1.5, max = 9.0")
    with pytest.raises(ScenarioError, match="variants.draws.0: telemetry.firmware_shift"
                                            " = 9.0 makes the case invalid"):
        parse_scenario(text, "broken.toml")


def test_the_models_are_frozen_and_strict():
    with pytest.raises(Exception):  # noqa: B017 - pydantic's ValidationError on frozen
        Mix().regions = 0.2
    with pytest.raises(Exception):  # noqa: B017 - strict: a string is not a number
        Hurt(kind="region", among=("x",), min="-1", max=0.0)
    assert load_scenario(ROOT / "scenarios" / "aa_test.toml").variants.mix.regions == 0.3
