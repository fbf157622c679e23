"""Mapping functions for the warehouse sets (945 ship advice, 846 inventory advice) that ``x12.py`` lacks.

Same conventions as ``hub.mapping.functions.x12``: segments are objects keyed "01", "02" ..., repeated
segments lists of them; None means "nothing to say", ValueError means input that cannot be read.
"""

from __future__ import annotations

from typing import Any

from hub.mapping.functions.registry import mapping_function
from hub.mapping.functions.x12 import _segments, _text


@mapping_function("x12_references")
def x12_references(segments: Any, *, qualifiers: list[str], key: str = "01", element: str = "02") -> list[str] | None:
    """``element`` of every segment whose ``key`` element is one of ``qualifiers``, in file order, each once.

    (N9 list, [2I, CN]) -> ["1Z...", "PRO77"]: several references of kinds that mean the same to the hub.
    """
    out: list[str] = []
    for segment in _segments(segments):
        if segment.get(key) in qualifiers:
            value = _text(segment.get(element))
            if value is not None and value not in out:
                out.append(value)
    return out or None


@mapping_function("x12_pairs_at")
def x12_pairs_at(segment: Any, *, positions: list[int]) -> dict[str, Any] | None:
    """The qualifier/id pairs that start at ``positions``, renumbered "01"/"02", "03"/"04" ...

    For segments whose id pairs are not one contiguous run (W12: 07/08 and 17/18, with lot and weights
    between): the result is read by ``x12_identifiers`` / ``x12_product_id`` with ``start: 1``. A pair with
    either half empty is left out.
    """
    if segment is None:
        return None
    if not isinstance(segment, dict):
        raise ValueError(f"expected an X12 segment, found {type(segment).__name__}")
    out: dict[str, Any] = {}
    for position in positions:
        qualifier = _text(segment.get(f"{position:02d}"))
        value = _text(segment.get(f"{position + 1:02d}"))
        if qualifier is not None and value is not None:
            number = len(out) + 1
            out[f"{number:02d}"], out[f"{number + 1:02d}"] = qualifier, value
    return out or None


@mapping_function("x12_concat")
def x12_concat(lists: Any) -> list[Any] | None:
    """One list from a list of lists, in order: an ``each`` inside an ``each`` (the W12 lines of LX loops).

    None entries (an inner ``each`` that found nothing) are skipped; an empty result is None.
    """
    if lists is None:
        return None
    if not isinstance(lists, list):
        raise ValueError(f"expected a list of lists, found {type(lists).__name__}")
    out: list[Any] = []
    for part in lists:
        if part is None:
            continue
        if not isinstance(part, list):
            raise ValueError(f"expected a list of lists, found an item of type {type(part).__name__}")
        out.extend(part)
    return out or None
