"""Mapping functions for the X12 810 and 855 mappings: reshaping the plain data operations cannot express.

An 855 PO1 loop answers one purchase order line with one ACK per status (3 units accepted, 2 backordered),
while the canonical acknowledgment has one line per status. ``x12_line_rows`` turns the per-PO1 pieces the
mapping builds into that flat list; ``x12_ack_lines`` first settles what an ACK leaves to its PO1: its ids,
its quantity, or the whole answer when the PO1 has no ACK.
"""

from __future__ import annotations

from typing import Any

from hub.mapping.functions.registry import mapping_function

ORDERED_PREFIX = "ordered_"  # a PO1 id that an ACK's id of the same name replaces (a substituted item)


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


@mapping_function("x12_ack_lines")
def x12_ack_lines(entries: Any) -> list[dict[str, Any]] | None:
    """The acknowledgment's lines from per-PO1 entries ``{"line": ..., "acks": [...], "unstated": ...}``.

    ``line`` holds what the PO1 says (ids, price, and ``ordered_quantity``, PO102, which is only read here),
    ``acks`` one row per ACK, and ``unstated`` the row that stands for a PO1 without any ACK (the supplier
    said nothing about the line, so the acknowledgment's verdict as a whole applies to every unit of it).
    Each row then gets:

    * the PO1's ids after its own (an ACK's ids from ACK07 on come first); a PO1 id that differs from the
      ACK's under the same name, as when the supplier substitutes an item, is kept as ``ordered_<name>``;
      the ACK's sku wins over the PO1's;
    * when it has no quantity (ACK02 left out), what the PO1 quantity leaves after the loop's other rows,
      provided every other row states one and the rest is not negative (else the line stays without one
      and the document says so).

    The rows are then flattened by ``x12_line_rows``.
    """
    if entries is None:
        return None
    if not isinstance(entries, list):
        raise ValueError(f"expected a list of line entries, found {type(entries).__name__}")
    settled = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise ValueError(f"expected a line entry object, found {type(entry).__name__}")
        line = entry.get("line") or {}
        rows = entry.get("acks") or ([entry["unstated"]] if entry.get("unstated") else [])
        if not isinstance(line, dict) or not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError("expected 'line' to be an object and 'acks' a list of objects")
        line = dict(line)
        ordered = line.pop("ordered_quantity", None)  # what the ACKs share out, not a field of the line
        settled.append({"line": line, "rows": _settle_rows(line, rows, ordered)})
    return x12_line_rows(settled)


def _settle_rows(line: dict[str, Any], rows: list[dict[str, Any]], ordered: Any) -> list[dict[str, Any]]:
    out = []
    for index, row in enumerate(rows):
        row = dict(row)
        identifiers = _merged_ids(row.get("identifiers"), line.get("identifiers"))
        if identifiers:
            row["identifiers"] = identifiers
        if row.get("sku") is None:
            row.pop("sku", None)  # the PO1's sku stands
        if row.get("quantity") is None:
            rest = _rest_of(ordered, rows[:index] + rows[index + 1 :])
            if rest is not None:
                row["quantity"] = rest
        out.append(row)
    return out


def _merged_ids(own: Any, ordered: Any) -> dict[str, str] | None:
    if not isinstance(own, dict) or not own:
        return ordered if isinstance(ordered, dict) else None
    merged = dict(own)
    for name, value in (ordered or {}).items():
        if merged.setdefault(name, value) != value:
            merged.setdefault(ORDERED_PREFIX + name, value)
    return merged


def _rest_of(ordered: Any, others: list[dict[str, Any]]) -> int | None:
    if not isinstance(ordered, int):
        return None
    stated = [row.get("quantity") for row in others]
    if not all(isinstance(quantity, int) for quantity in stated):
        return None
    rest = ordered - sum(stated)
    return rest if rest >= 0 else None
