"""Room codes, display names and links: what people type, read aloud and share.

Codes come from ``secrets`` over an alphabet with no look-alike characters (no 0/O, 1/I/L,
U/V), 8 characters shown as two groups of four, so they are easy to read aloud and cost
30**8 (about 6.6e11) guesses to enumerate.

>>> code = normalise_code(" k7mq-3xhd ")
>>> len(new_code()), code, format_code(code)
(8, 'K7MQ3XHD', 'K7MQ-3XHD')
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import unicodedata
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

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


def clean_class_name(name: Any) -> str:
    """A class name: cleaned like a display name (1 to 40 printable characters, white space
    collapsed), with a message about classes.

    >>> clean_class_name(" Stats  101 ")
    'Stats 101'
    >>> clean_class_name("")
    Traceback (most recent call last):
    ...
    sim.errors.RoomError: a class name is 1 to 40 printable characters (got '')
    """
    try:
        return clean_name(name)
    except RoomError:
        shown = name[:NAME_MAX_CHARS + 10] if isinstance(name, str) else type(name).__name__
        raise RoomError(messages.CLASS_NAME_BAD.format(limit=NAME_MAX_CHARS, shown=shown)) \
            from None


def name_key(name: str) -> str:
    """Names that differ only in case or compatibility forms are the same member: the name
    after Unicode NFKC normalisation and case folding (full-width "Ａｎａ" is "ana").

    >>> name_key("ANA") == name_key(" ana ".strip()) == name_key("Ａｎａ")
    True
    """
    return unicodedata.normalize("NFKC", name).casefold()


def name_skeleton(name: str) -> str:
    """What a name looks like: each character of its NFKC form replaced by the prototype it can
    be mistaken for (Unicode's confusables, from the maintained confusable-homoglyphs tables,
    as in the skeleton of UTS #39), then case-folded. Two names with one skeleton look alike on
    a board: Latin "Ana" and Cyrillic-initial "Аna", or "Al", "AI" and "A1".

    >>> name_skeleton("Ana") == name_skeleton("\u0410na"), name_skeleton("Al") == name_skeleton("A1") == name_skeleton("AI")
    (True, True)
    >>> name_skeleton("Ana") == name_skeleton("Ann"), name_skeleton("member 000") == name_skeleton("member 066")
    (False, False)
    """
    prototypes = _prototypes()
    text = unicodedata.normalize("NFKC", name)
    return "".join(prototypes.get(char, char) for char in text).casefold()


def check_script(name: str) -> None:
    """Refuse a name that mixes writing systems (Latin with a Cyrillic letter, say): such a
    name can pass for another member's.

    >>> check_script("José Ana-Maria 2")
    >>> check_script("\u0410na")
    Traceback (most recent call last):
    ...
    sim.errors.RoomError: a display name must use one writing system (this one mixes CYRILLIC and LATIN)
    """
    from confusable_homoglyphs import categories, confusables

    if confusables.is_mixed_script(name):
        scripts = sorted(categories.unique_aliases(name) - {"COMMON"})
        raise RoomError(messages.ROOM_NAME_MIXED_SCRIPT.format(scripts=" and ".join(scripts)))


@functools.cache
def _prototypes() -> dict[str, str]:
    """Each single character the Unicode confusables table maps to another, and that other
    character (its prototype). The table lists a source with just its prototype, and a
    prototype with every source that maps to it; a pair listing only each other maps both to
    the smaller. Built once per process from the package's immutable data."""
    from confusable_homoglyphs import confusables

    data = confusables.confusables_data

    def listed(char: str) -> list[str]:
        return [entry["c"].strip("\u200e") for entry in data.get(char, ())]

    prototypes = {}
    for char in data:
        targets = listed(char)
        if len(char) == 1 and len(targets) == 1 and len(targets[0]) == 1 \
                and char in listed(targets[0]):
            target = targets[0]
            if len(listed(target)) > 1 or target < char:
                prototypes[char] = target
    return prototypes


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


def member_query(code: str, token: str) -> str:
    """The query string of a member's personal rejoin link: the room and the member's secret.

    >>> member_query("K7MQ3XHD", "xyz")
    '?room=K7MQ-3XHD&member=xyz'
    """
    return "?" + urlencode({"room": format_code(code), "member": token})


def token_from(text: str) -> str:
    """The facilitator token in ``text``: a whole facilitator link (its ``token=``) or the
    token itself, white space trimmed. Pasting the link is what people do.

    >>> token_from(" https://app.example/study_group?room=K7MQ-3XHD&token=abc "), token_from("abc")
    ('abc', 'abc')
    """
    text = text.strip()
    if "token=" in text:
        found = parse_qs(urlsplit(text).query).get("token")
        if found:
            return found[0]
    return text


def new_token() -> str:
    """A fresh secret for a facilitator, a member or a teacher (32 random bytes, URL-safe).

    It never starts with a dash: pasted after ``--token`` on a command line, a leading dash
    reads as another option.

    >>> all(not new_token().startswith("-") for _ in range(2_000))
    True
    """
    while (token := secrets.token_urlsafe(32)).startswith("-"):
        continue
    return token


def hash_token(token: str) -> str:
    """The SHA-256 of a facilitator token: all the store keeps of it.

    >>> len(hash_token("secret"))
    64
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str | None, stored_hash: str) -> bool:
    """Whether ``token`` is the secret whose SHA-256 the store keeps (compared in constant
    time); no token, or an empty one, matches nothing.

    >>> token_matches("secret", hash_token("secret")), token_matches(None, hash_token("secret"))
    (True, False)
    """
    if not isinstance(token, str) or not token:
        return False
    return hmac.compare_digest(hash_token(token), stored_hash)
