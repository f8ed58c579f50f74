"""Peer review in the study-group store: after the reveal, members review each other's memos.

Who is given whose memo, the criteria and what a review holds are :mod:`sim.rooms.reviews`;
this stores the reviews (one per reviewer and memo: sending again replaces it) and reads them
back. Members review with their secret, only once the room is revealed and only if they
submitted; reviews stay anonymous until the facilitator names them, and the facilitator sees
every review with both names. :class:`ReviewStore` is part of
:class:`~sim.rooms.store.RoomStore`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from sim import messages
from sim.errors import RoomError
from sim.rooms.codes import clean_name, format_code, normalise_code, token_matches
from sim.rooms.reviews import PeerReview, Review, ReviewTask, memo_label, review_pairs
from sim.rooms.schema import members_table, now, reviews_table, rooms_table, submissions_table, utc


class ReviewStore:
    """The peer reviews of :class:`~sim.rooms.store.RoomStore`'s rooms (it mixes this class in
    and supplies the transactions, the rooms and their members).

    >>> import tempfile, pathlib
    >>> from sim.rooms.store import RoomStore
    >>> folder = tempfile.TemporaryDirectory()
    >>> store = RoomStore(pathlib.Path(folder.name) / "rooms.db")
    >>> code, token = store.create_room("aa_test", seed=1, devices=1_000)
    >>> store.all_reviews(code, token)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sim.errors.RoomError: peer review in room ... opens after the reveal
    >>> store.close(); folder.cleanup()
    """

    def _revealed_room(self, conn: sa.Connection, code: str) -> sa.Row:
        """The room's row, when it exists, has not expired and is revealed."""
        row = conn.execute(sa.select(rooms_table).where(rooms_table.c.code == code)).first()
        if row is None:
            raise RoomError(messages.ROOM_UNKNOWN.format(code=format_code(code)))
        if self._expired(row):
            raise self._expired_error(row)
        if row.revealed is None:
            raise RoomError(messages.REVIEW_BEFORE_REVEAL.format(code=format_code(code)))
        return row

    def _review_pairs(self, conn: sa.Connection, room_id: int) -> tuple[dict[int, sa.Row],
                                                                        dict[int, tuple[int, ...]]]:
        """The room's submissions by member, with names, and who reviews whom."""
        rows = conn.execute(
            sa.select(submissions_table.c.id, submissions_table.c.member_id,
                      submissions_table.c.decision, members_table.c.name)
            .join(members_table, members_table.c.id == submissions_table.c.member_id)
            .where(submissions_table.c.room_id == room_id)
            .order_by(members_table.c.id)
        ).all()
        by_member = {row.member_id: row for row in rows}
        return by_member, review_pairs(list(by_member))

    def review_tasks(self, code: str, name: str,
                     member_token: str | None) -> tuple[ReviewTask, ...]:
        """The memos this member is given to review (their secret required), once the room is
        revealed, each with the review they already sent.

        >>> import tempfile, pathlib
        >>> from sim.rooms.store import RoomStore
        >>> from sim.decide import Decision
        >>> from sim.rooms import Scores
        >>> folder = tempfile.TemporaryDirectory()
        >>> store = RoomStore(pathlib.Path(folder.name) / "rooms.db")
        >>> code, token = store.create_room("aa_test", seed=1, devices=1_000)
        >>> secrets = {name: store.join(code, name).token for name in ("Ana", "Bo")}
        >>> for name in secrets:
        ...     store.submit(code, name, Decision(call="iterate", expected_lift=0, decision_day=9,
        ...                  memo=f"{name} waits"), member_token=secrets[name])
        >>> _ = store.reveal(code, token, score_fn=lambda room, d: Scores({}, [{}] * len(d)))
        >>> [(task.label, task.author, task.decision["memo"])
        ...  for task in store.review_tasks(code, "Ana", secrets["Ana"])]
        [('Memo A', None, 'Bo waits')]
        >>> store.close(); folder.cleanup()
        """
        code = normalise_code(code)
        name = clean_name(name)
        with self._read() as conn:
            room = self._revealed_room(conn, code)
            member = self._member_with_token(conn, room, name, member_token)
            by_member, pairs = self._review_pairs(conn, room.id)
            if member.id not in pairs:
                raise RoomError(messages.REVIEW_NOT_SUBMITTED.format(code=format_code(code)))
            sent = {row.author_id: Review.model_validate_json(row.review)
                    for row in conn.execute(sa.select(reviews_table).where(
                        reviews_table.c.reviewer_id == member.id)).all()}
        named = bool(room.reviews_named)
        return tuple(
            ReviewTask(memo_id=by_member[author].id, label=memo_label(position),
                       author=by_member[author].name if named else None,
                       decision=json.loads(by_member[author].decision), mine=sent.get(author))
            for position, author in enumerate(pairs[member.id]))

    def submit_review(self, code: str, name: str, member_token: str | None, memo_id: int,
                      review: Review | Mapping[str, Any]) -> None:
        """Send (or replace) this member's review of a memo they were given. Reviewing one's
        own memo, or a memo not given to them, is refused."""
        code = normalise_code(code)
        name = clean_name(name)
        review = review if isinstance(review, Review) else Review(**dict(review))
        if isinstance(memo_id, bool) or not isinstance(memo_id, int):
            raise RoomError(messages.REVIEW_UNKNOWN_MEMO.format(code=format_code(code),
                                                                memo=memo_id))
        with self._write() as conn:
            room = self._revealed_room(conn, code)
            member = self._member_with_token(conn, room, name, member_token)
            by_member, pairs = self._review_pairs(conn, room.id)
            author = next((row for row in by_member.values() if row.id == memo_id), None)
            if author is None:
                raise RoomError(messages.REVIEW_UNKNOWN_MEMO.format(code=format_code(code),
                                                                    memo=memo_id))
            if author.member_id == member.id:
                raise RoomError(messages.REVIEW_OWN_MEMO)
            if author.member_id not in pairs.get(member.id, ()):
                raise RoomError(messages.REVIEW_NOT_GIVEN)
            values = {"room_id": room.id, "reviewer_id": member.id,
                      "author_id": author.member_id, "review": review.model_dump_json(),
                      "written": now()}
            self._insert(conn, reviews_table, values, keys=("reviewer_id", "author_id"),
                         update={"review": values["review"], "written": values["written"]})

    def _reviews(self, conn: sa.Connection, room: sa.Row, author_id: int | None,
                 names: bool) -> tuple[PeerReview, ...]:
        reviewer, author = members_table.alias("reviewer"), members_table.alias("author")
        query = (sa.select(reviews_table.c.review, reviews_table.c.written,
                           reviewer.c.name.label("reviewer"), author.c.name.label("author"))
                 .join(reviewer, reviewer.c.id == reviews_table.c.reviewer_id)
                 .join(author, author.c.id == reviews_table.c.author_id)
                 .where(reviews_table.c.room_id == room.id)
                 .order_by(author.c.id, reviewer.c.id))
        if author_id is not None:
            query = query.where(reviews_table.c.author_id == author_id)
        return tuple(PeerReview(reviewer=row.reviewer if names else None,
                                author=row.author if names else None,
                                review=Review.model_validate_json(row.review),
                                written=utc(row.written))
                     for row in conn.execute(query).all())

    def reviews_of(self, code: str, name: str,
                   member_token: str | None) -> tuple[PeerReview, ...]:
        """The reviews of this member's memo (their secret required); the reviewers' names
        only once the facilitator has named reviews."""
        code = normalise_code(code)
        name = clean_name(name)
        with self._read() as conn:
            room = self._revealed_room(conn, code)
            member = self._member_with_token(conn, room, name, member_token)
            return self._reviews(conn, room, member.id, names=bool(room.reviews_named))

    def all_reviews(self, code: str, facilitator_token: str | None) -> tuple[PeerReview, ...]:
        """Every review in the room with both names, for the facilitator only."""
        code = normalise_code(code)
        with self._read() as conn:
            room = self._revealed_room(conn, code)
            if not token_matches(facilitator_token, room.token_hash):
                raise RoomError(messages.REVIEW_WRONG_TOKEN.format(code=format_code(code)))
            return self._reviews(conn, room, None, names=True)

    def name_reviews(self, code: str, facilitator_token: str | None, named: bool) -> None:
        """Show (``named``) or hide whose memo and whose review members see; only the
        facilitator can."""
        code = normalise_code(code)
        with self._write() as conn:
            room = self._open_room(conn, code)
            if not token_matches(facilitator_token, room.token_hash):
                raise RoomError(messages.REVIEW_WRONG_TOKEN.format(code=format_code(code)))
            conn.execute(sa.update(rooms_table).where(rooms_table.c.id == room.id)
                         .values(reviews_named=bool(named)))
