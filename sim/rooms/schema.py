"""The study-group store's tables and the values its rows hold.

Eight tables (rooms, members, submissions, rate-limit events, classes, the rooms attached to a
class, peer reviews and interview attempts) in one :data:`metadata`. :func:`create_schema` makes
them on first use and gives an older database the columns added since. Every time stored is
UTC (:func:`now`; :func:`utc` for what SQLite hands back), and a room's settings are checked
before they are stored (:func:`check_settings`).

>>> sorted(metadata.tables)[:3]
['launchroom_attempts', 'launchroom_class_rooms', 'launchroom_classes']
>>> check_settings("aa_test", seed=3, devices=2_000, knobs={"feature.quantization": "int8"},
...                variant=0)
'{"feature.quantization": "int8"}'
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from sim import messages
from sim.errors import RoomError
from sim.limits import MAX_DEVICES, MAX_SEED, MAX_VARIANT, MIN_DEVICES
from sim.rooms.codes import CODE_LENGTH, NAME_MAX_CHARS

KNOBS_MAX_CHARS = 20_000
_CASE_ID = re.compile(r"^[a-z0-9_]{1,100}$")

metadata = sa.MetaData()
rooms_table = sa.Table(
    "launchroom_rooms",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(CODE_LENGTH), nullable=False, unique=True),
    sa.Column("case_id", sa.String(100), nullable=False),
    sa.Column("knobs", sa.Text, nullable=False),  # JSON object: knob path -> value
    sa.Column("seed", sa.BigInteger, nullable=False),
    sa.Column("devices", sa.Integer, nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),  # SHA-256 of the facilitator token
    sa.Column("closed", sa.DateTime(timezone=True)),  # unused since reveals are one transaction
    sa.Column("revealed", sa.DateTime(timezone=True)),
    sa.Column("truth", sa.Text),  # JSON, written by the reveal
    sa.Column("expires", sa.DateTime(timezone=True)),  # NULL (older rooms): created + default
    sa.Column("reviews_named", sa.Boolean),  # NULL or false: peer reviews are anonymous
    sa.Column("variant", sa.Integer),  # the case's variant; NULL (older rooms): 0, the file
)
members_table = sa.Table(
    "launchroom_members",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("room_id", sa.Integer, sa.ForeignKey("launchroom_rooms.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("name", sa.String(NAME_MAX_CHARS), nullable=False),  # as first typed
    sa.Column("name_key", sa.String(20 * NAME_MAX_CHARS), nullable=False),  # NFKC, case-folded
    sa.Column("joined", sa.DateTime(timezone=True), nullable=False),
    sa.Column("token_hash", sa.String(64)),  # SHA-256 of the member's secret
    sa.Column("skeleton", sa.String(20 * NAME_MAX_CHARS)),  # what the name looks like
    sa.UniqueConstraint("room_id", "name_key", name="uq_launchroom_member_name"),
)
submissions_table = sa.Table(
    "launchroom_submissions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("room_id", sa.Integer, sa.ForeignKey("launchroom_rooms.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("member_id", sa.Integer,
              sa.ForeignKey("launchroom_members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("decision", sa.Text, nullable=False),  # Decision.model_dump_json()
    sa.Column("scorecard", sa.Text),  # JSON, written by the reveal
    sa.Column("submitted", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("room_id", "member_id", name="uq_launchroom_submission_member"),
)
events_table = sa.Table(
    "launchroom_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("client", sa.String(64), nullable=False),  # SHA-256 of the client's address
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_launchroom_events_client", "client", "action", "at"),
)
classes_table = sa.Table(
    "launchroom_classes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(NAME_MAX_CHARS), nullable=False),  # as first typed
    sa.Column("name_key", sa.String(20 * NAME_MAX_CHARS), nullable=False),  # NFKC, case-folded
    sa.Column("token_hash", sa.String(64), nullable=False),  # SHA-256 of the teacher's secret
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("name_key", name="uq_launchroom_class_name"),
)
class_rooms_table = sa.Table(
    "launchroom_class_rooms",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("class_id", sa.Integer,
              sa.ForeignKey("launchroom_classes.id", ondelete="CASCADE"), nullable=False),
    # An expired room is deleted, and leaves its classes with it.
    sa.Column("room_id", sa.Integer, sa.ForeignKey("launchroom_rooms.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("attached", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("class_id", "room_id", name="uq_launchroom_class_room"),
)
reviews_table = sa.Table(
    "launchroom_reviews",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("room_id", sa.Integer, sa.ForeignKey("launchroom_rooms.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("reviewer_id", sa.Integer,
              sa.ForeignKey("launchroom_members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("author_id", sa.Integer,
              sa.ForeignKey("launchroom_members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("review", sa.Text, nullable=False),  # Review.model_dump_json()
    sa.Column("written", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("reviewer_id", "author_id", name="uq_launchroom_review_pair"),
)
attempts_table = sa.Table(
    "launchroom_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(NAME_MAX_CHARS), nullable=False),  # as typed
    sa.Column("name_key", sa.String(20 * NAME_MAX_CHARS), nullable=False),  # NFKC, case-folded
    sa.Column("case_id", sa.String(100), nullable=False),
    sa.Column("variant", sa.Integer, nullable=False),
    sa.Column("minutes", sa.Integer, nullable=False),
    sa.Column("minutes_used", sa.Float, nullable=False),
    sa.Column("total", sa.Float, nullable=False),
    sa.Column("lines", sa.Text, nullable=False),  # JSON object: rubric line -> points
    sa.Column("hints", sa.Integer, nullable=False),
    sa.Column("finished", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_launchroom_attempts_name", "name_key", "finished"),
)
# Tables added since the first release (classes, reviews, attempts) are made by create_all on
# first use; columns added since are listed here, and an older database gains them on first use.
_ADDED_COLUMNS = {
    "launchroom_rooms": ("expires", "reviews_named", "variant"),
    "launchroom_members": ("token_hash", "skeleton"),
}


def create_schema(conn: sa.Connection) -> None:
    """Create the tables that are missing and give older ones the columns added since.

    >>> engine = sa.create_engine("sqlite://")
    >>> with engine.begin() as conn:
    ...     create_schema(conn)
    ...     create_schema(conn)  # a second time changes nothing
    ...     len(sa.inspect(conn).get_table_names())
    8
    """
    metadata.create_all(conn)
    _add_missing_columns(conn)


def now() -> datetime:
    """The time now, in UTC: every time the store writes.

    >>> now().tzinfo
    datetime.timezone.utc
    """
    return datetime.now(UTC)


def utc(value: datetime | None) -> datetime | None:
    """A stored time as UTC: SQLite hands back naive datetimes; every time stored here is UTC.

    >>> utc(datetime(2026, 1, 1)).isoformat(), utc(None)
    ('2026-01-01T00:00:00+00:00', None)
    """
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def check_settings(case_id: Any, seed: Any, devices: Any, knobs: Any, variant: Any) -> str:
    """Validate a new room's settings; return the knobs as canonical JSON.

    >>> check_settings("aa_test", seed=-1, devices=2_000, knobs={}, variant=0)
    Traceback (most recent call last):
    ...
    sim.errors.RoomError: cannot create a room: seed -1 must be a whole number from 0 to 9007199254740991
    """

    def bad(detail: str) -> RoomError:
        return RoomError(messages.ROOM_BAD_SETTINGS.format(detail=detail))

    if not isinstance(case_id, str) or not _CASE_ID.match(case_id):
        raise bad(f"case id {case_id!r} must be 1-100 lower-case letters, digits or _")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise bad(f"seed {seed!r} must be a whole number from 0 to {MAX_SEED}")
    if isinstance(variant, bool) or not isinstance(variant, int) or not 0 <= variant <= MAX_VARIANT:
        raise bad(f"variant {variant!r} must be a whole number from 0 to {MAX_VARIANT}")
    if isinstance(devices, bool) or not isinstance(devices, int) \
            or not MIN_DEVICES <= devices <= MAX_DEVICES:
        raise bad(f"fleet size {devices!r} must be a whole number from {MIN_DEVICES:,} to "
                  f"{MAX_DEVICES:,}")
    knobs = {} if knobs is None else knobs
    if not isinstance(knobs, Mapping):
        raise bad("knobs must be a mapping of setting path to value")
    for path, value in knobs.items():
        if not isinstance(path, str) or not path or len(path) > 200:
            raise bad(f"knob path {path!r} must be a non-empty string")
        if not isinstance(value, (str, int, float, bool)) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            raise bad(f"knob {path} has a value that is not a plain setting ({value!r})")
    text = json.dumps(dict(knobs), sort_keys=True)
    if len(text) > KNOBS_MAX_CHARS:
        raise bad(f"the knobs take {len(text):,} characters (at most {KNOBS_MAX_CHARS:,})")
    return text


def _add_missing_columns(conn: sa.Connection) -> None:
    """Give an older database the columns added since (all of them nullable)."""
    inspector = sa.inspect(conn)
    for table_name, columns in _ADDED_COLUMNS.items():
        present = {column["name"] for column in inspector.get_columns(table_name)}
        table = metadata.tables[table_name]
        for name in columns:
            if name not in present:
                column = table.c[name]
                kind = column.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(f"ALTER TABLE {table_name} ADD COLUMN {name} {kind}")
