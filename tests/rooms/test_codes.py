"""Room codes, display names, links and tokens."""

from __future__ import annotations

import pytest

from sim import rooms
from sim.errors import RoomError
from sim.rooms import ALPHABET
from sim.rooms.codes import clean_name, facilitator_query, hash_token, join_query, name_key


def test_codes_are_random_over_an_unambiguous_alphabet():
    assert not set(ALPHABET) & set("01OIL")
    codes = {rooms.new_code() for _ in range(2_000)}
    assert len(codes) == 2_000
    assert all(len(c) == 8 and set(c) <= set(ALPHABET) for c in codes)
    # Every symbol turns up in every position: nothing predictable to enumerate.
    assert all({c[i] for c in codes} == set(ALPHABET) for i in range(8))


def test_names_are_tidied_and_compared_without_case_or_compatibility_forms():
    assert clean_name("  Ada \t Lovelace ") == "Ada Lovelace"
    assert name_key("ANA") == name_key("ana") == name_key("Ａｎａ")
    with pytest.raises(RoomError, match="at most 40 characters"):
        clean_name("x" * 41)


def test_links_carry_the_code_and_only_the_facilitator_link_the_token():
    assert join_query("K7MQ3XHD") == "?room=K7MQ-3XHD"
    assert facilitator_query("K7MQ3XHD", "s3cr3t") == "?room=K7MQ-3XHD&token=s3cr3t"


def test_tokens_are_stored_as_their_sha256():
    import hashlib

    assert hash_token("secret") == hashlib.sha256(b"secret").hexdigest()
