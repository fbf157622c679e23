"""All tables; importing this package registers them on ``Base.metadata`` (what Alembic compares)."""

from hub.db.models.accounting import (
    AccountingExport,
    AccountingPeriod,
    AccountingRun,
    JournalEntryRecord,
    JournalLineRecord,
)
from hub.db.models.api import ApiAuditEntry, ApiToken
from hub.db.models.availability import AvailabilityEvent, AvailabilityRun, PublishedAvailability
from hub.db.models.base import Base
from hub.db.models.channels import ChannelAccount, ComplianceRequest
from hub.db.models.connectors import ConnectorAccount, DeliveryDestination, ShipmentRecord
from hub.db.models.console import ConsoleUser, LoginFailure
from hub.db.models.edi import ControlNumber, DocumentReceipt, EdiInterchange, EdiTransaction, InterchangeReceipt
from hub.db.models.events import EventCursor
from hub.db.models.inbox import InboxMessage, InboxStatus
from hub.db.models.inventory import (
    Allocation,
    IncomingStock,
    InventoryCount,
    InventoryLedgerEntry,
    InventoryLevel,
    Location,
    Reservation,
)
from hub.db.models.lifecycle import (
    FulfillmentOrderLineRecord,
    FulfillmentOrderRecord,
    LineQuantityRecord,
    OrderLifecycleRecord,
    ReturnLineRecord,
    ReturnRecord,
)
from hub.db.models.orders import OrderEvent, OrderLineRecord, OrderRecord
from hub.db.models.outbox import Delivery, DeliveryAttempt, DeliveryStatus
from hub.db.models.partners import Partner
from hub.db.models.payouts import PayoutRecord
from hub.db.models.routing import OrderRouting, OrderRoutingSku
from hub.db.models.routing_rules import RoutingRuleVersion
from hub.db.models.suppliers import SupplierInvoice, SupplierPurchaseOrder
from hub.db.models.system import WorkerHeartbeat

__all__ = [
    "AccountingExport",
    "AccountingPeriod",
    "AccountingRun",
    "ApiAuditEntry",
    "ApiToken",
    "Allocation",
    "AvailabilityEvent",
    "AvailabilityRun",
    "Base",
    "ChannelAccount",
    "ComplianceRequest",
    "ConnectorAccount",
    "ConsoleUser",
    "ControlNumber",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryDestination",
    "DeliveryStatus",
    "DocumentReceipt",
    "EdiInterchange",
    "EdiTransaction",
    "EventCursor",
    "FulfillmentOrderLineRecord",
    "FulfillmentOrderRecord",
    "InboxMessage",
    "InboxStatus",
    "IncomingStock",
    "InterchangeReceipt",
    "InventoryCount",
    "InventoryLedgerEntry",
    "InventoryLevel",
    "JournalEntryRecord",
    "JournalLineRecord",
    "LineQuantityRecord",
    "LoginFailure",
    "Location",
    "OrderEvent",
    "OrderLifecycleRecord",
    "OrderLineRecord",
    "OrderRecord",
    "OrderRouting",
    "OrderRoutingSku",
    "RoutingRuleVersion",
    "Partner",
    "PayoutRecord",
    "PublishedAvailability",
    "Reservation",
    "ReturnLineRecord",
    "ReturnRecord",
    "ShipmentRecord",
    "SupplierInvoice",
    "SupplierPurchaseOrder",
    "WorkerHeartbeat",
]
