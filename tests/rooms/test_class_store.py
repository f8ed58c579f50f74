"""Classes in the study-group store (sim/rooms/class_store.py: RoomStore.create_class,
attach_room, class_view) on SQLite and on a real PostgreSQL server.

The PostgreSQL database is shared by the session's tests, so every class name here is unique.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from sim.errors import RoomError
from sim.rooms import RateLimit, RoomStore, normalise_code, schema
from sim.rooms.classes import class_frame
from tests.rooms.makers import class_name, class_room


def test_attaching_a_room_twice_keeps_one(store):
    name, secret = store.create_class(class_name())
    code, token = class_room(store, ("Ana",), reveal=False)
    store.attach_room(name, secret, code, token)
    store.attach_room(name, secret, code.lower(), token)
    assert len(store.class_view(name, secret).boards) == 1


@pytest.mark.parametrize("secret", [None, "", "guessed"])
def test_a_class_opens_only_with_its_teachers_secret(store, secret):
    name, _ = store.create_class(class_name())
    with pytest.raises(RoomError, match="opens with that teacher secret"):
        store.class_view(name, secret)


def test_an_unknown_class_and_a_wrong_secret_read_the_same(store):
    name, _ = store.create_class(class_name())
    with pytest.raises(RoomError) as wrong:
        store.class_view(name, "guessed")
    with pytest.raises(RoomError) as unknown:
        store.class_view(name + "x", "guessed")
    assert str(wrong.value).replace(name, "?") == str(unknown.value).replace(name + "x", "?")


def test_another_classs_secret_opens_nothing(store):
    name, _ = store.create_class(class_name())
    _, other_secret = store.create_class(class_name())
    with pytest.raises(RoomError, match="opens with that teacher secret"):
        store.class_view(name, other_secret)


def test_attaching_needs_the_rooms_facilitator_token_and_the_teachers_secret(store):
    name, secret = store.create_class(class_name())
    code, token = class_room(store, ("Ana",), reveal=False)
    _, other_token = store.create_room("aa_test", seed=1, devices=1_000)
    with pytest.raises(RoomError, match="only the room's facilitator can attach it"):
        store.attach_room(name, secret, code, other_token)
    with pytest.raises(RoomError, match="opens with that teacher secret"):
        store.attach_room(name, "guessed", code, token)
    assert store.class_view(name, secret).boards == ()


def test_class_names_are_unique_after_case_folding(store):
    name, _ = store.create_class(class_name("Stats"))
    with pytest.raises(RoomError, match="already a class called"):
        store.create_class(name.upper())


@pytest.mark.parametrize("bad", ["", "   ", "x" * 41, "tab\x00here", None])
def test_bad_class_names_are_refused(store, bad):
    with pytest.raises(RoomError, match="a class name is 1 to 40 printable characters"):
        store.create_class(bad)


def test_only_a_hash_of_the_teachers_secret_is_stored(store):
    name, secret = store.create_class(class_name())
    with store.engine.connect() as conn:
        stored = repr(conn.execute(sa.select(schema.classes_table)).all())
    assert name in stored and secret not in stored and len(secret) >= 32


def test_an_expired_room_leaves_the_class(url):
    with RoomStore(url) as store:
        name, secret = store.create_class(class_name())
        code, token = class_room(store, ("Ana",), reveal=True)
        kept, kept_token = class_room(store, ("Bo",), reveal=True)
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
        store.create_class(class_name(), client="10.0.0.5")
        store.create_class(class_name(), client="10.0.0.5")
        with pytest.raises(RoomError, match="too many classes created from here"):
            store.create_class(class_name(), client="10.0.0.5")
        store.create_class(class_name(), client="10.0.0.6")


def test_a_database_from_before_classes_gains_their_tables_and_keeps_its_rooms(tmp_path):
    path = tmp_path / "rooms.db"
    with RoomStore(path) as store:
        code, token = class_room(store, ("Ana",), reveal=True)
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:  # back to the tables of the release before classes
        conn.exec_driver_sql("DROP TABLE launchroom_class_rooms")
        conn.exec_driver_sql("DROP TABLE launchroom_classes")
    engine.dispose()
    with RoomStore(path) as store:
        assert [e.name for e in store.board(code).entries] == ["Ana"]
        name, secret = store.create_class(class_name())
        store.attach_room(name, secret, code, token)
        assert class_frame(store.class_view(name, secret))["member"].tolist() == ["Ana"]


def test_many_teachers_creating_one_class_name_at_once_make_one_class(store):
    name = class_name("race")
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
