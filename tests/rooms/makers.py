"""Rooms made for the store's tests: a decision, a room with members and its submission rows;
for the class tests, unique class names, rooms whose members have submitted and a cheap
scorer."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from sim.decide.decision import Decision
from sim.rooms import RoomStore, Scores, normalise_code, schema


def decision(call="iterate", lift=0.0, memo="", **extra) -> Decision:
    return Decision(call=call, expected_lift=lift, decision_day=21, memo=memo, **extra)


def submission_rows(store: RoomStore, code: str) -> list:
    rooms, submissions = schema.rooms_table, schema.submissions_table
    with store.engine.connect() as conn:
        return conn.execute(
            sa.select(submissions.c.member_id, submissions.c.decision)
            .join(rooms, rooms.c.id == submissions.c.room_id)
            .where(rooms.c.code == normalise_code(code))
        ).all()


def room_with(store: RoomStore, *names: str) -> tuple[str, str, dict[str, str]]:
    """A fresh room with these members: its code, the facilitator token, each member's secret."""
    code, token = store.create_room("aa_test", seed=2, devices=1_000, knobs={})
    return code, token, {name: store.join(code, name).token for name in names}


def class_name(label: str = "class") -> str:
    """A class name no other test uses (the PostgreSQL database is shared by the session)."""
    return f"{label} {uuid.uuid4().hex[:8]}"


def class_scores(room, decisions):
    """A cheap stand-in for score_room: split answered right by everyone, novelty by nobody,
    guardrails by the first member only."""
    cards = [{"total": 40 + 10 * index, "true_lift": 0.02,
              "items": [{"criterion": "call", "points": 20.0 + index}],
              "questions": [{"question": "split", "fraction": 1.0},
                            {"question": "novelty", "fraction": 0.0},
                            {"question": "guardrails", "fraction": 1.0 if index == 0 else 0.5}]}
             for index, _ in enumerate(decisions)]
    return Scores(truth={"right_label": "ship to all", "true_lift": 0.02}, cards=cards)


def class_room(store: RoomStore, names: tuple[str, ...], reveal: bool) -> tuple[str, str]:
    """A room whose members have each submitted a call; revealed with :func:`class_scores`."""
    code, token = store.create_room("aa_test", seed=4, devices=1_000)
    for index, name in enumerate(names):
        secret = store.join(code, name).token
        store.submit(code, name, Decision(call="ship_all", expected_lift=0.01 * index,
                                          decision_day=10 + index, memo=f"memo of {name}"),
                     member_token=secret)
    if reveal:
        store.reveal(code, token, score_fn=class_scores)
    return code, token
