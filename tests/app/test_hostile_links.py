"""Hostile links in AppTest: a link sets only the case, the seed, the fleet size and the case's
own knobs; everything else is ignored with a note naming it; every note shows what came from
the link literally (escaped, cut short); nothing ends in a traceback or "Something went wrong".
The browser half is tests/e2e/test_hostile_links.py."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "streamlit_app.py")

# (query parameters, a fragment some note must hold, or None when the link is simply used)
HOSTILE = [
    ({"experiment.alpha": "0.4"}, "'experiment.alpha' was ignored"),
    ({"telemetry.daily_max_devices": "100000000", "fleet.days": "128", "devices": "200000"},
     "'telemetry.daily_max_devices' was ignored"),
    ({"fleet.days": "140"}, "'fleet.days' was ignored"),
    ({"baseline.sessions_per_day": "inf"}, "'baseline.sessions_per_day' was ignored"),
    ({"feature.params_m": "9" * 5_000}, "at most 100 characters"),
    ({"feature.quantization": "[" * 3_000}, "at most 100 characters"),
    ({"feature.quantization": "[" * 90}, "not applied"),
    ({"feature.quantization": "int2"}, "not one of the knob's options"),
    ({"feature.params_m": "1e308"}, "outside the knob's range"),
    ({"feature.params_m": "nan"}, "not applied"),
    ({"feature.params_m": "true"}, "not applied"),
    ({"feature.params_m": "-5"}, "outside the knob's range"),
    ({"case": "[Session expired - log in again](https://evil.example/login)"}, "does not exist"),
    ({"case": "![x](https://evil.example/pixel.png)"}, "does not exist"),
    ({"case": "<img src=https://evil.example/x onerror=alert(1)>"}, "does not exist"),
    ({"case": "../../etc/passwd"}, "does not exist"),
    ({"case": "x" * 10_000}, "does not exist"),
    ({"seed": "9" * 5_000}, "seed"),
    ({"seed": "-1"}, "seed"),
    ({"seed": "1e3"}, "seed"),
    ({"seed": str(2**63)}, "seed"),
    ({"variant": "-1"}, "variant is not usable here ('-1')"),
    ({"variant": "1e3"}, "variant is not usable here ('1e3')"),
    ({"variant": "1000000"}, "a whole number from 0 to 999999"),
    ({"variant": "٣"}, "variant is not usable here"),
    ({"variant": "[x](https://evil.example)"}, "variant is not usable here"),
    ({"variant": "9" * 5_000}, "variant is not usable here"),
    ({"variant": "4", "case": "firmware_drift"}, None),
    ({"devices": "abc"}, "devices"),
    ({"devices": "999999999999"}, "devices"),
    ({"devices": "-100"}, "devices"),
    ({"https://evil.example": "1"}, "was ignored"),
    ({"**bold**": "x"}, "was ignored"),
    ({"token": "[click](https://evil.example)"}, None),
    ({"room": "[click](https://evil.example)"}, None),
    ({"room": "K7MQ-3XH0", "token": "x"}, None),
    ({"member": "<script>alert(1)</script>"}, None),
    ({"feature.lowest_tier": "mid", "feature.quantization": "int4", "seed": "3"}, None),
    ({"case": "aa_test", "experiment.treatment_share": "0.3"}, None),
    ({"case": "aa_test", "experiment.treatment_share": "0.99"}, "outside the knob's range"),
    ({"case": "ev_voice_assistant", "experiment.guardrails.0.margin": "[1, 2]"}, "not applied"),
    ({"case": "ev_voice_assistant", "feature.quantization": "int4", "x.y": "z"}, "'x.y' was ignored"),
]
BAD_TEXT = ("Something went wrong", "Traceback")


def _run(query: dict) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=180)
    for name, value in query.items():
        app.query_params[name] = value
    return app.run()


def _notes(app: AppTest) -> list[str]:
    return [element.body for kind in ("warning", "error", "info", "success")
            for element in getattr(app, kind)]


@pytest.mark.parametrize(("query", "fragment"), HOSTILE,
                         ids=[f"link{index:02d}" for index in range(len(HOSTILE))])
def test_a_hostile_link_is_noted_literally_and_never_breaks_the_page(query, fragment):
    app = _run(query)
    assert not app.exception, app.exception
    notes = _notes(app)
    for note in notes:
        assert not any(bad in note for bad in BAD_TEXT), note
        # Escaped: no live link, image or HTML tag, and short.
        assert not re.search(r"(?<!\\)\]\((?!\s)", note), note
        assert not re.search(r"(?<!\\)<\w", note), note
        assert len(note) < 1_200, len(note)
    if fragment is not None:
        plain = [note.replace("\\", "") for note in notes]
        assert any(fragment in note for note in plain), notes
    # Whatever the link said, the session runs a valid case with valid settings.
    assert app.session_state["case_id"] in {p.stem for p in (ROOT / "scenarios").glob("*.toml")}
    assert 0 <= app.session_state["seed"] <= 2**53 - 1
    assert 0 <= app.session_state["variant"] <= 999_999
    for page in ("app_pages/design.py", "app_pages/run.py"):
        app.switch_page(page).run()
        assert not app.exception, (page, app.exception)
        assert not any(bad in note for note in _notes(app) for bad in BAD_TEXT)


def test_the_corpus_is_large_enough():
    assert len(HOSTILE) >= 30


def test_only_declared_knobs_reach_the_run():
    app = _run({"case": "aa_test", "experiment.alpha": "0.4", "experiment.treatment_share": "0.3"})
    assert app.session_state["knobs"]["aa_test"] == {"experiment.treatment_share": 0.3}


def test_a_variant_link_runs_that_variant_and_the_address_keeps_it():
    app = _run({"case": "firmware_drift", "variant": "4", "seed": "2"})
    assert app.session_state["variant"] == 4 and not _notes(app)
    assert app.query_params["variant"] == "4"
    default = _run({"case": "firmware_drift"})
    assert default.session_state["variant"] == 0 and "variant" not in default.query_params
