"""python -m sim score (sim/cli/scoring.py): a decision file scored on a run."""

from __future__ import annotations

import json

import pytest

from sim import right_call, simulate
from sim.case.library import load_case
from sim.cli import main


def test_score_prints_the_scorecard_as_json_with_the_documented_fields(tmp_path, capsys):
    decision = tmp_path / "decision.json"
    decision.write_text(json.dumps({"call": "ship_all", "expected_lift": 0.02,
                                    "decision_day": 21}), encoding="utf-8")
    assert main(["score", "novelty_widget", "--devices", "4000", "--decision", str(decision),
                 "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert {"total", "items", "right_call", "supported_call", "design", "debrief"} <= set(payload)
    assert 0 <= payload["total"] <= 100
    assert sum(item["max_points"] for item in payload["items"]) == 100
    assert main(["score", "novelty_widget", "--devices", "4000", "--decision",
                 str(decision)]) == 0
    assert "100" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"call": "launch", "expected_lift": 0, "decision_day": 28}', "call"),
        ('{"call": "ship_all", "expected_lift": 0}', "decision_day"),
        ('{"call": "ship_all", "expected_lift": 0, "decision_day": 28, "bonus": 1}', "bonus"),
        ("[1, 2", "JSON"),
        (None, "not found"),
    ],
)
def test_score_bad_decision_files_are_one_line_and_exit_code_2(tmp_path, capsys, content,
                                                              message):
    decision = tmp_path / "decision.json"
    if content is not None:
        decision.write_text(content, encoding="utf-8")
    code = main(["score", "aa_test", "--devices", "2000", "--decision", str(decision)])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err, err


def test_score_follows_the_variant_s_truth(capsys, tmp_path):
    decision = tmp_path / "decision.json"
    decision.write_text(json.dumps({"call": "ship_all", "expected_lift": 0.03,
                                    "decision_day": 10}), encoding="utf-8")
    argv = ["score", "camera_night_mode", "--devices", "3000", "--days", "10", "--json",
            "--decision", str(decision)]
    assert main([*argv, "--variant", "8"]) == 0
    payload = json.loads(capsys.readouterr().out)
    expected = right_call(simulate(load_case("camera_night_mode").variant(8), seed=0,
                                   devices=3_000, days=10))
    assert payload["right_call"]["label"] == expected.label()
    assert payload["debrief"]["variant"] == 8
    assert payload["debrief"]["model_call"] == expected.label(), "not the file's answer"
