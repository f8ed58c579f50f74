"""The study-group store's fixtures: every store test runs on SQLite and on PostgreSQL.

The PostgreSQL half is a throwaway cluster (tests/postgres.py) started once for the session.
Without PostgreSQL it skips with the reason; with LAUNCHROOM_REQUIRE_POSTGRES=1 (CI) it fails.
"""

from __future__ import annotations

import pytest

from sim.rooms import RoomStore
from tests import postgres


@pytest.fixture(scope="session")
def postgres_url():
    try:
        server = postgres.start()
    except postgres.Unavailable as reason:
        message = f"PostgreSQL tests not run: {reason}"
        if postgres.required():
            pytest.fail(message + " (LAUNCHROOM_REQUIRE_POSTGRES is set)", pytrace=False)
        pytest.skip(message)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "rooms.db")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(url):
    with RoomStore(url) as opened:
        yield opened
