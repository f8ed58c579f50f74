"""Peer review in the study-group store (sim/rooms/review_store.py: RoomStore.review_tasks,
submit_review, reviews_of, all_reviews, name_reviews) on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sim.decide.decision import Decision
from sim.errors import RoomError
from sim.limits import REVIEW_COMMENT_MAX_CHARS
from sim.rooms import RoomStore, Scores, schema
from sim.rooms.reviews import Review

NAMES = ("Ana", "Bo", "Cy", "Di")


def _stub(room, decisions):
    return Scores({"right_call": "iterate"}, [{"total": 50}] * len(decisions))


def _revealed(store: RoomStore, names=NAMES, reveal=True) -> tuple[str, str, dict[str, str]]:
    code, token = store.create_room("aa_test", seed=2, devices=1_000)
    secrets = {name: store.join(code, name).token for name in names}
    for name in names:
        store.submit(code, name, Decision(call="iterate", expected_lift=0.0, decision_day=20,
                                          memo=f"memo by {name}"), member_token=secrets[name])
    if reveal:
        store.reveal(code, token, score_fn=_stub)
    return code, token, secrets


def _good_review(comment="Clear call.") -> Review:
    return Review(ratings={"call": 2, "outcome": 1, "speed": 0}, comment=comment)


def test_members_review_two_memos_anonymously_and_read_reviews_of_their_own(store):
    code, token, secrets = _revealed(store)
    tasks = store.review_tasks(code, "Ana", secrets["Ana"])
    assert [task.label for task in tasks] == ["Memo A", "Memo B"]
    assert [task.author for task in tasks] == [None, None]  # anonymous by default
    assert [task.decision["memo"] for task in tasks] == ["memo by Bo", "memo by Cy"]
    for task in tasks:
        store.submit_review(code, "Ana", secrets["Ana"], task.memo_id, _good_review())
    assert [task.mine for task in store.review_tasks(code, "Ana", secrets["Ana"])] == [
        _good_review()] * 2

    received = store.reviews_of(code, "Bo", secrets["Bo"])
    assert [(r.reviewer, r.author, r.review.comment) for r in received] == [
        (None, None, "Clear call.")]
    assert store.reviews_of(code, "Di", secrets["Di"]) == ()

    everything = store.all_reviews(code, token)
    assert [(r.reviewer, r.author) for r in everything] == [("Ana", "Bo"), ("Ana", "Cy")]


def test_a_second_review_of_the_same_memo_replaces_the_first(store):
    code, token, secrets = _revealed(store)
    memo = store.review_tasks(code, "Bo", secrets["Bo"])[0].memo_id
    store.submit_review(code, "Bo", secrets["Bo"], memo, _good_review("first"))
    store.submit_review(code, "Bo", secrets["Bo"], memo, {"ratings": {"call": 1},
                                                          "comment": "second"})
    assert [r.review.comment for r in store.all_reviews(code, token)] == ["second"]


def test_reviewing_ones_own_memo_is_refused(store):
    code, token, secrets = _revealed(store)
    own = next(task.memo_id for task in store.review_tasks(code, "Di", secrets["Di"]))
    # Ana's own memo: the one Di (whose next two are Ana and Bo) was given first.
    with pytest.raises(RoomError, match="you cannot review your own memo"):
        store.submit_review(code, "Ana", secrets["Ana"], own, _good_review())
    assert store.all_reviews(code, token) == ()


def test_a_memo_not_given_to_you_is_refused(store):
    code, _, secrets = _revealed(store)
    # Ana is given Bo's and Cy's memos; Cy is given Di's (and Ana's).
    not_given = next(task.memo_id for task in store.review_tasks(code, "Cy", secrets["Cy"])
                     if task.decision["memo"] == "memo by Di")
    with pytest.raises(RoomError, match="was not given to you to review"):
        store.submit_review(code, "Ana", secrets["Ana"], not_given, _good_review())
    for bad in (10**9, True, "1"):
        with pytest.raises(RoomError, match="has no memo"):
            store.submit_review(code, "Ana", secrets["Ana"], bad, _good_review())


def test_reviews_need_the_members_secret(store):
    code, _, secrets = _revealed(store)
    memo = store.review_tasks(code, "Ana", secrets["Ana"])[0].memo_id
    for secret in (None, "", secrets["Bo"]):
        with pytest.raises(RoomError, match="member link is not valid"):
            store.submit_review(code, "Ana", secret, memo, _good_review())
        with pytest.raises(RoomError, match="member link is not valid"):
            store.review_tasks(code, "Ana", secret)
        with pytest.raises(RoomError, match="member link is not valid"):
            store.reviews_of(code, "Ana", secret)


@pytest.mark.parametrize("token", [None, "", "guessed"])
def test_only_the_facilitator_sees_every_review_and_names_them(store, token):
    code, _, _ = _revealed(store)
    with pytest.raises(RoomError, match="only the facilitator sees every review"):
        store.all_reviews(code, token)
    with pytest.raises(RoomError, match="only the facilitator sees every review"):
        store.name_reviews(code, token, True)
    assert not store.room(code).reviews_named


def test_the_facilitator_can_name_reviewers_and_authors(store):
    code, token, secrets = _revealed(store)
    memo = store.review_tasks(code, "Ana", secrets["Ana"])[0].memo_id
    store.submit_review(code, "Ana", secrets["Ana"], memo, _good_review())
    store.name_reviews(code, token, True)
    assert store.room(code).reviews_named
    assert [task.author for task in store.review_tasks(code, "Ana", secrets["Ana"])] == [
        "Bo", "Cy"]
    assert [r.reviewer for r in store.reviews_of(code, "Bo", secrets["Bo"])] == ["Ana"]
    store.name_reviews(code, token, False)
    assert [r.reviewer for r in store.reviews_of(code, "Bo", secrets["Bo"])] == [None]


def test_review_opens_only_after_the_reveal_and_for_members_who_submitted(store):
    code, token, secrets = _revealed(store, reveal=False)
    with pytest.raises(RoomError, match="opens after the reveal"):
        store.review_tasks(code, "Ana", secrets["Ana"])
    late = store.join(code, "Late").token
    store.reveal(code, token, score_fn=_stub)
    with pytest.raises(RoomError, match="only members who submitted a call review memos"):
        store.review_tasks(code, "Late", late)


@pytest.mark.parametrize("bad, problem", [
    ({"ratings": {"call": 3}}, "ratings.call"),
    ({"ratings": {"charm": 2}}, "ratings.charm"),
    ({"comment": "x" * (REVIEW_COMMENT_MAX_CHARS + 1)}, "comment"),
    ({"verdict": "great"}, "verdict"),
])
def test_a_bad_review_gets_one_line_naming_the_field(store, bad, problem):
    code, _, secrets = _revealed(store)
    memo = store.review_tasks(code, "Ana", secrets["Ana"])[0].memo_id
    with pytest.raises(RoomError, match=f"not a review: {problem}") as caught:
        store.submit_review(code, "Ana", secrets["Ana"], memo, bad)
    assert "\n" not in str(caught.value)


def test_a_removed_members_reviews_go_with_them(store):
    code, token, secrets = _revealed(store)
    memo = store.review_tasks(code, "Ana", secrets["Ana"])[0].memo_id
    store.submit_review(code, "Ana", secrets["Ana"], memo, _good_review())
    store.remove_member(code, "Ana", token)
    assert store.all_reviews(code, token) == ()
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(
            schema.reviews_table).where(
            schema.reviews_table.c.room_id == sa.select(schema.rooms_table.c.id)
            .where(schema.rooms_table.c.code == code.replace("-", "")).scalar_subquery())
        ).scalar_one() == 0
