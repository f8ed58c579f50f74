"""Where the study-group store lives: the environment, SQLite in WAL mode, bad URLs."""

from __future__ import annotations

import socket

import pytest

from sim import rooms
from sim.errors import RoomError
from sim.rooms import RoomStore


def _closed_port() -> int:

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_postgresql_server_gives_one_clear_line():
    store = RoomStore(f"postgresql+psycopg://nobody:secret@127.0.0.1:{_closed_port()}/rooms")
    with pytest.raises(RoomError) as caught:
        store.create_room("aa_test", seed=1, devices=1_000, knobs={})
    message = str(caught.value)
    assert message.startswith("the study-group database at postgresql+psycopg://nobody:***@")
    assert "cannot be reached" in message and "\n" not in message and "secret" not in message
    with pytest.raises(RoomError, match="cannot be reached"):
        store.board("2345-6789")


def test_an_unusable_sqlite_path_gives_one_clear_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(RoomError, match="cannot be reached"):
        RoomStore(blocker / "rooms.db").create_room("aa_test", seed=1, devices=1_000, knobs={})
    not_a_db = tmp_path / "junk.db"
    not_a_db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(RoomError, match="study-group database"):
        RoomStore(not_a_db).create_room("aa_test", seed=1, devices=1_000, knobs={})


@pytest.mark.parametrize("url", ["not a url://", "nosuchdb://x/y", "sqlite://"])
def test_a_bad_database_url_gives_one_clear_line(url):
    with pytest.raises(RoomError, match="not a usable database URL"):
        RoomStore(url)


def test_the_database_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("LAUNCHROOM_DB_URL", raising=False)
    monkeypatch.delenv("LAUNCHROOM_DB", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert rooms.database_url() == f"sqlite:///{tmp_path}/.launchroom/rooms.db"
    monkeypatch.setenv("LAUNCHROOM_DB", str(tmp_path / "here.db"))
    assert rooms.database_url() == f"sqlite:///{tmp_path}/here.db"
    monkeypatch.setenv("LAUNCHROOM_DB_URL", "postgresql+psycopg://u@db.example/rooms")
    assert rooms.database_url() == "postgresql+psycopg://u@db.example/rooms"
    assert RoomStore().where == "postgresql+psycopg://u@db.example/rooms"
    assert RoomStore("postgresql://u@db.example/rooms").url.drivername == "postgresql+psycopg"


def test_the_default_sqlite_file_is_created_with_its_folder_in_wal_mode(monkeypatch, tmp_path):
    monkeypatch.delenv("LAUNCHROOM_DB_URL", raising=False)
    monkeypatch.setenv("LAUNCHROOM_DB", str(tmp_path / "new" / "folder" / "rooms.db"))
    with RoomStore() as store:
        store.create_room("aa_test", seed=1, devices=1_000, knobs={})
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert (tmp_path / "new" / "folder" / "rooms.db").is_file()
