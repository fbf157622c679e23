"""Mapping functions for the X12 810 and 855 mappings: reshaping the plain data operations cannot express.

An 855 PO1 loop answers one purchase order line with one ACK per status (3 units accepted, 2 backordered),
while the canonical acknowledgment has one line per status. ``x12_line_rows`` turns the per-PO1 pieces the
mapping builds into that flat list.
"""

from __future__ import annotations

from typing import Any

from hub.mapping.functions.registry import mapping_function


@mapping_function("x12_line_rows")
def x12_line_rows(entries: Any, *, line: str = "line", rows: str = "rows") -> list[dict[str, Any]] | None:
    """One object per row: each entry's ``line`` object merged with each of its ``rows`` (a row's keys win).

    ``[{"line": {"line_id": "2"}, "rows": [{"status": "changed"}, {"status": "backordered"}]}]`` ->
    ``[{"line_id": "2", "status": "changed"}, {"line_id": "2", "status": "backordered"}]``. An entry
    without rows gives nothing; None for no rows at all.
    """
    if entries is None:
        return None
    if not isinstance(entries, list):
        raise ValueError(f"expected a list of line entries, found {type(entries).__name__}")
    out: list[dict[str, Any]] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise ValueError(f"expected a line entry object, found {type(entry).__name__}")
        common = entry.get(line) or {}
        items = entry.get(rows) or []
        if not isinstance(common, dict) or not isinstance(items, list):
            raise ValueError(f"expected {line!r} to be an object and {rows!r} a list")
        for item in items:
            if not isinstance(item, dict):
                raise ValueError(f"expected a row object, found {type(item).__name__}")
            out.append({**common, **item})
    return out or None
