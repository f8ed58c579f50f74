"""Exceptions that carry a message meant for a person, not a traceback.

Every error raised on bad input derives from :class:`LaunchRoomError`; the command line
and the app catch it and show ``str(error)`` as one line.

>>> try:
...     raise ScenarioError("scenarios/x.toml: file not found")
... except LaunchRoomError as error:
...     print(error)
scenarios/x.toml: file not found
"""

from __future__ import annotations


class LaunchRoomError(ValueError):
    """Bad input described in one line that names the problem."""


class ScenarioError(LaunchRoomError):
    """A case file or a knob override is invalid."""


class DataError(LaunchRoomError):
    """A table (CSV, Parquet, DataFrame) cannot be analysed as asked."""


class DecisionError(LaunchRoomError):
    """A launch decision (or an impact-ledger row) is invalid."""


class RoomError(LaunchRoomError):
    """A study-group request cannot be served: a bad room code, name or token, or no database."""


class ServiceError(LaunchRoomError):
    """A service the work is sent to (a Dask scheduler) cannot be reached: the input was fine,
    so the app says so instead of asking for other settings."""


class QueryError(LaunchRoomError):
    """A SQL workbench query is refused (it reaches outside the run's tables, or is not a
    read) or fails (bad SQL, too slow, too big)."""
