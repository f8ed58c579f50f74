"""The study-group store (sim/rooms/store.py) on SQLite and on a real PostgreSQL server.

Every store test runs on both backends (tests/rooms/conftest.py): a SQLite file in the test's
folder, and a throwaway PostgreSQL cluster started once for the session.
"""

from __future__ import annotations

import dataclasses
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

from sim.decide.decision import Decision
from sim.errors import DecisionError, RoomError, ScenarioError
from sim.rooms import RateLimit, RoomStore, Scores, member_store, normalise_code, schema
from sim.rooms.history import Attempt, attempts_csv, practise_next
from tests.conftest import ROOT

MEMBERS = 100


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
    rooms, submissions = schema.rooms_table, schema.submissions_table
    with store.engine.connect() as conn:
        return conn.execute(
            sa.select(submissions.c.member_id, submissions.c.decision)
            .join(rooms, rooms.c.id == submissions.c.room_id)
            .where(rooms.c.code == normalise_code(code))
        ).all()


def _room_with(store: RoomStore, *names: str) -> tuple[str, str, dict[str, str]]:
    """A fresh room with these members: its code, the facilitator token, each member's secret."""
    code, token = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    return code, token, {name: store.join(code, name).token for name in names}


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
        store.submit(code, name, _decision("ship_all", lift, memo=f"call from {index}"),
                     member_token=secrets[index])

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
    assert sorted(e.scorecard["total"] for e in board.entries) == sorted(
        round((0.5 + i / 1000) * 100) for i in range(MEMBERS))


def test_many_people_taking_one_name_at_once_make_one_member_with_one_secret(store):
    code, _ = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    start = threading.Barrier(20)

    def attempt(index: int) -> str | None:
        start.wait(timeout=60)
        try:
            return store.join(code, "Ana" if index % 2 else "  ana ").token
        except RoomError as error:
            assert "is already in room" in str(error)
            return None

    with ThreadPoolExecutor(max_workers=20) as pool:
        tokens = [t for t in pool.map(attempt, range(20)) if t is not None]
    assert len(tokens) == 1 and len(store.board(code).entries) == 1


def test_resubmitting_before_the_reveal_replaces_the_decision(store):
    code, token, secret = _room_with(store, "Bo")
    store.submit(code, "Bo", _decision("ship_all", 0.04, memo="first"), member_token=secret["Bo"])
    store.submit(code, "bo", _decision("iterate", 0.0, memo="second thoughts"),
                 member_token=secret["Bo"])
    assert store.submission(code, "Bo", member_token=secret["Bo"])["memo"] == "second thoughts"
    assert len(_submission_rows(store, code)) == 1
    seen: list = []
    board = store.reveal(code, token, score_fn=_recording_scorer(seen))
    assert [d.memo for d in seen[0][1]] == ["second thoughts"]
    assert board.entries[0].decision["call"] == "iterate"


# --- who a member is ------------------------------------------------------------------------
def test_a_member_secret_is_needed_to_submit_and_to_read_one_s_own_submission(store):
    code, _, secret = _room_with(store, "Ana", "Bo")
    for wrong in (None, "", "guess", secret["Bo"]):
        with pytest.raises(RoomError, match="member link is not valid"):
            store.submit(code, "Ana", _decision(), member_token=wrong)
        with pytest.raises(RoomError, match="member link is not valid"):
            store.submission(code, "Ana", member_token=wrong)
    store.submit(code, "Ana", _decision(memo="mine"), member_token=secret["Ana"])
    assert store.submission(code, "ANA", member_token=secret["Ana"])["memo"] == "mine"


@pytest.mark.parametrize("impostor", [
    "ana", " ANA ", "\uff21\uff4e\uff41",  # case and width: the same name, so taken
    "\u0410na",  # Cyrillic A: mixes writing systems
    "Аnа",  # all-Cyrillic look-alike (A and a from Cyrillic, n Latin): mixed
    "\u0410\u043d\u0430",  # fully Cyrillic "Ана": one script, but it looks like Ана only
])
def test_a_case_folded_or_look_alike_name_cannot_take_over_a_member(store, impostor):
    code, _, secret = _room_with(store, "Ana")
    store.submit(code, "Ana", _decision(memo="the real Ana"), member_token=secret["Ana"])
    try:
        taken = store.join(code, impostor)
    except RoomError as error:
        assert any(words in str(error) for words in (
            "is already in room", "one writing system", "looks like")), error
    else:  # a name that neither folds nor looks like Ana is a different member
        assert taken.name != "Ana"
        with pytest.raises(RoomError, match="member link is not valid"):
            store.submit(code, "Ana", _decision(memo="impostor"), member_token=taken.token)
    assert store.submission(code, "Ana", member_token=secret["Ana"])["memo"] == "the real Ana"


def test_look_alike_names_are_refused_both_ways(store):
    code, _, _ = _room_with(store, "Al", "Bo")
    for name in ("A1", "AI", "\U0001d41bo"):  # 1 and I look like l; a bold b looks like b
        with pytest.raises(RoomError, match="looks like|is already in room"):
            store.join(code, name)
    assert store.join(code, "Alex").name == "Alex"


def test_a_member_comes_back_with_their_secret_and_only_with_it(store):
    code, _, secret = _room_with(store, "Ana")
    assert store.join(code, "ANA", member_token=secret["Ana"]).name == "Ana"
    assert store.member(code, secret["Ana"]).name == "Ana"
    with pytest.raises(RoomError, match="is already in room"):
        store.join(code, "Ana", member_token="wrong")
    with pytest.raises(RoomError, match="member link is not valid"):
        store.member(code, "wrong")


def test_the_facilitator_can_remove_a_member(store):
    code, token, secret = _room_with(store, "Ana", "Spam")
    store.submit(code, "Spam", _decision(memo="noise"), member_token=secret["Spam"])
    with pytest.raises(RoomError, match="not valid for room"):
        store.remove_member(code, "Spam", "wrong")
    store.remove_member(code, "spam", token)
    assert [e.name for e in store.board(code).entries] == ["Ana"]
    assert _submission_rows(store, code) == []
    with pytest.raises(RoomError, match="is not a member"):
        store.remove_member(code, "Spam", token)


def test_only_hashes_of_the_secrets_are_stored(store):
    code, token, secret = _room_with(store, "Ana")
    with store.engine.connect() as conn:
        stored = repr(conn.execute(sa.select(schema.rooms_table)).all()) + repr(
            conn.execute(sa.select(schema.members_table)).all())
    assert token not in stored and secret["Ana"] not in stored
    assert len(token) >= 32 and len(secret["Ana"]) >= 32


# --- expiry and rate limits ------------------------------------------------------------------
def test_rooms_expire(url):
    with RoomStore(url, expiry_days=1) as store:
        code, _, secret = _room_with(store, "Ana")
        assert store.room(code).expires - store.room(code).created == timedelta(days=1)
        with store.engine.begin() as conn:
            conn.execute(sa.update(schema.rooms_table)
                         .where(schema.rooms_table.c.code == normalise_code(code))
                         .values(expires=datetime.now(UTC) - timedelta(seconds=1)))
        for action in (lambda: store.room(code), lambda: store.board(code),
                       lambda: store.join(code, "Bo"),
                       lambda: store.submit(code, "Ana", _decision(), member_token=secret["Ana"])):
            with pytest.raises(RoomError, match="has expired"):
                action()


def test_the_expiry_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LAUNCHROOM_ROOM_DAYS", "3")
    with RoomStore(tmp_path / "rooms.db") as store:
        code, _ = store.create_room("aa_test", seed=1, devices=1_000)
        room = store.room(code)
        assert room.expires - room.created == timedelta(days=3)
    for bad in ("0", "-1", "soon", "1e9"):
        monkeypatch.setenv("LAUNCHROOM_ROOM_DAYS", bad)
        with pytest.raises(RoomError, match="LAUNCHROOM_ROOM_DAYS must be"):
            RoomStore(tmp_path / "rooms.db")


def test_creating_and_joining_are_rate_limited_per_client(url):
    limits = {"create": RateLimit(2, 60), "join": RateLimit(3, 10)}
    with RoomStore(url, limits=limits) as store:
        code, _ = store.create_room("aa_test", seed=1, devices=1_000, client="10.0.0.1")
        store.create_room("aa_test", seed=1, devices=1_000, client="10.0.0.1")
        with pytest.raises(RoomError, match="too many rooms created from here"):
            store.create_room("aa_test", seed=1, devices=1_000, client="10.0.0.1")
        store.create_room("aa_test", seed=1, devices=1_000, client="10.0.0.2")  # someone else
        for index in range(3):
            store.join(code, f"bot {index}", client="10.0.0.9")
        with pytest.raises(RoomError, match="too many joins from here"):
            store.join(code, "bot 3", client="10.0.0.9")
        assert len(store.board(code).entries) == 3


def test_a_room_is_full_at_its_member_limit(store, monkeypatch):
    monkeypatch.setattr(member_store, "MAX_MEMBERS", 3)
    code, _, secret = _room_with(store, "a", "b", "c")
    store.join(code, "A", member_token=secret["a"])  # already a member: fine
    with pytest.raises(RoomError, match=r"is full \(3 members\)"):
        store.join(code, "d")


# --- the reveal -----------------------------------------------------------------------------
def test_the_board_hides_calls_and_truth_until_the_reveal(store):
    code, token, secret = _room_with(store, "Ana", "Bo", "Cy")
    store.submit(code, "Ana", _decision("ship_all", 0.03, memo="secret reasoning"),
                 member_token=secret["Ana"])
    store.submit(code, "Cy", _decision(), member_token=secret["Cy"])
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
    code, _, secret = _room_with(store, "Ana")
    store.submit(code, "Ana", _decision(), member_token=secret["Ana"])
    seen: list = []
    with pytest.raises(RoomError, match="not valid for room .* nothing was revealed"):
        store.reveal(code, token, score_fn=_recording_scorer(seen))
    assert seen == [] and not store.board(code).revealed
    assert store.is_facilitator(code, token) is False
    store.submit(code, "Ana", _decision("extend"), member_token=secret["Ana"])  # still open


def test_another_rooms_token_reveals_nothing(store):
    code, token = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    other, other_token = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    with pytest.raises(RoomError, match="nothing was revealed"):
        store.reveal(code, other_token, score_fn=_recording_scorer([]))
    assert store.is_facilitator(code, token) and not store.is_facilitator(other, token)


def test_submissions_close_at_the_reveal_and_revealing_twice_scores_once(store):
    code, token, secret = _room_with(store, "Ana")
    store.submit(code, "Ana", _decision(), member_token=secret["Ana"])
    seen: list = []
    store.reveal(code, token, score_fn=_recording_scorer(seen))
    store.reveal(code, token, score_fn=_recording_scorer(seen))
    assert len(seen) == 1
    with pytest.raises(RoomError, match="has been revealed; submissions are closed"):
        store.submit(code, "Ana", _decision("ship_all", 0.02), member_token=secret["Ana"])
    store.join(code, "Late")  # latecomers may still join to see the board
    assert [e.name for e in store.board(code).entries] == ["Ana", "Late"]


def test_a_reveal_whose_scoring_fails_leaves_the_room_open(store):
    code, token, secret = _room_with(store, "Ana")
    store.submit(code, "Ana", _decision(), member_token=secret["Ana"])

    def broken(room, decisions):
        raise ScenarioError("scenarios/aa_test.toml: file not found")

    with pytest.raises(RoomError, match="could not be scored, so nothing was revealed"):
        store.reveal(code, token, score_fn=broken)
    assert not store.board(code).revealed
    store.submit(code, "Ana", _decision("extend"), member_token=secret["Ana"])  # still open
    assert store.reveal(code, token, score_fn=_recording_scorer([])).revealed


def test_a_submission_made_while_scoring_is_scored_too(store):
    code, token, secret = _room_with(store, "Ana", "Bo")
    store.submit(code, "Ana", _decision(), member_token=secret["Ana"])
    calls: list = []

    def slow_then_late(room, decisions):
        calls.append(len(decisions))
        if len(calls) == 1:  # Bo submits while the first scoring runs
            store.submit(code, "Bo", _decision("ship_all", 0.05), member_token=secret["Bo"])
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
        code, token, secret = _room_with(store, "Ana")
        store.submit(code, "Ana", _decision(memo="before"), member_token=secret["Ana"])
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
        store.submit(code, "Ana", _decision(memo="after"), member_token=secret["Ana"])
        board = store.reveal(code, token, score_fn=_recording_scorer([]))
        assert board.revealed and board.entries[0].decision["memo"] == "after"


# --- persistence and old databases ---------------------------------------------------------------
def test_data_survives_closing_and_reopening_the_store(url):
    knobs = {"feature.quantization": "int4", "experiment.treatment_share": 0.3,
             "feature.enabled": True}
    with RoomStore(url) as first:
        code, token = first.create_room("camera_night_mode", seed=42, devices=50_000, knobs=knobs)
        secret = first.join(code, "Ana").token
        first.submit(code, "Ana", _decision("ship_all", 0.02, memo="ship"), member_token=secret)
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
        second.submit(code, "Ana", _decision(), member_token=ana)
        board = second.reveal(code, token)
    assert board.truth["variant"] == 7 and board.truth["case_id"] == "aa_test"


def test_a_database_from_before_member_secrets_gains_the_new_columns(tmp_path):
    # The first release's tables: no member secrets, no look-alike skeletons, no expiry.
    path = tmp_path / "old.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE launchroom_rooms (id INTEGER PRIMARY KEY, code "
                             "VARCHAR(8) UNIQUE NOT NULL, case_id VARCHAR(100) NOT NULL, knobs "
                             "TEXT NOT NULL, seed BIGINT NOT NULL, devices INTEGER NOT NULL, "
                             "created DATETIME NOT NULL, token_hash VARCHAR(64) NOT NULL, closed "
                             "DATETIME, revealed DATETIME, truth TEXT)")
        conn.exec_driver_sql("CREATE TABLE launchroom_members (id INTEGER PRIMARY KEY, room_id "
                             "INTEGER NOT NULL, name VARCHAR(40) NOT NULL, name_key VARCHAR(800) "
                             "NOT NULL, joined DATETIME NOT NULL, UNIQUE (room_id, name_key))")
        created = datetime.now(UTC).replace(tzinfo=None)
        conn.exec_driver_sql("INSERT INTO launchroom_rooms (code, case_id, knobs, seed, devices, "
                             "created, token_hash) VALUES ('23456789', 'aa_test', '{}', 1, 1000, "
                             f"'{created}', '{'0' * 64}')")
        conn.exec_driver_sql("INSERT INTO launchroom_members (room_id, name, name_key, joined) "
                             f"VALUES (1, 'Ana', 'ana', '{created}')")
    engine.dispose()
    with RoomStore(path) as store:
        secret = store.join("2345-6789", "Ana").token  # the old member claims a secret once
        store.submit("2345-6789", "Ana", _decision(), member_token=secret)
        with pytest.raises(RoomError, match="is already in room"):
            store.join("2345-6789", "Ana")
        assert store.room("2345-6789").variant == 0, "an older room runs the case as written"


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
     ("right\u202eto left", "plain printable text"), (None, "type a display name"),
     ("Lee \u674e", "one writing system")],
)
def test_bad_display_names_are_refused(store, name, problem):
    code, _ = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    with pytest.raises(RoomError, match=problem):
        store.join(code, name)


def test_names_are_stored_as_typed_text_markup_and_all(store):
    code, token = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    secret = store.join(code, "<b>Ana</b> & 'Bo'").token
    store.submit(code, "<b>Ana</b> & 'Bo'", _decision(memo="<script>alert(1)</script>"),
                 member_token=secret)
    board = store.reveal(code, token, score_fn=_recording_scorer([]))
    assert board.entries[0].name == "<b>Ana</b> & 'Bo'"
    assert board.entries[0].decision["memo"] == "<script>alert(1)</script>"


def test_names_that_grow_when_normalised_still_fit(store):
    code, _ = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    store.join(code, "\ufdfd" * 40)  # one character, eighteen after NFKC
    secret = store.join(code, "Straße").token
    assert store.join(code, "STRASSE", member_token=secret).name == "Straße"  # the same member
    assert [e.name for e in store.board(code).entries] == ["\ufdfd" * 40, "Straße"]


@pytest.mark.parametrize(
    ("settings", "problem"),
    [({"case_id": "../etc/passwd"}, "case id"), ({"seed": -1}, "seed"),
     ({"seed": True}, "seed"), ({"devices": 0}, "fleet size"),
     ({"knobs": {"a": [1, 2]}}, "not a plain setting"),
     ({"knobs": {"a": float("nan")}}, "not a plain setting"), ({"knobs": "x"}, "mapping"),
     ({"variant": -1}, "variant"), ({"variant": 1_000_000}, "variant"),
     ({"variant": "2"}, "variant"), ({"variant": True}, "variant")],
)
def test_a_room_with_bad_settings_is_refused(store, settings, problem):
    arguments = {"case_id": "aa_test", "seed": 1, "devices": 1_000, "knobs": {}} | settings
    with pytest.raises(RoomError, match=f"cannot create a room: .*{problem}"):
        store.create_room(**arguments)


def test_submitting_needs_a_member_and_a_sound_decision(store):
    code, _, secret = _room_with(store, "Ana")
    with pytest.raises(RoomError, match="has not joined room"):
        store.submit(code, "Stranger", _decision(), member_token=secret["Ana"])
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
    code, token, secret = _room_with(store, "Ana")
    store.submit(code, "Ana", _decision(), member_token=secret["Ana"])
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


# --- interview attempts ----------------------------------------------------------------------
def test_interview_attempts_are_kept_per_name_newest_first(url):
    lines = {"structure": 5.0, "hardware": 15.0, "data_quality": 15.0, "statistics": 10.0,
             "call": 20.0, "speed": 10.0, "communication": 4.0}
    with RoomStore(url) as first:
        first.record_attempt(Attempt("Ana", "aa_test", 0, 20, 19.0, 71.0, lines, 1))
        first.record_attempt(Attempt("Ana", "camera_night_mode", 8, 30, 25.5, 79.0,
                                     {**lines, "structure": 15.0}, 0))
        first.record_attempt(Attempt("Bo", "aa_test", 2, 20, 10.0, 50.0, lines, 0))
    with RoomStore(url) as second:
        ana = second.attempts("  ANA ")
        assert [(a.case_id, a.variant, a.total) for a in ana] == [
            ("camera_night_mode", 8, 79.0), ("aa_test", 0, 71.0)]
        assert ana[0].lines["structure"] == 15.0 and ana[0].finished.tzinfo is not None
        assert practise_next(ana) == "communication"
        assert attempts_csv(ana).count("\n") == 3
        assert len(second.attempts("Bo")) == 1 and second.attempts("Cy") == ()


@pytest.mark.parametrize(("change", "problem"), [
    ({"name": ""}, "display name"), ({"variant": -1}, "variant"),
    ({"case_id": "../x"}, "case id")])
def test_a_bad_attempt_is_refused_with_one_line(store, change, problem):
    attempt = dataclasses.replace(Attempt("Ana", "aa_test", 0, 20, 5.0, 60.0, {}, 0), **change)
    with pytest.raises(RoomError, match=problem):
        store.record_attempt(attempt)
