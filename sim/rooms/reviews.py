"""Peer review of memos after a room's reveal: who reviews whom, what a review holds.

Each member who submitted is given the memos of the next :data:`~sim.limits.REVIEWS_PER_MEMBER`
members who submitted after them (in the order they joined, wrapping round), so every memo gets
as many reviews as every member writes, and nobody is given their own (:func:`review_pairs`). A
review rates the memo on the scorecard's six criteria (:data:`CRITERIA`: 0 missing, 1 partly,
2 clearly) with a short comment (:class:`Review`). Reviews are anonymous by default - the
reviewer does not see whose memo it is, the author does not see who wrote the review - until
the facilitator names them; the facilitator always sees every review with both names
(:class:`PeerReview`).

>>> review_pairs([11, 12, 13])
{11: (12, 13), 12: (13, 11), 13: (11, 12)}
>>> Review(ratings={"call": 2, "speed": 1}, comment="Clear call; the rollout plan is vague.").ratings
{'call': 2, 'speed': 1}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim import messages
from sim.errors import RoomError
from sim.limits import REVIEW_COMMENT_MAX_CHARS, REVIEWS_PER_MEMBER

Criterion = Literal["call", "outcome", "questions", "design", "calibration", "speed"]
"""The scorecard's items (:data:`sim.decide.scorecard.WEIGHTS`), judged by a peer from the memo."""
CRITERIA: tuple[Criterion, ...] = get_args(Criterion)
Rating = Literal[0, 1, 2]
"""0: the memo misses it; 1: partly there; 2: clearly there."""


class Review(BaseModel):
    """One peer's review of one memo: a rating per criterion (any left out are not rated) and
    a comment of at most :data:`~sim.limits.REVIEW_COMMENT_MAX_CHARS` characters.

    >>> Review(ratings={"call": 3})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sim.errors.RoomError: not a review: ratings.call: ...
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    ratings: dict[Criterion, Rating] = Field(default_factory=dict)
    comment: Annotated[str, Field(max_length=REVIEW_COMMENT_MAX_CHARS)] = ""

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as error:
            problem = error.errors()[0]
            where = ".".join(str(part) for part in problem["loc"])
            raise RoomError(messages.REVIEW_BAD.format(
                detail=f"{where}: {problem['msg']}")) from None

    @property
    def total(self) -> int:
        """The points given, out of 2 per rated criterion.

        >>> Review(ratings={"call": 2, "speed": 1}).total
        3
        """
        return sum(self.ratings.values())


@dataclass(frozen=True)
class ReviewTask:
    """A memo given to a member to review: ``memo_id`` names it when the review is sent;
    ``author`` is ``None`` while reviews are anonymous; ``mine`` is the review already sent."""

    memo_id: int
    label: str
    author: str | None
    decision: dict[str, Any]
    mine: Review | None


@dataclass(frozen=True)
class PeerReview:
    """A review as read back: by whom of whose memo (``None`` where anonymous), and when."""

    reviewer: str | None
    author: str | None
    review: Review
    written: datetime


def review_pairs(submitters: Sequence[int], per_member: int = REVIEWS_PER_MEMBER
                 ) -> dict[int, tuple[int, ...]]:
    """Who reviews whom: each submitter (in order) gets the next ``per_member`` submitters,
    wrapping round, never themselves; with fewer others, all of them.

    >>> review_pairs([1, 2]), review_pairs([1])
    ({1: (2,), 2: (1,)}, {1: ()})
    """
    count = len(submitters)
    given = min(per_member, max(count - 1, 0))
    return {member: tuple(submitters[(index + step) % count] for step in range(1, given + 1))
            for index, member in enumerate(submitters)}


def memo_label(position: int) -> str:
    """How a reviewer sees an anonymous memo: ``Memo A``, ``Memo B``, ...

    >>> memo_label(0), memo_label(1)
    ('Memo A', 'Memo B')
    """
    return messages.REVIEW_MEMO_LABEL.format(letter=chr(ord("A") + position))
