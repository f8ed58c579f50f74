"""Show one clear line instead of a traceback when something on a page fails."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import streamlit as st

from sim import LaunchRoomError
from ui import texts

_log = logging.getLogger("launchroom.ui")


@contextlib.contextmanager
def guard(failure: str = texts.RUN_FAILED) -> Iterator[None]:
    """Run a block; bad input shows its one-line message, anything else a short note.

    Unexpected errors are logged with their traceback on the server (for whoever runs it),
    never drawn on the page.
    """
    try:
        yield
    except LaunchRoomError as error:
        st.error(failure.format(error=error))
        st.stop()
    except Exception as error:  # noqa: BLE001 - the page must never show a traceback
        _log.exception("page failed")
        detail = str(error).splitlines()[0][:200] if str(error) else ""
        st.error(texts.UNEXPECTED.format(kind=type(error).__name__, detail=detail))
        st.stop()
