"""Identifiers the hub gives to what it stores: a short type prefix and a time-ordered, random part.

``ord_01JD3ZQ8X9K2M4N6P8R0T2V4W6`` sorts by creation time (48-bit milliseconds), then 80 random bits, in
Crockford base32, so ids are unique across processes without asking the database and index well.
"""

from __future__ import annotations

import secrets
import time

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, digit = divmod(value, 32)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    millis = time.time_ns() // 1_000_000
    return f"{prefix}_{_base32(millis, 10)}{_base32(secrets.randbits(80), 16)}"
