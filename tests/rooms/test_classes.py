"""Classes (RoomStore.create_class, attach_room, class_view; sim/rooms/classes.py; python -m sim
class) on SQLite and on a real PostgreSQL server.

The PostgreSQL database is shared by the session's tests, so every class name here is unique.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from sim.cli import main
from sim.decide.decision import Decision
from sim.errors import RoomError
from sim.rooms import RateLimit, RoomStore, Scores, normalise_code, schema
from sim.rooms.classes import class_frame, question_misses, room_summary


def _name(label: str = "class") -> str:
    return f"{label} {uuid.uuid4().hex[:8]}"


def _scores(room, decisions):
    """A cheap stand-in for score_room: split answered right by everyone, novelty by nobody,
    guardrails by the first member only."""
    cards = [{"total": 40 + 10 * index, "true_lift": 0.02,
              "items": [{"criterion": "call", "points": 20.0 + index}],
              "questions": [{"question": "split", "fraction": 1.0},
                            {"question": "novelty", "fraction": 0.0},
                            {"question": "guardrails", "fraction": 1.0 if index == 0 else 0.5}]}
             for index, _ in enumerate(decisions)]
    return Scores(truth={"right_label": "ship to all", "true_lift": 0.02}, cards=cards)


def _room(store: RoomStore, names: tuple[str, ...], reveal: bool) -> tuple[str, str]:
    code, token = store.create_room("aa_test", seed=4, devices=1_000)
    for index, name in enumerate(names):
        secret = store.join(code, name).token
        store.submit(code, name, Decision(call="ship_all", expected_lift=0.01 * index,
                                          decision_day=10 + index, memo=f"memo of {name}"),
                     member_token=secret)
    if reveal:
        store.reveal(code, token, score_fn=_scores)
    return code, token


def test_a_teacher_sees_every_member_across_the_rooms_of_the_class(store):
    name, secret = store.create_class(_name("Stats"))
    first, first_token = _room(store, ("Ana", "Bo"), reveal=True)
    second, second_token = _room(store, ("Cy",), reveal=True)
    open_room, open_token = _room(store, ("Di",), reveal=False)
    for code, token in ((first, first_token), (second, second_token), (open_room, open_token)):
        store.attach_room(name, secret, code, token)
    view = store.class_view(name.upper(), secret)
    assert view.name == name
    assert [board.room.display_code for board in view.boards] == [first, second, open_room]
    assert [board.room.display_code for board in view.revealed] == [first, second]

    frame = class_frame(view)
    # The open room's call stays hidden, even from the teacher.
    assert list(zip(frame["room"], frame["member"], strict=True)) == [
        (first, "Ana"), (first, "Bo"), (second, "Cy")]
    assert set(frame["class"]) == {name}
    assert frame["memo"].tolist() == ["memo of Ana", "memo of Bo", "memo of Cy"]
    assert frame["score"].tolist() == [40, 50, 40]
    assert frame["fleet_true_lift"].tolist() == [0.02] * 3

    misses = question_misses(frame)
    assert misses["question"].tolist() == ["novelty", "guardrails", "split"]
    assert misses["missed"].tolist() == [3, 1, 0] and misses["answered"].tolist() == [3] * 3

    rooms = room_summary(view, frame)
    assert rooms["room"].tolist() == [first, second, open_room]
    assert rooms["revealed"].tolist() == [True, True, False]
    assert rooms["submitted"].tolist() == [2, 1, 1]
    assert rooms["mean_score"].tolist()[:2] == [45.0, 40.0]
    assert rooms["call_points"].tolist()[:2] == [20.5, 20.0]


def test_attaching_a_room_twice_keeps_one(store):
    name, secret = store.create_class(_name())
    code, token = _room(store, ("Ana",), reveal=False)
    store.attach_room(name, secret, code, token)
    store.attach_room(name, secret, code.lower(), token)
    assert len(store.class_view(name, secret).boards) == 1


@pytest.mark.parametrize("secret", [None, "", "guessed"])
def test_a_class_opens_only_with_its_teachers_secret(store, secret):
    name, _ = store.create_class(_name())
    with pytest.raises(RoomError, match="opens with that teacher secret"):
        store.class_view(name, secret)


def test_an_unknown_class_and_a_wrong_secret_read_the_same(store):
    name, _ = store.create_class(_name())
    with pytest.raises(RoomError) as wrong:
        store.class_view(name, "guessed")
    with pytest.raises(RoomError) as unknown:
        store.class_view(name + "x", "guessed")
    assert str(wrong.value).replace(name, "?") == str(unknown.value).replace(name + "x", "?")


def test_another_classs_secret_opens_nothing(store):
    name, _ = store.create_class(_name())
    _, other_secret = store.create_class(_name())
    with pytest.raises(RoomError, match="opens with that teacher secret"):
        store.class_view(name, other_secret)


def test_attaching_needs_the_rooms_facilitator_token_and_the_teachers_secret(store):
    name, secret = store.create_class(_name())
    code, token = _room(store, ("Ana",), reveal=False)
    _, other_token = store.create_room("aa_test", seed=1, devices=1_000)
    with pytest.raises(RoomError, match="only the room's facilitator can attach it"):
        store.attach_room(name, secret, code, other_token)
    with pytest.raises(RoomError, match="opens with that teacher secret"):
        store.attach_room(name, "guessed", code, token)
    assert store.class_view(name, secret).boards == ()


def test_class_names_are_unique_after_case_folding(store):
    name, _ = store.create_class(_name("Stats"))
    with pytest.raises(RoomError, match="already a class called"):
        store.create_class(name.upper())


@pytest.mark.parametrize("bad", ["", "   ", "x" * 41, "tab\x00here", None])
def test_bad_class_names_are_refused(store, bad):
    with pytest.raises(RoomError, match="a class name is 1 to 40 printable characters"):
        store.create_class(bad)


def test_only_a_hash_of_the_teachers_secret_is_stored(store):
    name, secret = store.create_class(_name())
    with store.engine.connect() as conn:
        stored = repr(conn.execute(sa.select(schema.classes_table)).all())
    assert name in stored and secret not in stored and len(secret) >= 32


def test_an_expired_room_leaves_the_class(url):
    with RoomStore(url) as store:
        name, secret = store.create_class(_name())
        code, token = _room(store, ("Ana",), reveal=True)
        kept, kept_token = _room(store, ("Bo",), reveal=True)
        store.attach_room(name, secret, code, token)
        store.attach_room(name, secret, kept, kept_token)
        with store.engine.begin() as conn:
            conn.execute(sa.update(schema.rooms_table)
                         .where(schema.rooms_table.c.code == normalise_code(code))
                         .values(expires=datetime.now(UTC) - timedelta(seconds=1)))
        assert [b.room.display_code for b in store.class_view(name, secret).boards] == [kept]
        with pytest.raises(RoomError, match="has expired"):
            store.attach_room(name, secret, code, token)


def test_creating_classes_is_rate_limited_per_client(url):
    with RoomStore(url, limits={"class": RateLimit(2, 60)}) as store:
        store.create_class(_name(), client="10.0.0.5")
        store.create_class(_name(), client="10.0.0.5")
        with pytest.raises(RoomError, match="too many classes created from here"):
            store.create_class(_name(), client="10.0.0.5")
        store.create_class(_name(), client="10.0.0.6")


def test_a_database_from_before_classes_gains_their_tables_and_keeps_its_rooms(tmp_path):
    path = tmp_path / "rooms.db"
    with RoomStore(path) as store:
        code, token = _room(store, ("Ana",), reveal=True)
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:  # back to the tables of the release before classes
        conn.exec_driver_sql("DROP TABLE launchroom_class_rooms")
        conn.exec_driver_sql("DROP TABLE launchroom_classes")
    engine.dispose()
    with RoomStore(path) as store:
        assert [e.name for e in store.board(code).entries] == ["Ana"]
        name, secret = store.create_class(_name())
        store.attach_room(name, secret, code, token)
        assert class_frame(store.class_view(name, secret))["member"].tolist() == ["Ana"]


# --- python -m sim class ------------------------------------------------------------------------
@pytest.fixture
def cli_store(store, monkeypatch):
    monkeypatch.setenv("LAUNCHROOM_DB_URL", store.url.render_as_string(hide_password=False))
    return store


def _class_with_two_rooms(store: RoomStore) -> tuple[str, str, list[str]]:
    name, secret = store.create_class(_name("Stats"))
    codes = []
    for names in (("Ana", "Bo"), ("Cy",)):
        code, token = _room(store, names, reveal=True)
        store.attach_room(name, secret, code, token)
        codes.append(code)
    return name, secret, codes


def test_the_class_command_prints_csv_json_and_a_summary(cli_store, capsys):
    name, secret, codes = _class_with_two_rooms(cli_store)
    assert main(["class", name, "--token", secret, "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(row["class"], row["room"], row["member"]) for row in rows] == [
        (name, codes[0], "Ana"), (name, codes[0], "Bo"), (name, codes[1], "Cy")]
    assert {"call_points", "question_novelty", "decision_day", "memo"} <= set(rows[0])

    assert main(["class", name, "--token", secret, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["about"]["class"] == name
    assert [room["room"] for room in payload["about"]["rooms"]] == codes
    assert len(payload["rows"]) == 3

    assert main(["class", name, "--token", secret]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"class {name}: 2 rooms (2 revealed), 3 members, 3 calls")
    assert f"room {codes[1]}: aa_test, revealed (right call: ship to all)" in out


@pytest.mark.parametrize("form", [[], ["--csv"], ["--json"]])
def test_the_class_command_without_the_secret_prints_one_line_and_exits_2(cli_store, capsys,
                                                                          form):
    name, _, _ = _class_with_two_rooms(cli_store)
    assert main(["class", name, "--token", "guessed", *form]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "teacher secret" in captured.err


def test_many_teachers_creating_one_class_name_at_once_make_one_class(store):
    name = _name("race")
    start = threading.Barrier(8)

    def create(_: int) -> str | None:
        start.wait(timeout=60)
        try:
            return store.create_class(name)[1]
        except RoomError as error:
            assert "already a class called" in str(error)
            return None

    with ThreadPoolExecutor(max_workers=8) as pool:
        secrets = [secret for secret in pool.map(create, range(8)) if secret is not None]
    assert len(secrets) == 1
    assert store.class_view(name, secrets[0]).name == name
