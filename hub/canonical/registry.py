"""The registry of canonical documents: versioned names ("order.v1") to their model classes.

A document's name is the default of its ``schema_version`` field, so the name lives in one place.
"""

from __future__ import annotations

from .acknowledgment import PurchaseOrderAck
from .base import CanonicalModel
from .errors import UnknownDocumentError
from .fulfillment import FulfillmentRequest
from .functional_ack import FunctionalAck
from .inventory import InventoryAdvice
from .invoice import Invoice
from .order import Order
from .returns import Refund, Return
from .shipment import Shipment


def document_name(cls: type[CanonicalModel]) -> str:
    """The versioned name of a top-level document class, read from its ``schema_version`` default."""
    field = cls.model_fields.get("schema_version")
    if field is None or not isinstance(field.default, str):
        raise TypeError(f"{cls.__name__} is not a canonical document: it has no schema_version default")
    return field.default


DOCUMENTS: dict[str, type[CanonicalModel]] = {
    document_name(cls): cls
    for cls in (
        Order,
        Shipment,
        Invoice,
        InventoryAdvice,
        PurchaseOrderAck,
        Return,
        Refund,
        FulfillmentRequest,
        FunctionalAck,
    )
}


def document_class(name: str) -> type[CanonicalModel]:
    """The model class registered as ``name``; UnknownDocumentError (a KeyError) lists the known names."""
    try:
        return DOCUMENTS[name]
    except KeyError:
        raise UnknownDocumentError(name, sorted(DOCUMENTS)) from None
