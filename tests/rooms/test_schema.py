"""The study-group store's tables and what they hold (sim/rooms/schema.py): an older database
gains the new columns; a room's settings are checked before they are stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from sim.errors import RoomError
from sim.rooms import RoomStore
from tests.rooms.makers import decision


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
        store.submit("2345-6789", "Ana", decision(), member_token=secret)
        with pytest.raises(RoomError, match="is already in room"):
            store.join("2345-6789", "Ana")
        assert store.room("2345-6789").variant == 0, "an older room runs the case as written"


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
