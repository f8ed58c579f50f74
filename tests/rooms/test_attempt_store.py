"""Interview attempts kept in the study-group store (sim/rooms/attempt_store.py), on SQLite and
on a real PostgreSQL server (tests/rooms/conftest.py)."""

from __future__ import annotations

import dataclasses

import pytest

from sim.errors import RoomError
from sim.rooms import RoomStore
from sim.rooms.history import Attempt, attempts_csv, practise_next


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
