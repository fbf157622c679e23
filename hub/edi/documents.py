"""Accepted X12 transaction sets to canonical documents, through the declarative mappings in ``mappings/x12/``.

Each set is turned into a tree (``hub.edi.tree``), given an ``envelope`` object with what its group says
(``sender`` GS02, ``receiver`` GS03, ``version`` GS08, ``group_control_number`` GS06 and the set's
``control_number`` ST02), and run through the mapping named in ``DOCUMENTS``. Sets without a mapping (997,
940 ...) give None. Bad data raises ``hub.mapping.MappingInputError`` naming the canonical field.
"""

from __future__ import annotations

from typing import Any

from hub.canonical import CanonicalModel
from hub.edi.model import Delimiters, Group, Transaction
from hub.edi.spec import get_spec
from hub.edi.tree import transaction_tree
from hub.mapping import load_mapping

DOCUMENTS: dict[str, str] = {
    "810": "x12/810",  # invoice -> invoice.v1
    "846": "x12/846",  # inventory inquiry/advice -> inventory_advice.v1
    "850": "x12/850",  # purchase order -> order.v1
    "855": "x12/855",  # purchase order acknowledgment -> purchase_order_ack.v1
    "856": "x12/856",  # ship notice/manifest -> shipment.v1
    "945": "x12/945",  # warehouse shipping advice -> shipment.v1
}


def document_input(transaction: Transaction, group: Group, delimiters: Delimiters) -> dict[str, Any]:
    """The JSON data a set's mapping reads: its tree plus the ``envelope`` object."""
    spec = get_spec(transaction.set_id, group.version)
    data = transaction_tree(transaction, spec, delimiters.component)
    data["envelope"] = {
        "sender": group.sender,
        "receiver": group.receiver,
        "version": group.version,
        "group_control_number": group.control_number,
        "control_number": transaction.control_number,
    }
    return data


def to_document(transaction: Transaction, group: Group, delimiters: Delimiters) -> CanonicalModel | None:
    """The canonical document for an accepted set, or None when the hub maps no document from its set id."""
    name = DOCUMENTS.get(transaction.set_id)
    if name is None:
        return None
    return load_mapping(name)(document_input(transaction, group, delimiters))
