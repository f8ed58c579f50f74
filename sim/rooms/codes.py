"""Room codes, display names and links: what people type, read aloud and share.

Codes come from ``secrets`` over an alphabet with no look-alike characters (no 0/O, 1/I/L,
U/V), 8 characters shown as two groups of four, so they are easy to read aloud and cost
30**8 (about 6.6e11) guesses to enumerate.

>>> code = normalise_code(" k7mq-3xhd ")
>>> len(new_code()), code, format_code(code)
(8, 'K7MQ3XHD', 'K7MQ-3XHD')
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from typing import Any
from urllib.parse import urlencode

from sim import messages
from sim.errors import RoomError

# No characters that look alike (0/O, 1/I/L) or that Crockford's base 32 leaves out for being
# misheard (U/V). 30 symbols, 8 characters: 30**8 = 6.6e11 codes, so guessing a room takes about
# 6.6e11 / rooms tries (a join is a database round trip, not a cheap local check).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
NAME_MAX_CHARS = 40
_SEPARATORS = re.compile(r"[\s\-_.]+")


def new_code() -> str:
    """A fresh room code from :data:`ALPHABET` (cryptographically random), without the dash."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """A code as people read it: two groups of four.

    >>> format_code("K7MQ3XHD")
    'K7MQ-3XHD'
    """
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def normalise_code(text: Any) -> str:
    """The code in ``text`` (any case, with or without spaces and dashes), as stored.

    >>> normalise_code(" k7mq 3xhd "), normalise_code("K7MQ-3XHD")
    ('K7MQ3XHD', 'K7MQ3XHD')
    >>> normalise_code("K7MQ-3XH0")
    Traceback (most recent call last):
    ...
    sim.errors.RoomError: 'K7MQ-3XH0' is not a room code: a code has 8 characters from 23456789ABCDEFGHJKMNPQRSTVWXYZ (dashes, spaces and case do not matter)
    """
    raw = text if isinstance(text, str) else ""
    code = _SEPARATORS.sub("", raw).upper()
    if len(code) != CODE_LENGTH or any(char not in ALPHABET for char in code):
        shown = raw[:40] if isinstance(text, str) else repr(text)[:40]
        raise RoomError(messages.ROOM_CODE_BAD.format(code=shown, length=CODE_LENGTH,
                                                      alphabet=ALPHABET))
    return code


def clean_name(name: Any) -> str:
    """A display name with its white space collapsed; 1 to 40 printable characters.

    >>> clean_name("  Ada   Lovelace\\n")
    'Ada Lovelace'
    >>> clean_name("x" * 41)
    Traceback (most recent call last):
    ...
    sim.errors.RoomError: a display name has at most 40 characters (got 41)
    """
    if not isinstance(name, str):
        raise RoomError(messages.ROOM_NAME_EMPTY.format(limit=NAME_MAX_CHARS))
    text = " ".join(unicodedata.normalize("NFC", name).split())
    if not text:
        raise RoomError(messages.ROOM_NAME_EMPTY.format(limit=NAME_MAX_CHARS))
    if len(text) > NAME_MAX_CHARS:
        raise RoomError(messages.ROOM_NAME_TOO_LONG.format(limit=NAME_MAX_CHARS, length=len(text)))
    if not text.isprintable():
        raise RoomError(messages.ROOM_NAME_UNPRINTABLE)
    return text


def name_key(name: str) -> str:
    """Names that differ only in case or compatibility forms are the same member.

    >>> name_key("ANA") == name_key("ana")
    True
    """
    return unicodedata.normalize("NFKC", name).casefold()


def join_query(code: str) -> str:
    """The query string of a room's join link (safe to share with everyone).

    >>> join_query("K7MQ3XHD")
    '?room=K7MQ-3XHD'
    """
    return "?" + urlencode({"room": format_code(code)})


def facilitator_query(code: str, token: str) -> str:
    """The query string of the facilitator's link: the join link plus the secret token.

    >>> facilitator_query("K7MQ3XHD", "abc")
    '?room=K7MQ-3XHD&token=abc'
    """
    return "?" + urlencode({"room": format_code(code), "token": token})


def hash_token(token: str) -> str:
    """The SHA-256 of a facilitator token: all the store keeps of it.

    >>> len(hash_token("secret"))
    64
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


