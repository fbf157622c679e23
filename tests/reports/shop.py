"""A small shop with figures worked out by hand: two channels, two warehouses and a drop-ship supplier.

Rows are written with the ORM so every timestamp is the one the figures below were computed from; the
whole-hub paths that write them in production are tested where they live. ``NOW`` is the reports' now.

    order  channel  placed       lines (sku x qty @ price)  ship-by  fulfillment orders
    O1     shopify  11-10 10:00  A x2 @10, B x1 @5,         11-11    f1 east: A 2/2, B 1/1 shipped, 11-11 10:00
                                 E x1 @9 cancelled
    O2     shopify  11-12 00:00  A x3 @10                   11-12    f2 east: A 1/3 closed, shipped 11-13 12:00
                                                                     f3 west: A 2/2 shipped 11-14 00:00
    O3     amazon   11-15 08:00  C x4 @2.50, A x1 @12       11-16    f4 acme-ds: all shipped 11-18 08:00 (PO DS1)
    O4     amazon   11-18 12:00  B x5 @5 (3 backordered)    11-19    f5 east: B 0/2 accepted
    O5     amazon   11-05 12:00  D x2 @7 (2 backordered)    -        f6 acme-ds rejected (PO DS2)
    O6     shopify  11-19 12:00  A x1 @10, cancelled        11-19    -
    O7     shopify  11-19 12:00  A x100, a test order       -        -

Returns: O1 A 1 "damaged"; O2 A 2 less 1 cancelled, no reason; O2 A 1 rejected (not counted).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from hub.db.models import (
    FulfillmentOrderLineRecord,
    FulfillmentOrderRecord,
    LineQuantityRecord,
    Location,
    OrderLifecycleRecord,
    OrderLineRecord,
    OrderRecord,
    Partner,
    ReturnLineRecord,
    ReturnRecord,
    ShipmentRecord,
    SupplierPurchaseOrder,
)
from hub.db.session import Database

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def at(day: int, hour: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def order(session: Session, order_id: str, channel: str, placed: datetime, lines: list[tuple[str, int, str]],
          ship_by: str | None = None, status: str = "open", test: bool = False) -> None:  # fmt: skip
    """Lines are (sku, quantity, unit price); line ids are L1, L2 ..."""
    total = sum(Decimal(price) * qty for _, qty, price in lines)
    document: dict[str, Any] = {"requested_ship_date": ship_by} if ship_by else {}
    session.add(OrderRecord(
        id=order_id, channel=channel, account="main", channel_order_id=order_id, number=order_id, po_number=None,
        status=status, payment_status="paid", currency="USD", total=total, test=test, placed_at=placed,
        channel_updated_at=placed, schema_version="order.v1", document=document,
        ship_by=date.fromisoformat(ship_by) if ship_by else None,
    ))  # fmt: skip
    session.flush()  # the lifecycle row refers to the order, with no relationship to order the inserts
    for n, (sku, qty, price) in enumerate(lines, 1):
        session.add(
            OrderLineRecord(
                order_id=order_id,
                position=n,
                line_id=f"L{n}",
                sku=sku,
                name=sku,
                quantity=qty,
                unit_price=Decimal(price),
                total=Decimal(price) * qty,
                requires_shipping=True,
            )
        )
    session.add(OrderLifecycleRecord(order_id=order_id, state=status))
    session.flush()


def ledger(session: Session, order_id: str, line_id: str, sku: str, ordered: int, shipped: int = 0,
           **buckets: int) -> None:  # fmt: skip
    """A line's quantities: allocated, released and delivered follow shipped unless given."""
    values = {"allocated": shipped, "released": shipped, "delivered": shipped, **buckets}
    session.add(LineQuantityRecord(order_id=order_id, position=int(line_id[1:]), line_id=line_id, sku=sku,
                                   state="open", ordered=ordered, shipped=shipped, **values))  # fmt: skip


def fulfillment(session: Session, fo_id: str, order_id: str, position: int, location: str, state: str,
                lines: dict[str, tuple[str, int, int]]) -> None:  # fmt: skip
    """Lines are line id -> (sku, quantity, shipped); units neither shipped nor open count as cancelled when
    the state is final."""
    session.add(FulfillmentOrderRecord(id=fo_id, order_id=order_id, position=position, location_id=location,
                                       state=state))  # fmt: skip
    session.flush()
    final = state in ("closed", "rejected", "cancelled")
    for n, (line_id, (sku, qty, shipped)) in enumerate(lines.items()):
        session.add(
            FulfillmentOrderLineRecord(
                fulfillment_order_id=fo_id,
                position=n,
                line_id=line_id,
                sku=sku,
                quantity=qty,
                shipped=shipped,
                cancelled=qty - shipped if final else 0,
            )
        )
    session.flush()


def shipment(session: Session, shipment_id: str, order_id: str, fo_id: str | None, shipped_at: datetime | None) -> None:
    session.add(ShipmentRecord(id=shipment_id, order_id=order_id, fulfillment_order_id=fo_id, source="test",
                               key=shipment_id, shipped_at=shipped_at))  # fmt: skip


def rma(session: Session, rma_id: str, order_id: str, position: int, reason: str | None, state: str,
        lines: list[tuple[str, str, int, int]]) -> None:  # fmt: skip
    """Lines are (line id, sku, requested, cancelled)."""
    session.add(ReturnRecord(id=rma_id, order_id=order_id, position=position, state=state, reason=reason))
    session.flush()
    for n, (line_id, sku, requested, cancelled) in enumerate(lines):
        session.add(ReturnLineRecord(return_id=rma_id, position=n, line_id=line_id, sku=sku, requested=requested,
                                     cancelled=cancelled))  # fmt: skip


def purchase_order(session: Session, po_number: str, fo_id: str, order_id: str, status: str, sent: datetime,
                   acknowledged: datetime | None) -> None:  # fmt: skip
    session.add(SupplierPurchaseOrder(
        po_number=po_number, fulfillment_order_id=fo_id, order_id=order_id, partner_id="acme", location_id="acme-ds",
        status=status, currency="USD", lines=[], interchange_control_number="000000001", set_control_number="0001",
        ack_by="855", ack_due_at=None, acknowledged_at=acknowledged, created_at=sent,
    ))  # fmt: skip


def places(session: Session) -> None:
    session.add(Partner(id="acme", name="Acme Supply", kind="supplier"))
    for location, kind in (("east", "warehouse"), ("west", "warehouse"), ("acme-ds", "supplier")):
        session.add(Location(id=location, name=location, kind=kind, can_ship=True))
    session.flush()


def load_shop(database: Database) -> None:
    with database.session() as s:
        places(s)
        order(s, "O1", "shopify", at(10, 10), [("SKU-A", 2, "10"), ("SKU-B", 1, "5"), ("SKU-E", 1, "9")],
              ship_by="2026-11-11")  # fmt: skip
        ledger(s, "O1", "L1", "SKU-A", 2, shipped=2, return_requested=1)
        ledger(s, "O1", "L2", "SKU-B", 1, shipped=1)
        ledger(s, "O1", "L3", "SKU-E", 1, cancelled=1)  # the buyer took it off before it was routed
        fulfillment(s, "f1", "O1", 0, "east", "shipped", {"L1": ("SKU-A", 2, 2), "L2": ("SKU-B", 1, 1)})
        shipment(s, "s1", "O1", "f1", at(11, 10))
        rma(s, "r1", "O1", 0, "damaged", "authorized", [("L1", "SKU-A", 1, 0)])

        order(s, "O2", "shopify", at(12), [("SKU-A", 3, "10")], ship_by="2026-11-12")
        ledger(s, "O2", "L1", "SKU-A", 3, shipped=3, return_requested=3)
        fulfillment(s, "f2", "O2", 0, "east", "closed", {"L1": ("SKU-A", 3, 1)})
        fulfillment(s, "f3", "O2", 1, "west", "shipped", {"L1": ("SKU-A", 2, 2)})
        shipment(s, "s2", "O2", "f2", at(13, 12))
        shipment(s, "s3", "O2", "f3", at(14))
        rma(s, "r2", "O2", 0, "  ", "received", [("L1", "SKU-A", 2, 1)])
        rma(s, "r3", "O2", 1, "changed mind", "rejected", [("L1", "SKU-A", 1, 0)])

        order(s, "O3", "amazon", at(15, 8), [("SKU-C", 4, "2.50"), ("SKU-A", 1, "12")], ship_by="2026-11-16")
        ledger(s, "O3", "L1", "SKU-C", 4, shipped=4)
        ledger(s, "O3", "L2", "SKU-A", 1, shipped=1)
        fulfillment(s, "f4", "O3", 0, "acme-ds", "shipped", {"L1": ("SKU-C", 4, 4), "L2": ("SKU-A", 1, 1)})
        shipment(s, "s4", "O3", "f4", at(18, 8))
        purchase_order(s, "DS1", "f4", "O3", "shipped", at(15, 9), at(15, 13))

        order(s, "O4", "amazon", at(18, 12), [("SKU-B", 5, "5")], ship_by="2026-11-19")
        ledger(s, "O4", "L1", "SKU-B", 5, allocated=2, backordered=3)
        fulfillment(s, "f5", "O4", 0, "east", "accepted", {"L1": ("SKU-B", 2, 0)})

        order(s, "O5", "amazon", at(5, 12), [("SKU-D", 2, "7")])
        ledger(s, "O5", "L1", "SKU-D", 2, backordered=2)
        fulfillment(s, "f6", "O5", 0, "acme-ds", "rejected", {"L1": ("SKU-D", 2, 0)})
        purchase_order(s, "DS2", "f6", "O5", "rejected", at(5, 13), at(5, 15))

        order(s, "O6", "shopify", at(19, 12), [("SKU-A", 1, "10")], ship_by="2026-11-19", status="cancelled")
        ledger(s, "O6", "L1", "SKU-A", 1, cancelled=1)

        order(s, "O7", "shopify", at(19, 12), [("SKU-A", 100, "10")], test=True)
        ledger(s, "O7", "L1", "SKU-A", 100, shipped=100)
