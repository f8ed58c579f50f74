"""Show one clear line instead of a traceback when something on a page fails, and show text
that came from outside (a link, a file, a name someone typed) literally, never as Markdown."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator

import streamlit as st

from sim import LaunchRoomError, ServiceError
from ui import texts

_log = logging.getLogger("launchroom.ui")
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&@])")
_AUTOLINK = re.compile(r"://|(?i:www)\.|@")
WORD_JOINER = "\u2060"
MAX_SHOWN = 300
"""Characters of outside text a message shows (a 5,000-digit knob value is cut short)."""


def literal(text: object, limit: int | None = MAX_SHOWN) -> str:
    """Text for an element that renders Markdown (alerts, captions), every markup character
    escaped, so what came from outside shows as typed: no links, images or emphasis. Cut to
    ``limit`` characters (:data:`MAX_SHOWN`; ``None``: never cut, for the app's own sentences).

    >>> print(literal("[Session expired](x.example) **Ana** <b>"))
    \\[Session expired\\]\\(x\\.example\\) \\*\\*Ana\\*\\* \\<b\\>
    >>> "https://" in literal("see https://evil.example"), "\u2060" in literal("www.evil.example")
    (False, True)
    >>> len(literal("a" * 400)), len(literal("a" * 400, limit=None))  # 297 and an escaped ...
    (303, 400)
    """
    shown = str(text)
    if limit is not None and len(shown) > limit:
        shown = shown[:limit - 3] + "..."
    # Escapes do not stop GitHub-flavoured autolinks (a bare https://..., www. or e-mail
    # address becomes a link after unescaping): an invisible word joiner breaks each pattern.
    shown = _AUTOLINK.sub(lambda match: match.group(0)[:-1] + WORD_JOINER + match.group(0)[-1],
                          shown)
    return _MARKDOWN.sub(r"\\\1", shown)


@contextlib.contextmanager
def guard(failure: str = texts.RUN_FAILED) -> Iterator[None]:
    """Run a block; bad input shows its one-line message (in ``failure``), a service that is
    down its own (the input was fine), anything else a short note.

    Unexpected errors are logged with their traceback on the server (for whoever runs it),
    never drawn on the page.
    """
    try:
        yield
    except ServiceError as error:
        st.error(literal(error))
        st.stop()
    except LaunchRoomError as error:
        st.error(literal(failure.format(error=error)))
        st.stop()
    except Exception as error:  # noqa: BLE001 - the page must never show a traceback
        _log.exception("page failed")
        detail = str(error).splitlines()[0][:200] if str(error) else ""
        st.error(literal(texts.UNEXPECTED.format(kind=type(error).__name__, detail=detail)))
        st.stop()
