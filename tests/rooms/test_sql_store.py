"""The SQL under the study-group store (sim/rooms/sql_store.py): how long rooms last, and rate
limits per client, on SQLite and on a real PostgreSQL server (tests/rooms/conftest.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sim.errors import RoomError
from sim.rooms import RateLimit, RoomStore


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
