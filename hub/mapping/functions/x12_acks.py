"""Mapping functions for the X12 functional acknowledgments (997, 999) that plain data operations cannot
express.

Same conventions as ``hub.mapping.functions.x12``: a segment is an object keyed "01", "02" ...; None means
"nothing to say", ValueError means input that cannot be read.
"""

from __future__ import annotations

from typing import Any

from hub.mapping.functions.registry import mapping_function
from hub.mapping.functions.x12 import _text


@mapping_function("x12_codes")
def x12_codes(segment: Any, *, first: int, last: int) -> list[str] | None:
    """The non-empty elements ``first`` to ``last`` of a segment, in order: the note codes of an AK5
    (02-06) or an AK9 (05-09). ``{"01": "R", "02": "5", "04": "23"}``, 2..6 -> ``["5", "23"]``."""
    if segment is None:
        return None
    if not isinstance(segment, dict):
        raise ValueError(f"expected an X12 segment, found {type(segment).__name__}")
    codes = [_text(segment.get(f"{position:02d}")) for position in range(first, last + 1)]
    return [code for code in codes if code is not None] or None
