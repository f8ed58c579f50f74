"""Grading a room: every call scored on the room's seeded run."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sim import rooms
from sim.case.library import BLANK_CASE, save_case
from sim.decide import Decision
from sim.errors import LaunchRoomError


def _decision(call="iterate", lift=0.0, memo="", **extra) -> Decision:
    return Decision(call=call, expected_lift=lift, decision_day=21, memo=memo, **extra)


def test_the_real_scorer_scores_the_rooms_seeded_run(store):
    code, token = store.create_room("aa_test", seed=4, devices=5_000, knobs={})
    ana, bo = store.join(code, "Ana"), store.join(code, "Bo")
    store.submit(code, "Ana", _decision("iterate", 0.0, checks=["srm", "guardrails"]),
                 member_token=ana.token)
    store.submit(code, "Bo", _decision("ship_all", 0.05), member_token=bo.token)
    board = store.reveal(code, token)  # score_room: simulate + analyse + score
    assert board.truth["right_call"] == "iterate" and board.truth["true_lift"] == 0.0
    cards = {e.name: e.scorecard for e in board.entries}
    assert cards["Ana"]["total"] > cards["Bo"]["total"]
    assert [item["criterion"] for item in cards["Ana"]["items"]] == [
        "call", "outcome", "questions", "design", "calibration", "speed"]


def test_score_room_gives_an_unscorable_decision_a_card_with_the_reason(aa_case):
    room = rooms.Room(code="23456789", case_id="aa_test", knobs={}, seed=1, devices=2_000,
                      created=datetime(2026, 1, 1, tzinfo=UTC))
    bad = Decision(call="ship_segments", segment_kind="chip_tier", segments=["nope"],
                   expected_lift=0.01, decision_day=21)
    scores = score = rooms.score_room(room, [bad, _decision()], scenario=aa_case)
    assert scores.cards[0]["total"] is None and "nope" in scores.cards[0]["error"]
    assert isinstance(score.cards[1]["total"], int)
    with pytest.raises(LaunchRoomError):
        rooms.score_room(rooms.Room(code="23456789", case_id="no_such_case", knobs={}, seed=1,
                                    devices=1_000, created=datetime(2026, 1, 1, tzinfo=UTC)), [])


def test_a_room_on_a_case_saved_on_this_server_is_scored(monkeypatch, tmp_path):
    monkeypatch.setenv("LAUNCHROOM_CASES", str(tmp_path / "cases"))
    save_case(BLANK_CASE.read_text(encoding="utf-8").replace('id = "my_case"',
                                                             'id = "saved_case"'),
              tmp_path / "cases")
    room = rooms.Room("K7MQ3XHD", "saved_case", {}, 3, 1_000, datetime(2026, 1, 1, tzinfo=UTC))
    scores = rooms.score_room(room, [Decision(call="iterate", expected_lift=0.0, decision_day=28)])
    assert scores.truth["case_id"] == "saved_case" and scores.cards[0]["total"] is not None
