"""Accepted X12 transaction sets to canonical documents, through the declarative mappings in ``mappings/x12/``.

Each set is turned into a tree (``hub.edi.tree``), given an ``envelope`` object with what its group and
interchange say (``sender`` GS02, ``receiver`` GS03, ``version`` GS08, ``group_control_number`` GS06, the
set's ``control_number`` ST02, ``interchange_control_number`` ISA13 and ``usage`` ISA15, T for test), and run
through the mapping named in ``DOCUMENTS``. Sets without a mapping (940 ...) give no document. Bad data
raises ``hub.mapping.MappingInputError`` naming the canonical field.

A 997 or 999 maps to ``functional_ack.v1`` so that ``orderhub edi parse`` shows what a partner said of each set;
the register itself is updated from the segments by ``hub.edi.functional_acks``, whose reading of AK1, AK2, AK5
(IK5) and AK9 is the same as the mapping's.

An 856 may carry several orders: several order levels (HL O) under its shipment level, each holding its
packs and items, maybe on tares (HL T, pallets). The canonical shipment is about one order, so before mapping
``split_orders`` cuts the tree into one tree per order level: the heading as it is (BSN, DTM, the envelope),
the levels above the order (the shipment level, a tare the order sits on) with their ``children`` cut down to
the way to this order, the order level, and every level below it, in file order. Each tree then maps to one
shipment that shares the shipment-level facts (BSN, dates, carrier, TD1, REF, N1) and has its own PO number,
packages and items; the mapping itself reads one order.
"""

from __future__ import annotations

from typing import Any

from hub.canonical import CanonicalModel
from hub.edi.model import Group, Interchange, Transaction
from hub.edi.spec import SpecLibrary, get_spec
from hub.edi.tree import transaction_tree
from hub.mapping import MappingInputError, load_mapping

DOCUMENTS: dict[str, str] = {
    "810": "x12/810",  # invoice -> invoice.v1
    "846": "x12/846",  # inventory inquiry/advice -> inventory_advice.v1
    "850": "x12/850",  # purchase order -> order.v1
    "855": "x12/855",  # purchase order acknowledgment -> purchase_order_ack.v1
    "856": "x12/856",  # ship notice/manifest -> shipment.v1
    "945": "x12/945",  # warehouse shipping advice -> shipment.v1
    "997": "x12/997",  # functional acknowledgment -> functional_ack.v1
    "999": "x12/999",  # implementation acknowledgment (005010) -> functional_ack.v1
}


def document_input(
    transaction: Transaction, group: Group, interchange: Interchange, *, library: SpecLibrary | None = None
) -> dict[str, Any]:
    """The JSON data a set's mapping reads: its tree (shaped by the spec in ``library``, the packaged one by
    default) plus the ``envelope`` object."""
    set_id, version = transaction.set_id, group.version
    spec = get_spec(set_id, version) if library is None else library.get(set_id, version)
    data = transaction_tree(transaction, spec, interchange.delimiters.component)
    data["envelope"] = {
        "sender": group.sender,
        "receiver": group.receiver,
        "version": group.version,
        "group_control_number": group.control_number,
        "control_number": transaction.control_number,
        "interchange_control_number": interchange.control_number,
        "usage": interchange.usage,
    }
    return data


def split_orders(tree: dict[str, Any]) -> list[dict[str, Any]]:
    """One tree per order level (HL O) of an 856 tree, in file order; the tree itself when it has one order
    or none. A level under no order (a pack hung on the shipment level) cannot be given to one of several
    orders, so it is refused rather than dropped."""
    entries: list[dict[str, Any]] = tree.get("HL_loop") or []
    orders = [entry for entry in entries if entry.get("level") == "O"]
    if len(orders) <= 1:
        return [tree]
    by_id = {entry["id"]: entry for entry in entries if entry.get("id")}
    owned: set[int] = set()
    trees = []
    for order in orders:
        above = _ancestors(order, by_id)
        below = _descendants(order)
        if any(entry.get("level") == "O" for entry in below):
            raise _split_error(next(e for e in below if e.get("level") == "O"), "is an order level inside another")
        owned.update(id(entry) for entry in (*above, order, *below))
        path = [*above, order]
        cut = [{**entry, "children": [path[i + 1]]} for i, entry in enumerate(above)]
        chosen = sorted((*cut, order, *below), key=lambda entry: entry.get("index", 0))
        trees.append({**tree, "HL_loop": chosen})
    stray = [entry for entry in entries if id(entry) not in owned]
    if stray:
        raise _split_error(stray[0], f"is under none of the {len(orders)} order levels (HL O) of this ship notice")
    return trees


def _ancestors(entry: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The levels above ``entry``, from the root down."""
    chain: list[dict[str, Any]] = []
    seen = {id(entry)}
    parent = by_id.get(entry.get("parent", ""))
    while parent is not None and id(parent) not in seen:  # a looping HL02 chain stops where it loops
        seen.add(id(parent))
        chain.insert(0, parent)
        parent = by_id.get(parent.get("parent", ""))
    return chain


def _descendants(entry: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    waiting = list(entry.get("children", []))
    while waiting:
        child = waiting.pop()
        out.append(child)
        waiting.extend(child.get("children", []))
    return out


def _split_error(entry: dict[str, Any], problem: str) -> MappingInputError:
    where = f"HL {entry.get('id', '?')} (level {entry.get('level', '?')}, HL loop {entry.get('index', '?')})"
    return MappingInputError(
        f"{where} {problem}; every pack, tare and item must sit under one order level so that it can be given "
        "to that order's shipment: ask the partner to correct the HL hierarchy",
        field="packages",
    )


# Sets whose tree is cut into several documents before mapping.
SPLITS = {"856": split_orders}


def to_documents(
    transaction: Transaction, group: Group, interchange: Interchange, *, library: SpecLibrary | None = None
) -> list[CanonicalModel]:
    """The canonical documents of an accepted set: one for most sets, one per order for an 856 that carries
    several, none when the hub maps nothing from its set id. ``library`` is the spec library the set was
    validated with (the packaged one by default)."""
    name = DOCUMENTS.get(transaction.set_id)
    if name is None:
        return []
    mapping = load_mapping(name)
    data = document_input(transaction, group, interchange, library=library)
    split = SPLITS.get(transaction.set_id)
    return [mapping(tree) for tree in (split(data) if split is not None else [data])]
