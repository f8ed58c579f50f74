"""Who is in a room (sim/rooms/member_store.py): joining, names, secrets, removal, on SQLite and on
a real PostgreSQL server (tests/rooms/conftest.py)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from sim.errors import RoomError
from sim.rooms import member_store
from tests.rooms.makers import decision, room_with, submission_rows


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


@pytest.mark.parametrize("impostor", [
    "ana", " ANA ", "\uff21\uff4e\uff41",  # case and width: the same name, so taken
    "\u0410na",  # Cyrillic A: mixes writing systems
    "Аnа",  # all-Cyrillic look-alike (A and a from Cyrillic, n Latin): mixed
    "\u0410\u043d\u0430",  # fully Cyrillic "Ана": one script, but it looks like Ана only
])
def test_a_case_folded_or_look_alike_name_cannot_take_over_a_member(store, impostor):
    code, _, secret = room_with(store, "Ana")
    store.submit(code, "Ana", decision(memo="the real Ana"), member_token=secret["Ana"])
    try:
        taken = store.join(code, impostor)
    except RoomError as error:
        assert any(words in str(error) for words in (
            "is already in room", "one writing system", "looks like")), error
    else:  # a name that neither folds nor looks like Ana is a different member
        assert taken.name != "Ana"
        with pytest.raises(RoomError, match="member link is not valid"):
            store.submit(code, "Ana", decision(memo="impostor"), member_token=taken.token)
    assert store.submission(code, "Ana", member_token=secret["Ana"])["memo"] == "the real Ana"


def test_look_alike_names_are_refused_both_ways(store):
    code, _, _ = room_with(store, "Al", "Bo")
    for name in ("A1", "AI", "\U0001d41bo"):  # 1 and I look like l; a bold b looks like b
        with pytest.raises(RoomError, match="looks like|is already in room"):
            store.join(code, name)
    assert store.join(code, "Alex").name == "Alex"


def test_a_member_comes_back_with_their_secret_and_only_with_it(store):
    code, _, secret = room_with(store, "Ana")
    assert store.join(code, "ANA", member_token=secret["Ana"]).name == "Ana"
    assert store.member(code, secret["Ana"]).name == "Ana"
    with pytest.raises(RoomError, match="is already in room"):
        store.join(code, "Ana", member_token="wrong")
    with pytest.raises(RoomError, match="member link is not valid"):
        store.member(code, "wrong")


def test_the_facilitator_can_remove_a_member(store):
    code, token, secret = room_with(store, "Ana", "Spam")
    store.submit(code, "Spam", decision(memo="noise"), member_token=secret["Spam"])
    with pytest.raises(RoomError, match="not valid for room"):
        store.remove_member(code, "Spam", "wrong")
    store.remove_member(code, "spam", token)
    assert [e.name for e in store.board(code).entries] == ["Ana"]
    assert submission_rows(store, code) == []
    with pytest.raises(RoomError, match="is not a member"):
        store.remove_member(code, "Spam", token)


def test_a_room_is_full_at_its_member_limit(store, monkeypatch):
    monkeypatch.setattr(member_store, "MAX_MEMBERS", 3)
    code, _, secret = room_with(store, "a", "b", "c")
    store.join(code, "A", member_token=secret["a"])  # already a member: fine
    with pytest.raises(RoomError, match=r"is full \(3 members\)"):
        store.join(code, "d")


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


def test_names_that_grow_when_normalised_still_fit(store):
    code, _ = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    store.join(code, "\ufdfd" * 40)  # one character, eighteen after NFKC
    secret = store.join(code, "Straße").token
    assert store.join(code, "STRASSE", member_token=secret).name == "Straße"  # the same member
    assert [e.name for e in store.board(code).entries] == ["\ufdfd" * 40, "Straße"]
