"""The study-group store (sim/rooms/store.py) on SQLite and on a real PostgreSQL server.

Every store test runs on both backends: a SQLite file in the test's folder, and a throwaway
PostgreSQL cluster (tests/postgres.py) started once for the session. Without PostgreSQL the
PostgreSQL half skips with the reason; with LAUNCHROOM_REQUIRE_POSTGRES=1 (CI) it fails.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from sim.decide.decision import Decision
from sim.errors import DecisionError, RoomError, ScenarioError
from sim.rooms import RoomStore, Scores, normalise_code
from sim.rooms import store as room_store

MEMBERS = 50


def _decision(call="iterate", lift=0.0, memo="", **extra) -> Decision:
    return Decision(call=call, expected_lift=lift, decision_day=21, memo=memo, **extra)


def _recording_scorer(seen: list):
    """A cheap stand-in for score_room: remembers the decisions, gives each its lift x 100."""

    def score(room, decisions):
        seen.append((room, list(decisions)))
        return Scores(truth={"right_call": "iterate", "true_lift": 0.01},
                      cards=[{"total": round(d.expected_lift * 100), "true_lift": 0.01}
                             for d in decisions])

    return score


def _submission_rows(store: RoomStore, code: str) -> list:
    with store.engine.connect() as conn:
        return conn.execute(
            sa.select(room_store.submissions_table.c.member_id, room_store.submissions_table.c.decision)
            .join(room_store.rooms_table, room_store.rooms_table.c.id == room_store.submissions_table.c.room_id)
            .where(room_store.rooms_table.c.code == normalise_code(code))
        ).all()


# --- concurrency -------------------------------------------------------------------------------
def test_fifty_members_submitting_at_once_are_all_stored_once(store):
    code, token = store.create_room("camera_night_mode", seed=7, devices=20_000,
                                    knobs={"feature.quantization": "int8"})
    start = threading.Barrier(MEMBERS)

    def member(index: int, lift: float) -> None:
        start.wait(timeout=60)
        name = f"member {index:02d}"
        store.join(code, name)
        store.submit(code, name, _decision("ship_all", lift, memo=f"call from {index}"))

    with ThreadPoolExecutor(max_workers=MEMBERS) as pool:
        list(pool.map(member, range(MEMBERS), [i / 1000 for i in range(MEMBERS)]))
    board = store.board(code)
    assert len(board.entries) == MEMBERS and board.submitted == MEMBERS
    rows = _submission_rows(store, code)
    assert len(rows) == MEMBERS and len({row.member_id for row in rows}) == MEMBERS

    # Everyone changes their mind at once: still one row each, all of them the new call.
    start.reset()
    with ThreadPoolExecutor(max_workers=MEMBERS) as pool:
        list(pool.map(member, range(MEMBERS), [0.5 + i / 1000 for i in range(MEMBERS)]))
    rows = _submission_rows(store, code)
    assert len(rows) == MEMBERS
    assert sorted(json.loads(row.decision)["expected_lift"] for row in rows) == [
        0.5 + i / 1000 for i in range(MEMBERS)]

    seen: list = []
    board = store.reveal(code, token, score_fn=_recording_scorer(seen))
    assert len(seen[0][1]) == MEMBERS
    assert {entry.name: entry.decision["memo"] for entry in board.entries} == {
        f"member {i:02d}": f"call from {i}" for i in range(MEMBERS)}
    assert all(entry.scorecard["total"] >= 50 for entry in board.entries)


def test_fifty_members_joining_with_the_same_name_make_one_member(store):
    code, _ = store.create_room("aa_test", seed=1, devices=1_000, knobs={})
    with ThreadPoolExecutor(max_workers=MEMBERS) as pool:
        list(pool.map(lambda i: store.join(code, "Ana" if i % 2 else "  ana "), range(MEMBERS)))
    assert [entry.name for entry in store.board(code).entries] in (["Ana"], ["ana"])


# --- submissions and the reveal ----------------------------------------------------------------
def test_resubmitting_before_the_reveal_replaces_the_decision(store):
    code, token = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    store.join(code, "Bo")
    store.submit(code, "Bo", _decision("ship_all", 0.04, memo="first"))
    store.submit(code, "bo", _decision("iterate", 0.0, memo="second thoughts"))
    assert store.submission(code, "Bo")["memo"] == "second thoughts"
    assert len(_submission_rows(store, code)) == 1
    seen: list = []
    board = store.reveal(code, token, score_fn=_recording_scorer(seen))
    assert [d.memo for d in seen[0][1]] == ["second thoughts"]
    assert board.entries[0].decision["call"] == "iterate"


def test_the_board_hides_calls_and_truth_until_the_reveal(store):
    code, token = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    for name in ("Ana", "Bo", "Cy"):
        store.join(code, name)
    store.submit(code, "Ana", _decision("ship_all", 0.03, memo="secret reasoning"))
    store.submit(code, "Cy", _decision())
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
    code, _ = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    store.join(code, "Ana")
    store.submit(code, "Ana", _decision())
    seen: list = []
    with pytest.raises(RoomError, match="not valid for room .* nothing was revealed"):
        store.reveal(code, token, score_fn=_recording_scorer(seen))
    assert seen == []
    assert not store.board(code).revealed
    assert store.is_facilitator(code, token) is False
    store.submit(code, "Ana", _decision("extend"))  # still open


def test_another_rooms_token_reveals_nothing(store):
    code, token = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    other, other_token = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    with pytest.raises(RoomError, match="nothing was revealed"):
        store.reveal(code, other_token, score_fn=_recording_scorer([]))
    assert store.is_facilitator(code, token) and not store.is_facilitator(other, token)


def test_only_a_hash_of_the_token_is_stored(store):
    code, token = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(room_store.rooms_table)).all()
    assert token not in repr(stored)
    assert len(token) >= 32


def test_submissions_close_at_the_reveal_and_revealing_twice_scores_once(store):
    code, token = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    store.join(code, "Ana")
    store.submit(code, "Ana", _decision())
    seen: list = []
    store.reveal(code, token, score_fn=_recording_scorer(seen))
    store.reveal(code, token, score_fn=_recording_scorer(seen))
    assert len(seen) == 1
    with pytest.raises(RoomError, match="has been revealed; submissions are closed"):
        store.submit(code, "Ana", _decision("ship_all", 0.02))
    # Latecomers may still join to see the board.
    store.join(code, "Late")
    assert [e.name for e in store.board(code).entries] == ["Ana", "Late"]


def test_a_reveal_whose_scoring_fails_reveals_nothing_and_reopens_the_room(store):
    code, token = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    store.join(code, "Ana")
    store.submit(code, "Ana", _decision())

    def broken(room, decisions):
        raise ScenarioError("scenarios/aa_test.toml: file not found")

    with pytest.raises(RoomError, match="could not be scored, so nothing was revealed"):
        store.reveal(code, token, score_fn=broken)
    assert not store.board(code).revealed
    store.submit(code, "Ana", _decision("extend"))  # open again
    assert store.reveal(code, token, score_fn=_recording_scorer([])).revealed


def test_submitting_needs_a_member_and_a_sound_decision(store):
    code, _ = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    with pytest.raises(RoomError, match="has not joined room"):
        store.submit(code, "Stranger", _decision())
    store.join(code, "Ana")
    with pytest.raises(DecisionError):
        store.submit(code, "Ana", {"call": "ship_all", "expected_lift": 0.02, "decision_day": 21,
                                   "memo": "x" * 5_001})
    with pytest.raises(RoomError, match="not a decision"):
        store.submit(code, "Ana", "ship it")
    store.submit(code, "Ana", {"call": "ship_all", "expected_lift": 0.02, "decision_day": 21,
                               "memo": "x" * 5_000})
    assert len(store.submission(code, "Ana")["memo"]) == 5_000


def test_a_room_is_full_at_its_member_limit(store, monkeypatch):
    monkeypatch.setattr(room_store, "MAX_MEMBERS", 3)
    code, _ = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    for name in ("a", "b", "c"):
        store.join(code, name)
    store.join(code, "A")  # already a member: fine
    with pytest.raises(RoomError, match=r"is full \(3 members\)"):
        store.join(code, "d")


# --- persistence -------------------------------------------------------------------------------
def test_data_survives_closing_and_reopening_the_store(url):
    knobs = {"feature.quantization": "int4", "experiment.treatment_share": 0.3,
             "feature.enabled": True}
    with RoomStore(url) as first:
        code, token = first.create_room("camera_night_mode", seed=42, devices=50_000, knobs=knobs)
        first.join(code, "Ana")
        first.submit(code, "Ana", _decision("ship_all", 0.02, memo="ship"))
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


@pytest.mark.parametrize(
    ("name", "problem"),
    [("", "type a display name"), ("   \n ", "type a display name"),
     ("x" * 41, "at most 40 characters"), ("bad\x00name", "plain printable text"),
     ("right\u202eto left", "plain printable text"), (None, "type a display name")],
)
def test_bad_display_names_are_refused(store, name, problem):
    code, _ = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    with pytest.raises(RoomError, match=problem):
        store.join(code, name)


def test_names_are_stored_as_typed_text_markup_and_all(store):
    code, token = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    store.join(code, "<b>Ana</b> & 'Bo'")
    store.submit(code, "<b>Ana</b> & 'Bo'", _decision(memo="<script>alert(1)</script>"))
    board = store.reveal(code, token, score_fn=_recording_scorer([]))
    assert board.entries[0].name == "<b>Ana</b> & 'Bo'"
    assert board.entries[0].decision["memo"] == "<script>alert(1)</script>"


def test_names_that_grow_when_normalised_still_fit(store):
    code, _ = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    store.join(code, "\ufdfd" * 40)  # one character, eighteen after NFKC
    store.join(code, "Straße")
    store.join(code, "STRASSE")  # the same member as Straße
    assert [e.name for e in store.board(code).entries] == ["\ufdfd" * 40, "Straße"]


@pytest.mark.parametrize(
    ("settings", "problem"),
    [({"case_id": "../etc/passwd"}, "case id"), ({"seed": -1}, "seed"),
     ({"seed": True}, "seed"), ({"devices": 0}, "fleet size"),
     ({"knobs": {"a": [1, 2]}}, "not a plain setting"),
     ({"knobs": {"a": float("nan")}}, "not a plain setting"), ({"knobs": "x"}, "mapping")],
)
def test_a_room_with_bad_settings_is_refused(store, settings, problem):
    arguments = {"case_id": "aa_test", "seed": 1, "devices": 1_000, "knobs": {}} | settings
    with pytest.raises(RoomError, match=f"cannot create a room: .*{problem}"):
        store.create_room(**arguments)


# --- the database itself ------------------------------------------------------------------------


# --- real scoring ---------------------------------------------------------------------------------


