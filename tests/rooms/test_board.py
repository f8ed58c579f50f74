"""What the store returns: rooms and boards before and after the reveal."""

from __future__ import annotations

from datetime import UTC, datetime

from sim.rooms import Board, Entry, Room, decision_label

WHEN = datetime(2026, 1, 1, tzinfo=UTC)
ROOM = Room("K7MQ3XHD", "aa_test", {}, 3, 5_000, WHEN)


def test_before_the_reveal_the_board_says_only_who_submitted():
    board = Board(ROOM, (Entry("Ana", WHEN, WHEN), Entry("Bo", WHEN, None)))
    assert not board.revealed and board.submitted == 1
    assert board.rows() == [{"member": "Ana", "submitted": True, "at": WHEN},
                            {"member": "Bo", "submitted": False, "at": None}]


def test_after_the_reveal_the_board_shows_each_call_and_score():
    revealed = Room("K7MQ3XHD", "aa_test", {}, 3, 5_000, WHEN, revealed=WHEN)
    decision = {"call": "ship_segments", "segment_kind": "chip_tier", "segments": ["flagship"],
                "expected_lift": 0.04, "checks": ["srm"], "memo": "ship"}
    board = Board(revealed, (Entry("Ana", WHEN, WHEN, decision, {"total": 71, "true_lift": 0.03}),
                             Entry("Bo", WHEN, None)))
    [row] = board.rows()
    assert row["call"] == "ship to flagship (chip_tier)" and row["score"] == 71
    assert (row["expected_lift"], row["true_lift"]) == (0.04, 0.03)


def test_a_stored_decision_that_no_longer_reads_keeps_its_call():
    assert decision_label({"call": "ship_segments", "segments": 5}) == "ship_segments"
