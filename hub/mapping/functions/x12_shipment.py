"""Mapping functions for the 856 ship notice: reading its HL levels and shaping pallets, packs and weights.

The 856 tree (``hub.edi.tree``) keeps the HL loop flat, each entry with its ``level`` (S shipment, O order,
T tare, P pack, I item), ``parent`` id and ``children``. ``hub.edi.documents.split_orders`` gives the mapping
one order at a time. These functions pick the segments of given levels (an order level overriding the
shipment level's ship-to), put the tares (pallets) and packs into the canonical shipment's flat package list
with each pack naming the pallet it is on, and read TD1 weights.
"""

from __future__ import annotations

from typing import Any

from hub.mapping.functions.registry import mapping_function
from hub.mapping.functions.x12 import _segments, _text

# Keys x12_packages reads from each package the mapping builds, and removes.
HL_ID, PARENT_ID, POSITION = "hl", "parent_hl", "position"


def _entries(hl_loop: Any) -> list[dict[str, Any]]:
    if hl_loop is None:
        return []
    if not isinstance(hl_loop, list):
        raise ValueError(f"expected the HL loop (a list), found {type(hl_loop).__name__}")
    return [entry for entry in hl_loop if isinstance(entry, dict)]


@mapping_function("x12_hl_segments")
def x12_hl_segments(hl_loop: Any, *, levels: list[str], segment: str) -> list[Any] | None:
    """The ``segment`` entries (a segment id such as REF, or a loop key such as N1_loop) of every HL entry whose
    level is in ``levels``, in file order: (HL_loop, [O], N1_loop) -> the order levels' N1 loops."""
    out: list[Any] = []
    for entry in _entries(hl_loop):
        if entry.get("level") in levels:
            found = entry.get(segment)
            out.extend(found if isinstance(found, list) else [found] if found is not None else [])
    return out or None


@mapping_function("x12_one_order")
def x12_one_order(hl_loop: Any) -> None:
    """Refuse a tree holding more than one order level (always None otherwise): the 856 mapping describes one
    order's shipment, and ``hub.edi.documents.split_orders`` cuts a ship notice into one tree per order."""
    orders = [entry.get("id", "?") for entry in _entries(hl_loop) if entry.get("level") == "O"]
    if len(orders) > 1:
        raise ValueError(
            f"the tree holds {len(orders)} order levels (HL {', '.join(orders)}); map each order's tree as "
            "hub.edi.documents.split_orders cuts it"
        )
    return None


@mapping_function("x12_weight")
def x12_weight(td1: Any, *, units: dict[str, str]) -> dict[str, str] | None:
    """The gross weight of the first TD1 that states one (TD106 G or empty, TD107 the weight, TD108 its unit
    by ``units``): TD1*CTN25*2****G*61.5*LB -> {"value": "61.5", "unit": "lb"}."""
    for segment in _segments(td1):
        value, qualifier = _text(segment.get("07")), _text(segment.get("06"))
        if value is None or qualifier not in (None, "G"):
            continue
        code = _text(segment.get("08"))
        unit = units.get(code or "")
        if unit is None:
            raise ValueError(f"TD108 {code!r} is not a weight unit the hub knows ({', '.join(units)})")
        return {"value": value, "unit": unit}
    return None


@mapping_function("x12_packages")
def x12_packages(*groups: Any) -> list[dict[str, Any]] | None:
    """One flat package list, in file order, from lists of packages the mapping built (the tares, the packs),
    each carrying ``hl`` (its HL01), ``parent_hl`` (HL02) and ``position`` (its place in the HL loop).

    A package whose parent HL is another package (a pack on a tare, an inner pack in a carton) gets
    ``parent_package_id``: that package's ``package_id``, which a parent without one (no MAN GM) takes from its
    HL number as "HL-<HL01>" so that it can be named. The three keys are removed.
    """
    packages: list[dict[str, Any]] = []
    for group in groups:
        if group is None:
            continue
        if not isinstance(group, list) or not all(isinstance(package, dict) for package in group):
            raise ValueError("expected lists of package objects")
        packages.extend(dict(package) for package in group)
    packages.sort(key=lambda package: int(package.get(POSITION) or 0))
    by_hl = {str(package[HL_ID]): package for package in packages if package.get(HL_ID) is not None}
    for package in packages:
        parent = by_hl.get(str(package.get(PARENT_ID)))
        if parent is None:
            continue
        if parent.get("package_id") is None:
            parent["package_id"] = f"HL-{parent[HL_ID]}"
        package["parent_package_id"] = parent["package_id"]
    for package in packages:
        for key in (HL_ID, PARENT_ID, POSITION):
            package.pop(key, None)
    return packages or None
