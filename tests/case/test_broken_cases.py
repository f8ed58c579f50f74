"""A corpus of broken case files: each one is refused at load time with one line that names the
file, the dotted path and what is allowed, and never with a traceback. Cases that validate run
and analyse (tests/case/test_knob_fuzz.py fuzzes their knobs)."""

from __future__ import annotations

import re

import pytest

from sim.case.scenario import load_scenario
from sim.cli import main
from sim.errors import ScenarioError
from tests.conftest import CASES

BASE = (CASES / "camera_night_mode.toml").read_text(encoding="utf-8")


def _swap(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


# (label, the broken file's text, a fragment the message must hold)
BROKEN = [
    ("toml syntax", BASE + "\n[[[", "not valid TOML"),
    ("not utf-8 text", None, "not valid TOML"),
    ("empty file", "", "meta: required but missing"),
    ("deep arrays", "x = " + "[" * 5_000 + "]" * 5_000, "nested more than 12 deep"),
    ("deep tables", "a = " + "{ b = " * 40 + "1" + " }" * 40, "nested more than 12 deep"),
    ("unknown key", _swap("[baseline]", "[baseline]\nsesions_per_day = 3"),
     "baseline.sesions_per_day: unknown key; allowed here"),
    ("unknown section", BASE + "\n[extras]\nx = 1\n", "extras: unknown key"),
    ("infinite sessions", _swap("sessions_per_day = 4.0", "sessions_per_day = inf"),
     "baseline.sessions_per_day: Input should be a finite number (got inf)"),
    ("nan sessions", _swap("sessions_per_day = 4.0", "sessions_per_day = nan"),
     "baseline.sessions_per_day: Input should be a finite number"),
    ("absurd sessions", _swap("sessions_per_day = 4.0", "sessions_per_day = 1e308"),
     "baseline.sessions_per_day: Input should be less than or equal to 1000"),
    ("boolean number", _swap("sessions_per_day = 4.0", "sessions_per_day = true"),
     "baseline.sessions_per_day: Input should be a valid number (got true)"),
    ("text number", _swap("sessions_per_day = 4.0", 'sessions_per_day = "6"'),
     "baseline.sessions_per_day: Input should be a valid number"),
    ("fractional days", _swap("days = 28", "days = 28.5"), "fleet.days: Input should be a valid integer"),
    ("too many days", _swap("days = 28", "days = 181"), "fleet.days: Input should be less than or equal to 180"),
    ("no days", _swap("days = 28", "days = 0"), "fleet.days: Input should be greater than or equal to 1"),
    ("tiny fleet", _swap("size = 150_000", "size = 50"), "fleet.size: Input should be greater than or equal to 100"),
    ("huge fleet", _swap("size = 150_000", "size = 1_000_000_000_000"), "fleet.size"),
    ("shares do not sum", _swap("{ phone = 1.0 }", "{ phone = 0.9 }"), "device_types shares must sum to 1"),
    ("unknown device type", _swap("{ phone = 1.0 }", "{ toaster = 1.0 }"), "fleet.device_types.toaster"),
    ("negative share", _swap("{ phone = 1.0 }", "{ phone = -1.0 }"), "Input should be greater than or equal to 0"),
    ("duplicate tier names", _swap('name = "upper_mid"', 'name = "flagship"'),
     "each chip tier name must be unique"),
    ("bad tier name", _swap('name = "upper_mid"', 'name = "Upper Mid!"'), "String should match pattern"),
    ("absurd params", _swap("params_m = 12.0", "params_m = 1e308"),
     "feature.params_m: Input should be less than or equal to 1000000"),
    ("negative latency budget", _swap("latency_budget_ms = 25.0", "latency_budget_ms = -5"),
     "feature.latency_budget_ms: Input should be greater than 0"),
    ("unknown quantization", _swap('quantization = "int8"', 'quantization = "int2"'),
     "feature.quantization: Input should be 'fp16', 'int8' or 'int4'"),
    ("unknown lowest tier", _swap('device_types = ["phone"]', 'device_types = ["phone"]\nlowest_tier = "top"'),
     "feature.lowest_tier 'top' is not a chip tier"),
    ("markov rows over 1", _swap("[baseline]", "[baseline]\np_active_to_dormant = 1.0\np_active_to_churned = 1.0"),
     "baseline: an active device's chances to move on each day sum to 2"),
    ("probability over 1", _swap("crash_rate = 0.004", "crash_rate = 1.5"), "baseline.crash_rate"),
    ("incident at infinity", _swap("gates = [", 'incidents = [{ kind = "ota_outage", day = inf }]\ngates = ['),
     "rollout.incidents.0.day: Input should be a finite number"),
    ("incident past the horizon limit", _swap("gates = [", 'incidents = [{ kind = "bad_batch", day = 500 }]\ngates = ['),
     "rollout.incidents.0.day: Input should be less than or equal to 180"),
    ("stages shrink", _swap("{ share = 0.05, bake_days = 2 }", "{ share = 0.005, bake_days = 2 }"),
     "stage shares must increase"),
    ("last stage short of all", _swap("{ share = 1.00, bake_days = 0 }", "{ share = 0.9, bake_days = 0 }"),
     "the last stage must offer the build to all"),
    ("gate without a threshold", _swap('gates = [', 'gates = [{ metric = "crash_rate" }, '),
     "a gate needs max_rel_increase, max_value or both"),
    ("missing rate of one", _swap("missing_rate = 0.02", "missing_rate = 1.0"),
     "telemetry.missing_rate: Input should be less than 1"),
    ("huge report panel", _swap("[telemetry]", "[telemetry]\ndaily_max_devices = 100000000"),
     "telemetry.daily_max_devices: Input should be less than or equal to 1000000"),
    ("decision after the horizon", _swap("decision_day = 28", "decision_day = 40"),
     "experiment.decision_day (40) is after the last simulated day (28)"),
    ("unknown primary metric", _swap('primary_metric = "sessions"', 'primary_metric = "revenue"'),
     "experiment.primary_metric: Input should be"),
    ("feature uses as a guardrail", _swap('{ metric = "crashes", margin = 0.10 }', '{ metric = "feature_uses", margin = 0.10 }'),
     "feature_uses is zero in control by definition"),
    ("distraction without the sensor", _swap('primary_metric = "sessions"', 'primary_metric = "distraction_events"'),
     "distraction_events needs a driver-monitoring camera"),
    ("guardrail direction contradicts the catalogue", _swap('{ metric = "crashes", margin = 0.10 }', '{ metric = "crashes", margin = 0.10, higher_is_better = true }'),
     "for crashes lower is better"),
    ("alpha of one half", _swap("alpha = 0.05", "alpha = 0.5"), "experiment.alpha: Input should be less than 0.5"),
    ("treatment share of one", _swap("treatment_share = 0.5", "treatment_share = 1.0"), "experiment.treatment_share"),
    ("knob on no setting", BASE + '\n[[knobs]]\npath = "feature.turbo"\nlabel = "Turbo"\noptions = ["on", "off"]\n',
     "knobs.6 (feature.turbo): there is no such setting in this case"),
    ("knob range inverted", BASE + '\n[[knobs]]\npath = "feature.uses_per_day"\nlabel = "Uses"\nmin = 10\nmax = 1\n',
     "knob min (10.0) is above its max (1.0)"),
    ("knob range not finite", BASE + '\n[[knobs]]\npath = "feature.uses_per_day"\nlabel = "Uses"\nmin = 0\nmax = inf\n',
     "knobs.6.max: Input should be a finite number"),
    ("knob range excludes the default", BASE + '\n[[knobs]]\npath = "feature.uses_per_day"\nlabel = "Uses"\nmin = 10\nmax = 20\n',
     "the case's own value 2.0 is outside the range 10..20"),
    ("knob options exclude the default", BASE + '\n[[knobs]]\npath = "experiment.unit"\nlabel = "Unit"\noptions = ["household"]\n',
     "the case's own value 'device' is not among the options"),
    ("knob end breaks the case", BASE + '\n[[knobs]]\npath = "fleet.days"\nlabel = "Days"\nmin = 7\nmax = 28\n',
     "knobs.6: fleet.days = 7 makes the case invalid (experiment.decision_day (28) is after"),
    ("knob with range and options", BASE + '\n[[knobs]]\npath = "feature.uses_per_day"\nlabel = "Uses"\nmin = 1\nmax = 9\noptions = [1]\n',
     "a knob needs either min and max, or options (not both)"),
    ("answer segments missing", _swap('segments = ["flagship", "upper_mid", "mid"]', 'segments = []'),
     "a ship_segments answer names segment_kind and segments"),
    ("a title too long", _swap('title = "', 'title = "' + "x" * 200), "meta.title: String should have at most 120 characters"),
]


@pytest.mark.parametrize(("label", "text", "fragment"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_case_file_is_refused_with_one_line(tmp_path, monkeypatch, label, text, fragment):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "broken.toml"
    if text is None:
        path.write_bytes(b"\xff\xfe\x00 not text")
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("broken.toml: "), message
    assert fragment in message, message
    assert len(message) < 600


def test_the_corpus_is_large_enough():
    assert len(BROKEN) >= 40


def test_validate_prints_one_line_per_broken_file_and_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for index, (_, text, _) in enumerate(BROKEN[:10]):
        if text is not None:
            (tmp_path / f"case{index}.toml").write_text(text, encoding="utf-8")
    files = sorted(str(p.name) for p in tmp_path.glob("*.toml"))
    assert main(["validate", *files]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line]
    assert len(errors) == len(files)
    assert all(re.match(r"error: case\d+\.toml: ", line) for line in errors)
