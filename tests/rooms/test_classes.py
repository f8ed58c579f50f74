"""A class's dashboard (sim/rooms/classes.py) and python -m sim class, on SQLite and on a real
PostgreSQL server. The class operations of the store are tests/rooms/test_class_store.py.

The PostgreSQL database is shared by the session's tests, so every class name here is unique.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from sim.cli import main
from sim.rooms import RoomStore
from sim.rooms.classes import class_frame, question_misses, room_summary
from tests.rooms.makers import class_name, class_room


def test_a_teacher_sees_every_member_across_the_rooms_of_the_class(store):
    name, secret = store.create_class(class_name("Stats"))
    first, first_token = class_room(store, ("Ana", "Bo"), reveal=True)
    second, second_token = class_room(store, ("Cy",), reveal=True)
    open_room, open_token = class_room(store, ("Di",), reveal=False)
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


# --- python -m sim class ------------------------------------------------------------------------
@pytest.fixture
def cli_store(store, monkeypatch):
    monkeypatch.setenv("LAUNCHROOM_DB_URL", store.url.render_as_string(hide_password=False))
    return store


def _class_with_two_rooms(store: RoomStore) -> tuple[str, str, list[str]]:
    name, secret = store.create_class(class_name("Stats"))
    codes = []
    for names in (("Ana", "Bo"), ("Cy",)):
        code, token = class_room(store, names, reveal=True)
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
