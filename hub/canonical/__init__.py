"""The canonical model v1: the documents every connector and mapping reads and writes.

Documents (registered by versioned name in ``DOCUMENTS``): Order (order.v1), Shipment (shipment.v1),
Invoice (invoice.v1), InventoryAdvice (inventory_advice.v1), PurchaseOrderAck (purchase_order_ack.v1),
Return (return.v1), Refund (refund.v1), FulfillmentRequest (fulfillment_request.v1) and FunctionalAck
(functional_ack.v1). Within a version only additive changes are allowed.
"""

from __future__ import annotations

from .acknowledgment import AckLine, AckLineStatus, AckType, PurchaseOrderAck
from .base import (
    CanonicalModel,
    CountryCode,
    CurrencyCode,
    DecimalString,
    Identifiers,
    NonEmptyStr,
    Quantity,
    Timestamp,
    UnitOfMeasure,
)
from .errors import CurrencyMismatchError, DocumentValidationError, UnknownDocumentError
from .fulfillment import FulfillmentRequest, FulfillmentRequestLine
from .functional_ack import (
    AcknowledgedGroup,
    AcknowledgedSet,
    ElementError,
    ElementPosition,
    FunctionalAck,
    FunctionalAckStatus,
    SegmentError,
)
from .inventory import InventoryAdvice, InventoryItem
from .invoice import Invoice, InvoiceLine, PaymentTerms
from .money import Money
from .order import Order, OrderLine, OrderStatus, PaymentStatus, ShippingLine, Totals
from .party import Address, Customer, Party, PartyRole
from .registry import DOCUMENTS, document_class, document_name
from .returns import Refund, RefundLine, Return, ReturnLine, ReturnStatus
from .schema import (
    export_schemas,
    generate_schema,
    load_schema,
    render_schema,
    schema_dir,
    validate_document,
)
from .shipment import Carrier, Package, Shipment, ShipmentItem, ShipmentStatus, Weight, WeightUnit

__all__ = [
    "DOCUMENTS",
    "AckLine",
    "AckLineStatus",
    "AckType",
    "AcknowledgedGroup",
    "AcknowledgedSet",
    "Address",
    "CanonicalModel",
    "Carrier",
    "CountryCode",
    "CurrencyCode",
    "CurrencyMismatchError",
    "Customer",
    "DecimalString",
    "DocumentValidationError",
    "ElementError",
    "ElementPosition",
    "FulfillmentRequest",
    "FulfillmentRequestLine",
    "FunctionalAck",
    "FunctionalAckStatus",
    "Identifiers",
    "InventoryAdvice",
    "InventoryItem",
    "Invoice",
    "InvoiceLine",
    "Money",
    "NonEmptyStr",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Package",
    "Party",
    "PartyRole",
    "PaymentStatus",
    "PaymentTerms",
    "PurchaseOrderAck",
    "Quantity",
    "Refund",
    "RefundLine",
    "Return",
    "ReturnLine",
    "ReturnStatus",
    "SegmentError",
    "Shipment",
    "ShipmentItem",
    "ShipmentStatus",
    "ShippingLine",
    "Timestamp",
    "Totals",
    "UnitOfMeasure",
    "UnknownDocumentError",
    "Weight",
    "WeightUnit",
    "document_class",
    "document_name",
    "export_schemas",
    "generate_schema",
    "load_schema",
    "render_schema",
    "schema_dir",
    "validate_document",
]
