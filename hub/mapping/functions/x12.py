"""Mapping functions for X12 trees (``hub.edi.tree``): what plain data operations cannot express.

Segments arrive as objects keyed "01", "02" ...; repeated segments and loops as lists of them. Each function
takes the pieces it needs and returns None when the input has nothing to say.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from hub.mapping.functions.core import decimal_text, to_decimal
from hub.mapping.functions.registry import mapping_function

# Product/service id qualifiers (X12 235) by canonical identifier name: the ones retail and distribution
# guides use for an item's own numbers. The standard lists several hundred; a pair whose qualifier is not
# here is still kept (see ``x12_identifiers``), so the table only decides which ids get a readable name.
ID_QUALIFIERS = {
    "UP": "upc",  # U.P.C. consumer package code (1-5-5-1)
    "UK": "gtin",  # GTIN-14 (EAN/UCC-14)
    "EN": "ean",  # EAN (2-5-5-1)
    "UA": "case_upc",  # U.P.C./EAN case code (2-5-5)
    "VN": "vendor_part",  # vendor's (seller's) item number
    "VP": "vendor_part",  # vendor's (seller's) part number
    "VA": "vendor_style",  # vendor's style number
    "VC": "vendor_catalog",  # vendor's (seller's) catalog number
    "BP": "buyer_part",  # buyer's part number
    "IN": "buyer_item",  # buyer's item number
    "PI": "purchaser_item",  # purchaser's item code
    "CB": "buyer_catalog",  # buyer's catalog number
    "IT": "buyer_style",  # buyer's style number
    "SK": "sku",  # stock keeping unit
    "MG": "manufacturer_part",  # manufacturer's part number
    "MN": "model_number",
    "IB": "isbn",
    "ND": "ndc",  # National Drug Code
    "N4": "ndc",  # National Drug Code in 5-4-2 format
    "SN": "serial_number",
    "LT": "lot_number",
    "CL": "color",
    "BO": "buyer_color",
}
OTHER_PREFIX = "x12_"  # identifiers named after their qualifier: x12_zz, x12_vp ...


def _segments(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    raise ValueError(f"expected X12 segments, found {type(value).__name__}")


def _digits(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also accepts "²" and other scripts' digits."""
    return text.isascii() and text.isdigit()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@mapping_function("x12_qualified")
def x12_qualified(segments: Any, qualifier: str, *, key: str = "01", element: str = "02") -> str | None:
    """``element`` of the first segment whose ``key`` element is ``qualifier``: (DTM list, "002") -> "20240201"."""
    for segment in segments if isinstance(segments, list) else _segments(segments):
        if isinstance(segment, dict) and segment.get(key) == qualifier:
            value = _text(segment.get(element))
            if value is not None:
                return value
    return None


@mapping_function("x12_first")
def x12_first(values: Any) -> Any:
    """The first item of a list (the result of an ``each``), None for an empty one."""
    if isinstance(values, list):
        return values[0] if values else None
    return values


# A line's PO1/IT1/LIN is read for its SKU, its name and its identifiers in turn: the last answer is kept,
# recognised by the very segment object (held here, so its identity cannot be reused).
_last_pairs: tuple[Any, int, list[tuple[str, str]]] | None = None


def _pairs(segment: Any, start: int) -> list[tuple[str, str]]:
    """The (qualifier, id) pairs from element ``start`` on; shared between calls: read it, never change it."""
    global _last_pairs
    if segment is None:
        return []
    last_pairs = _last_pairs
    if last_pairs is not None and last_pairs[0] is segment and last_pairs[1] == start:
        return last_pairs[2]
    pairs = _read_pairs(segment, start)
    _last_pairs = (segment, start, pairs)
    return pairs


def _read_pairs(segment: Any, start: int) -> list[tuple[str, str]]:
    if not isinstance(segment, dict):
        raise ValueError(f"expected an X12 segment, found {type(segment).__name__}")
    # Lines of one file have segments of one shape (the same element positions filled): where the (qualifier,
    # id) keys are is worked out once per shape, and each segment only reads its values at those keys.
    shape = (start, *segment)
    keys = _PAIR_KEYS.get(shape)
    if keys is None:
        keys = _pair_keys(segment, start)
        if keys is None:
            return _read_pairs_by_range(segment, start)  # other keys: read as any JSON object is
        if len(_PAIR_KEYS) >= _PAIR_KEYS_KEPT:
            _PAIR_KEYS.clear()
        _PAIR_KEYS[shape] = keys
    return _pairs_at_keys(segment, keys)


def _pair_keys(segment: dict[Any, Any], start: int) -> tuple[tuple[str, str], ...] | None:
    """The keys of each (qualifier, id) pair a segment with these keys can hold, in element order; None when a
    key is not an element position."""
    positions = set()
    for key in segment:
        position = _POSITIONS.get(key)
        if position is None:
            return None
        positions.add(position)
    found = sorted(p for p in positions if start <= p < _LAST_KEY and not (p - start) & 1 and p + 1 in positions)
    return tuple((_KEYS[p], _KEYS[p + 1]) for p in found)


_PAIR_KEYS: dict[tuple[Any, ...], tuple[tuple[str, str], ...]] = {}
_PAIR_KEYS_KEPT = 256


def _read_pairs_by_range(segment: dict[Any, Any], start: int) -> list[tuple[str, str]]:
    return _pairs_at(segment, range(start, _last_position(segment), 2))


def _pairs_at(segment: dict[Any, Any], qualifier_positions: Iterable[int]) -> list[tuple[str, str]]:
    """The (qualifier, id) pairs whose qualifier is at one of these positions and whose id follows it."""
    return _pairs_at_keys(segment, [(_KEYS[position], _KEYS[position + 1]) for position in qualifier_positions])


def _pairs_at_keys(segment: dict[Any, Any], keys: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (qualifier, id) pairs at these (qualifier key, id key), both given and not blank, as text."""
    out = []
    get = segment.get
    for qualifier_key, id_key in keys:
        qualifier, value = get(qualifier_key), get(id_key)
        if qualifier.__class__ is str and value.__class__ is str:  # as the tree gives them: nothing to convert
            qualifier, value = qualifier.strip(), value.strip()
            if qualifier and value:
                out.append((qualifier, value))
            continue
        qualifier, value = _text(qualifier), _text(value)
        if qualifier is not None and value is not None:
            out.append((qualifier, value))
    return out


def _last_position(segment: dict[Any, Any]) -> int:
    """The highest element position among the keys: a table look-up for the tree's own keys ("01" ...),
    any other key of digits read as a number."""
    try:
        return max(map(_POSITIONS.__getitem__, segment), default=0)
    except KeyError:
        return max((int(key) for key in segment if isinstance(key, str) and key.isascii() and key.isdigit()), default=0)


_KEYS = tuple(f"{n:02d}" for n in range(1000))  # element keys of the X12 tree: "01", "02" ...
_POSITIONS = {key: n for n, key in enumerate(_KEYS)}
_LAST_KEY = len(_KEYS) - 1  # a qualifier there has no id after it


@mapping_function("x12_identifiers")
def x12_identifiers(
    segment: Any, *, start: int = 6, names: dict[str, str] | None = None, others: bool = True
) -> dict[str, str] | None:
    """Qualifier/id pairs from element ``start`` on, by canonical name: PO1 06/07 UP 0123 -> {"upc": "0123"}.

    Every pair is kept, since a partner's own qualifier may be the only id a line has: by its name in
    ``names`` (``ID_QUALIFIERS`` by default); a qualifier the table does not know, or a second, different id
    under a name already taken (VN and VP are both ``vendor_part``), under ``x12_`` and the qualifier in
    lowercase (ZZ -> ``x12_zz``), numbered from 2 when that is taken too. The same id twice under one name is
    kept once. ``others: false`` keeps only the named ones, the first of each name.
    """
    table = names if names is not None else ID_QUALIFIERS
    out: dict[str, str] = {}
    for qualifier, value in _pairs(segment, start):
        name = table.get(qualifier)
        if name is not None and out.get(name, value) == value:
            out[name] = value
        elif others:
            other = _other_name(out, qualifier, value)
            if other is not None:
                out[other] = value
    return out or None


_UNSAFE = re.compile(r"[^a-z0-9]+")


def _other_name(taken: dict[str, str], qualifier: str, value: str) -> str | None:
    """The free ``x12_<qualifier>`` name for ``value``; None when the value is already there under it."""
    base = OTHER_PREFIX + (_UNSAFE.sub("_", qualifier.lower()).strip("_") or "other")
    name, number = base, 1
    while name in taken:
        if taken[name] == value:
            return None
        number += 1
        name = f"{base}_{number}"
    return name


@mapping_function("x12_product_id")
def x12_product_id(segment: Any, *, qualifiers: list[str] | None = None, start: int = 6) -> str | None:
    """The id of the first of ``qualifiers`` present among the pairs (the first pair's id when none is given)."""
    pairs = _pairs(segment, start)
    if not qualifiers:
        return pairs[0][1] if pairs else None
    for wanted in qualifiers:
        for qualifier, value in pairs:
            if qualifier == wanted:
                return value
    return None


@mapping_function("x12_implied_decimal")
def x12_implied_decimal(value: Any, *, places: int = 2) -> str | None:
    """An N2-style amount with implied decimals: ("24438") -> "244.38", ("-500") -> "-5.00"."""
    text = _text(value)
    if text is None:
        return None
    if "." in text:
        raise ValueError(f"expected a number with implied decimals (no point), found {value!r}")
    number = to_decimal(text)
    assert number is not None
    if number != number.to_integral_value():
        raise ValueError(f"expected a whole number, found {value!r}")
    return decimal_text(number.scaleb(-places).quantize(Decimal(1).scaleb(-places)))


@mapping_function("x12_datetime")
def x12_datetime(day: Any, time: Any = None) -> str | None:
    """CCYYMMDD (or YYMMDD) and HHMM[SS..] to ISO 8601 without zone: ("20240108", "1415") -> "2024-01-08T14:15:00"."""
    d = _text(day)
    if d is None:
        return None
    if len(d) == 6 and _digits(d):
        d = "20" + d
    if len(d) != 8 or not _digits(d):
        raise ValueError(f"expected a date CCYYMMDD, found {day!r}")
    t = _text(time) or "0000"
    if not _digits(t) or len(t) < 4:
        raise ValueError(f"expected a time HHMM[SS], found {time!r}")
    seconds = t[4:6] if len(t) >= 6 else "00"
    return f"{d[:4]}-{d[4:6]}-{d[6:8]}T{t[:2]}:{t[2:4]}:{seconds}"


@mapping_function("x12_sscc")
def x12_sscc(value: Any) -> str | None:
    """An SSCC from MAN02: 18 digits, or 20 with the GS1 application identifier "00" in front; else None."""
    text = _text(value)
    if text is None or not _digits(text):
        return None
    if len(text) == 20 and text.startswith("00"):
        return text[2:]
    return text if len(text) == 18 else None


def _address(entry: dict[str, Any], default_country: str) -> dict[str, Any]:
    n1 = entry.get("N1") or {}
    n3 = _segments(entry.get("N3"))
    n4 = (_segments(entry.get("N4")) or [{}])[0]
    street = [v for seg in n3 for v in (_text(seg.get("01")), _text(seg.get("02"))) if v is not None]
    address = {
        "name": _text(n1.get("02")),
        "line1": street[0] if street else None,
        "line2": " ".join(street[1:]) or None,
        "city": _text(n4.get("01")),
        "region": _text(n4.get("02")),
        "postal_code": _text(n4.get("03")),
        "country": _text(n4.get("04")) or default_country,
    }
    return {k: v for k, v in address.items() if v is not None}


@mapping_function("x12_address")
def x12_address(n1_loop: Any, code: str, *, default_country: str = "US") -> dict[str, Any] | None:
    """The address of the first N1 loop whose N101 is ``code`` (ST, BT ...): N102 name, N3 lines, N4."""
    for entry in _segments(n1_loop):
        if (entry.get("N1") or {}).get("01") == code:
            return _address(entry, default_country)
    return None


@mapping_function("x12_parties")
def x12_parties(n1_loop: Any, *, roles: dict[str, str], default_country: str = "US") -> list[dict[str, Any]] | None:
    """Every N1 loop whose N101 is in ``roles`` as a party: role, name, id_qualifier N103, id N104, address.

    N1 loops with other entity codes are left out; the address is given when the loop has an N3 or N4.
    """
    parties = []
    for entry in _segments(n1_loop):
        n1 = entry.get("N1") or {}
        role = roles.get(n1.get("01", ""))
        if role is None:
            continue
        party: dict[str, Any] = {"role": role, "name": _text(n1.get("02"))}
        identifier = _text(n1.get("04"))
        if identifier is not None:
            party["id"] = identifier
            party["id_qualifier"] = _text(n1.get("03"))
        if entry.get("N3") or entry.get("N4"):
            party["address"] = _address(entry, default_country)
        parties.append({k: v for k, v in party.items() if v is not None})
    return parties or None
