"""The limits on a run, named once: seed, horizon, fleet size, and the 30-day working rule.

The command line, the app's sidebar and links, study-group rooms and sweeps all check their
inputs against these numbers, so a seed that works in one works in every other. (A module of
its own at the top of ``sim``, beside the errors and messages, because every package reads it.)

>>> MAX_SEED == 2**53 - 1, MAX_DAYS, BUDGET_DAYS
(True, 180, 30)
"""

from __future__ import annotations

MAX_SEED = 2**53 - 1
"""The largest seed: the largest whole number a browser holds exactly (JavaScript numbers are
doubles), so a seed typed in the sidebar, read from a link or stored in a room is the same
seed the command line and a sweep use."""
MAX_VARIANT = 999_999
"""The largest variant number of a case (variant 0 is the case file as written)."""
MAX_DAYS = 180
"""The longest horizon a run may simulate, in days."""
MIN_DEVICES = 100
"""The smallest fleet a run may simulate."""
MAX_DEVICES = 50_000_000
"""The largest fleet a case file or the command line may ask for."""
MAX_PANEL_DEVICES = 1_000_000
"""The most devices whose raw daily reports a run may keep (``telemetry.daily_max_devices``)."""
BUDGET_DAYS = 30
"""The working rule: hypothesis to the over-the-air rollout on the fleet in at most 30 days."""
SQL_TIME_LIMIT_S = 5.0
"""The longest a SQL workbench query may run, in seconds, before it is interrupted."""
SQL_MAX_ROWS = 1_000
"""The most rows a SQL workbench query returns (it says when it cut the rest)."""
SQL_MAX_CHARS = 20_000
"""The longest SQL workbench query text, in characters."""
SQL_QUERY_MEMORY_MB = 512
"""Memory a SQL workbench query may use on top of the run's tables, in MB (nothing spills to
disk)."""
MAX_CLASS_ROOMS = 100
"""Rooms one class can hold (a term of weekly rooms for a few groups)."""
REVIEWS_PER_MEMBER = 2
"""Memos each member of a revealed room is given to review (fewer when fewer others submitted)."""
REVIEW_COMMENT_MAX_CHARS = 1_000
"""The longest comment of a peer review, in characters."""
CASE_MAX_BYTES = 200_000
"""The largest case file the case editor saves or a case pack holds, in bytes."""
PACK_MAX_CASES = 200
"""The most case files one case pack (a zip) may hold."""
PREVIEW_SEEDS = 3
"""Seeds the case editor's preview runs to estimate how often the data rule reaches the right
call."""
PREVIEW_MAX_DEVICES = 20_000
"""The largest fleet the case editor's preview simulates (a smaller case runs at its own size)."""
