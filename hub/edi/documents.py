"""Accepted X12 transaction sets to canonical documents, through the declarative mappings in ``mappings/x12/``.

Each set is turned into a tree (``hub.edi.tree``), given an ``envelope`` object with what its group and
interchange say (``sender`` GS02, ``receiver`` GS03, ``version`` GS08, ``group_control_number`` GS06, the
set's ``control_number`` ST02, ``interchange_control_number`` ISA13 and ``usage`` ISA15, T for test), and run
through the mapping named in ``DOCUMENTS``. Sets without a mapping (997, 940 ...) give no document. Bad data
raises ``hub.mapping.MappingInputError`` naming the canonical field.
"""

from __future__ import annotations

from typing import Any

from hub.canonical import CanonicalModel
from hub.edi.model import Group, Interchange, Transaction
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


def document_input(transaction: Transaction, group: Group, interchange: Interchange) -> dict[str, Any]:
    """The JSON data a set's mapping reads: its tree plus the ``envelope`` object."""
    spec = get_spec(transaction.set_id, group.version)
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


def to_documents(transaction: Transaction, group: Group, interchange: Interchange) -> list[CanonicalModel]:
    """The canonical documents of an accepted set: one for most sets, none when the hub maps nothing from its
    set id."""
    name = DOCUMENTS.get(transaction.set_id)
    if name is None:
        return []
    return [load_mapping(name)(document_input(transaction, group, interchange))]
