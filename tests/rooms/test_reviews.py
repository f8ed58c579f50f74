"""Peer review of memos after the reveal (sim/rooms/reviews.py): the criteria and who reviews
whom. The stored reviews are tests/rooms/test_review_store.py."""

from __future__ import annotations

from sim.decide.scorecard import WEIGHTS
from sim.rooms.reviews import CRITERIA, review_pairs


def test_the_criteria_are_the_scorecards_items():
    assert tuple(WEIGHTS) == CRITERIA


def test_every_memo_gets_two_reviews_and_nobody_their_own():
    for count in range(1, 8):
        pairs = review_pairs(list(range(count)))
        received = [author for given in pairs.values() for author in given]
        assert all(member not in given for member, given in pairs.items())
        assert all(len(set(given)) == len(given) == min(2, count - 1) for given in pairs.values())
        assert sorted(received) == sorted(list(range(count)) * min(2, count - 1))
