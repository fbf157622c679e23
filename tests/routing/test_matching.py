"""A rule's ``when`` patterns match a value as ``fnmatch`` reads each pattern, ignoring case, whichever of
several patterns it is and however often the same list is checked."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest

from hub.routing.ruleset import matches_any

PATTERNS = [
    ("hold",),
    ("hold-*", "fraud-review"),
    ("pickup", "pickup:*", "store_pickup"),
    ("?x", "[ab]c", "[!z]z"),
    ("STRASSE",),
    ("a.b", "a+b", "(x)"),
    (),
]
VALUES = [
    "hold",
    "HOLD",
    "hold-me",
    "holder",
    "x-hold",
    "fraud-review",
    "Pickup:store-9",
    "pickup ",
    "xx",
    "x",
    "ac",
    "bc",
    "cc",
    "az",
    "zz",
    "Straße",
    "a.b",
    "axb",
    "a+b",
    "(x)",
    "",
]


@pytest.mark.parametrize("patterns", PATTERNS)
def test_every_value_matches_as_fnmatch_reads_each_pattern_without_case(patterns: tuple[str, ...]) -> None:
    for value in VALUES:
        expected = any(fnmatchcase(value.casefold(), pattern.casefold()) for pattern in patterns)
        assert matches_any(value, patterns) is expected, (value, patterns)
        assert matches_any(value, list(patterns)) is expected  # any iterable, checked again from the cache


def test_no_value_matches_nothing() -> None:
    assert matches_any(None, ("*",)) is False
    assert matches_any("anything", ()) is False
