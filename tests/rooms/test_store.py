"""The study-group store (sim/rooms/store.py) on SQLite and on a real PostgreSQL server.

Every store test runs on both backends (tests/rooms/conftest.py): a SQLite file in the test's
folder, and a throwaway PostgreSQL cluster started once for the session.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from sim.errors import DecisionError, RoomError, ScenarioError
from sim.rooms import RoomStore, Scores, normalise_code, schema
from tests.conftest import ROOT
from tests.rooms.makers import decision, room_with, submission_rows

MEMBERS = 100


def _recording_scorer(seen: list):
    """A cheap stand-in for score_room: remembers the decisions, gives each its lift x 100."""

    def score(room, decisions):
        seen.append((room, list(decisions)))
        return Scores(truth={"right_call": "iterate", "true_lift": 0.01},
                      cards=[{"total": round(d.expected_lift * 100), "true_lift": 0.01}
                             for d in decisions])

    return score


# --- concurrency -------------------------------------------------------------------------------
def test_a_hundred_members_submitting_at_once_lose_nothing(store):
    code, token = store.create_room("camera_night_mode", seed=7, devices=20_000,
                                    knobs={"feature.quantization": "int8"})
    start = threading.Barrier(MEMBERS)
    secrets: dict[int, str] = {}

    def member(index: int, lift: float) -> None:
        start.wait(timeout=60)
        name = f"member {index:03d}"
        if index not in secrets:
            secrets[index] = store.join(code, name).token
        store.submit(code, name, decision("ship_all", lift, memo=f"call from {index}"),
                     member_token=secrets[index])

    with ThreadPoolExecutor(max_workers=MEMBERS) as pool:
        list(pool.map(member, range(MEMBERS), [i / 1000 for i in range(MEMBERS)]))
    board = store.board(code)
    assert len(board.entries) == MEMBERS and board.submitted == MEMBERS
    rows = submission_rows(store, code)
    assert len(rows) == MEMBERS and len({row.member_id for row in rows}) == MEMBERS

    # Everyone changes their mind at once: still one row each, all of them the new call.
    start.reset()
    with ThreadPoolExecutor(max_workers=MEMBERS) as pool:
        list(pool.map(member, range(MEMBERS), [0.5 + i / 1000 for i in range(MEMBERS)]))
    rows = submission_rows(store, code)
    assert len(rows) == MEMBERS
    assert sorted(json.loads(row.decision)["expected_lift"] for row in rows) == [
        0.5 + i / 1000 for i in range(MEMBERS)]

    seen: list = []
    board = store.reveal(code, token, score_fn=_recording_scorer(seen))
    assert len(seen[0][1]) == MEMBERS
    assert sorted(e.scorecard["total"] for e in board.entries) == sorted(
        round((0.5 + i / 1000) * 100) for i in range(MEMBERS))


def test_resubmitting_before_the_reveal_replaces_the_decision(store):
    code, token, secret = room_with(store, "Bo")
    store.submit(code, "Bo", decision("ship_all", 0.04, memo="first"), member_token=secret["Bo"])
    store.submit(code, "bo", decision("iterate", 0.0, memo="second thoughts"),
                 member_token=secret["Bo"])
    assert store.submission(code, "Bo", member_token=secret["Bo"])["memo"] == "second thoughts"
    assert len(submission_rows(store, code)) == 1
    seen: list = []
    board = store.reveal(code, token, score_fn=_recording_scorer(seen))
    assert [d.memo for d in seen[0][1]] == ["second thoughts"]
    assert board.entries[0].decision["call"] == "iterate"


# --- who a member is ------------------------------------------------------------------------
def test_a_member_secret_is_needed_to_submit_and_to_read_one_s_own_submission(store):
    code, _, secret = room_with(store, "Ana", "Bo")
    for wrong in (None, "", "guess", secret["Bo"]):
        with pytest.raises(RoomError, match="member link is not valid"):
            store.submit(code, "Ana", decision(), member_token=wrong)
        with pytest.raises(RoomError, match="member link is not valid"):
            store.submission(code, "Ana", member_token=wrong)
    store.submit(code, "Ana", decision(memo="mine"), member_token=secret["Ana"])
    assert store.submission(code, "ANA", member_token=secret["Ana"])["memo"] == "mine"


def test_only_hashes_of_the_secrets_are_stored(store):
    code, token, secret = room_with(store, "Ana")
    with store.engine.connect() as conn:
        stored = repr(conn.execute(sa.select(schema.rooms_table)).all()) + repr(
            conn.execute(sa.select(schema.members_table)).all())
    assert token not in stored and secret["Ana"] not in stored
    assert len(token) >= 32 and len(secret["Ana"]) >= 32


# --- expiry ----------------------------------------------------------------------------------
def test_rooms_expire(url):
    with RoomStore(url, expiry_days=1) as store:
        code, _, secret = room_with(store, "Ana")
        assert store.room(code).expires - store.room(code).created == timedelta(days=1)
        with store.engine.begin() as conn:
            conn.execute(sa.update(schema.rooms_table)
                         .where(schema.rooms_table.c.code == normalise_code(code))
                         .values(expires=datetime.now(UTC) - timedelta(seconds=1)))
        for action in (lambda: store.room(code), lambda: store.board(code),
                       lambda: store.join(code, "Bo"),
                       lambda: store.submit(code, "Ana", decision(), member_token=secret["Ana"])):
            with pytest.raises(RoomError, match="has expired"):
                action()


# --- the reveal -----------------------------------------------------------------------------
def test_the_board_hides_calls_and_truth_until_the_reveal(store):
    code, token, secret = room_with(store, "Ana", "Bo", "Cy")
    store.submit(code, "Ana", decision("ship_all", 0.03, memo="secret reasoning"),
                 member_token=secret["Ana"])
    store.submit(code, "Cy", decision(), member_token=secret["Cy"])
    board = store.board(code)
    assert not board.revealed and board.truth is None
    assert [(e.name, e.has_submitted) for e in board.entries] == [
        ("Ana", True), ("Bo", False), ("Cy", True)]
    assert all(e.decision is None and e.scorecard is None for e in board.entries)
    assert "secret reasoning" not in json.dumps(board.rows(), default=str)

    board = store.reveal(code, token, score_fn=_recording_scorer([]))
    assert board.revealed and board.truth["right_call"] == "iterate"
    rows = board.rows()
    assert [row["member"] for row in rows] == ["Ana", "Cy"]  # Bo never submitted
    assert rows[0]["call"] == "ship to all" and rows[0]["expected_lift"] == 0.03
    assert rows[0]["score"] == 3 and rows[0]["memo"] == "secret reasoning"


@pytest.mark.parametrize("token", [None, "", "wrong", "x" * 500])
def test_reveal_is_refused_without_the_facilitator_token(store, token):
    code, _, secret = room_with(store, "Ana")
    store.submit(code, "Ana", decision(), member_token=secret["Ana"])
    seen: list = []
    with pytest.raises(RoomError, match="not valid for room .* nothing was revealed"):
        store.reveal(code, token, score_fn=_recording_scorer(seen))
    assert seen == [] and not store.board(code).revealed
    assert store.is_facilitator(code, token) is False
    store.submit(code, "Ana", decision("extend"), member_token=secret["Ana"])  # still open


def test_another_rooms_token_reveals_nothing(store):
    code, token = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    other, other_token = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    with pytest.raises(RoomError, match="nothing was revealed"):
        store.reveal(code, other_token, score_fn=_recording_scorer([]))
    assert store.is_facilitator(code, token) and not store.is_facilitator(other, token)


def test_submissions_close_at_the_reveal_and_revealing_twice_scores_once(store):
    code, token, secret = room_with(store, "Ana")
    store.submit(code, "Ana", decision(), member_token=secret["Ana"])
    seen: list = []
    store.reveal(code, token, score_fn=_recording_scorer(seen))
    store.reveal(code, token, score_fn=_recording_scorer(seen))
    assert len(seen) == 1
    with pytest.raises(RoomError, match="has been revealed; submissions are closed"):
        store.submit(code, "Ana", decision("ship_all", 0.02), member_token=secret["Ana"])
    store.join(code, "Late")  # latecomers may still join to see the board
    assert [e.name for e in store.board(code).entries] == ["Ana", "Late"]


def test_a_reveal_whose_scoring_fails_leaves_the_room_open(store):
    code, token, secret = room_with(store, "Ana")
    store.submit(code, "Ana", decision(), member_token=secret["Ana"])

    def broken(room, decisions):
        raise ScenarioError("scenarios/aa_test.toml: file not found")

    with pytest.raises(RoomError, match="could not be scored, so nothing was revealed"):
        store.reveal(code, token, score_fn=broken)
    assert not store.board(code).revealed
    store.submit(code, "Ana", decision("extend"), member_token=secret["Ana"])  # still open
    assert store.reveal(code, token, score_fn=_recording_scorer([])).revealed


def test_a_submission_made_while_scoring_is_scored_too(store):
    code, token, secret = room_with(store, "Ana", "Bo")
    store.submit(code, "Ana", decision(), member_token=secret["Ana"])
    calls: list = []

    def slow_then_late(room, decisions):
        calls.append(len(decisions))
        if len(calls) == 1:  # Bo submits while the first scoring runs
            store.submit(code, "Bo", decision("ship_all", 0.05), member_token=secret["Bo"])
        return _recording_scorer([])(room, decisions)

    board = store.reveal(code, token, score_fn=slow_then_late)
    assert calls == [1, 2] and board.submitted == 2
    assert {e.name: e.scorecard["total"] for e in board.entries} == {"Ana": 0, "Bo": 5}


_KILLED_REVEAL = textwrap.dedent("""
    import sys, time
    from sim.rooms import RoomStore
    store = RoomStore(sys.argv[1])
    def stuck(room, decisions):
        print("scoring", flush=True)
        time.sleep(600)
    store.reveal(sys.argv[2], sys.argv[3], score_fn=stuck)
""")


def test_a_reveal_killed_half_way_leaves_the_room_as_it_was(url):
    with RoomStore(url) as store:
        code, token, secret = room_with(store, "Ana")
        store.submit(code, "Ana", decision(memo="before"), member_token=secret["Ana"])
    process = subprocess.Popen([sys.executable, "-c", _KILLED_REVEAL, str(url), code, token],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert process.stdout.readline().strip() == "scoring"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    with RoomStore(url) as store:
        assert not store.board(code).revealed
        store.submit(code, "Ana", decision(memo="after"), member_token=secret["Ana"])
        board = store.reveal(code, token, score_fn=_recording_scorer([]))
        assert board.revealed and board.entries[0].decision["memo"] == "after"


# --- persistence -------------------------------------------------------------------------------
def test_data_survives_closing_and_reopening_the_store(url):
    knobs = {"feature.quantization": "int4", "experiment.treatment_share": 0.3,
             "feature.enabled": True}
    with RoomStore(url) as first:
        code, token = first.create_room("camera_night_mode", seed=42, devices=50_000, knobs=knobs)
        secret = first.join(code, "Ana").token
        first.submit(code, "Ana", decision("ship_all", 0.02, memo="ship"), member_token=secret)
    with RoomStore(url) as second:
        room = second.room(code)
        assert (room.case_id, room.seed, room.devices, room.knobs) == (
            "camera_night_mode", 42, 50_000, knobs)
        assert room.created.tzinfo is not None
        assert second.board(code).submitted == 1
        second.reveal(code, token, score_fn=_recording_scorer([]))
    with RoomStore(url) as third:
        board = third.board(code)
        assert board.revealed and board.entries[0].decision["memo"] == "ship"
        assert board.entries[0].scorecard["total"] == 2


def test_a_room_keeps_its_variant_and_scores_on_it(url):
    with RoomStore(url) as first:
        code, token = first.create_room("aa_test", seed=1, devices=2_000, variant=7)
        plain, _ = first.create_room("aa_test", seed=1, devices=2_000)
    with RoomStore(url) as second:
        assert second.room(code).variant == 7 and second.room(plain).variant == 0
        ana = second.join(code, "Ana").token
        second.submit(code, "Ana", decision(), member_token=ana)
        board = second.reveal(code, token)
    assert board.truth["variant"] == 7 and board.truth["case_id"] == "aa_test"


# --- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize("code", ["", "ABC", "K7MQ-3XHD-9", "K7MQ-3XH0", "K7MQ-3XHI", "<script>",
                                  None, 12345678])
def test_a_mistyped_room_code_gets_a_clear_message(store, code):
    with pytest.raises(RoomError, match="is not a room code: a code has 8 characters"):
        store.join(code, "Ana")


def test_an_unknown_room_code_gets_a_clear_message(store):
    with pytest.raises(RoomError, match="no room has the code 2345-6789"):
        store.join("2345 6789", "Ana")
    with pytest.raises(RoomError, match="no room has the code"):
        store.board("2345-6789")


def test_codes_are_read_in_any_case_with_or_without_separators(store):
    code, _ = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    assert len(code) == 9 and code[4] == "-"
    plain = code.replace("-", "")
    for typed in (code, plain.lower(), f" {plain[:4]} {plain[4:]} ", f"{plain[:2]}.{plain[2:]}"):
        assert store.room(typed).code == plain


def test_names_are_stored_as_typed_text_markup_and_all(store):
    code, token = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    secret = store.join(code, "<b>Ana</b> & 'Bo'").token
    store.submit(code, "<b>Ana</b> & 'Bo'", decision(memo="<script>alert(1)</script>"),
                 member_token=secret)
    board = store.reveal(code, token, score_fn=_recording_scorer([]))
    assert board.entries[0].name == "<b>Ana</b> & 'Bo'"
    assert board.entries[0].decision["memo"] == "<script>alert(1)</script>"


def test_submitting_needs_a_member_and_a_sound_decision(store):
    code, _, secret = room_with(store, "Ana")
    with pytest.raises(RoomError, match="has not joined room"):
        store.submit(code, "Stranger", decision(), member_token=secret["Ana"])
    with pytest.raises(DecisionError):
        store.submit(code, "Ana", {"call": "ship_all", "expected_lift": 0.02, "decision_day": 21,
                                   "memo": "x" * 5_001}, member_token=secret["Ana"])
    with pytest.raises(RoomError, match="not a decision"):
        store.submit(code, "Ana", "ship it", member_token=secret["Ana"])
    store.submit(code, "Ana", {"call": "ship_all", "expected_lift": 0.02, "decision_day": 21,
                               "memo": "x" * 5_000}, member_token=secret["Ana"])
    assert len(store.submission(code, "Ana", member_token=secret["Ana"])["memo"]) == 5_000


def test_a_slow_scorer_holds_no_lock_while_it_scores(store):
    # Scoring runs outside any transaction: members can still join and read while it runs.
    code, token, secret = room_with(store, "Ana")
    store.submit(code, "Ana", decision(), member_token=secret["Ana"])
    started = threading.Event()

    def slow(room, decisions):
        started.set()
        time.sleep(1.0)
        return _recording_scorer([])(room, decisions)

    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(store.reveal, code, token, slow)
        started.wait(timeout=30)
        begun = time.perf_counter()
        store.join(code, "Bo")
        assert time.perf_counter() - begun < 0.9
        assert future.result(timeout=30).revealed
