"""What happens to the demo's orders after intake, each through the hub's own code path: the router routes
them (``hub.oms.route_batch``), the delivery engine sends their fulfillment orders (``hub.delivery.engine``;
X12 850s then go out over the supplier's mailbox), warehouses ship (``record_shipment``), and customers send
a few things back (the lifecycle's return commands, with the stock effects ``hub.oms`` carries out).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from hub.canonical import Shipment
from hub.db.models import Delivery, DeliveryStatus, FulfillmentOrderRecord
from hub.db.session import Database
from hub.delivery.config import EngineConfig
from hub.delivery.engine import deliver
from hub.delivery.shipments import record_shipment
from hub.demo.setup import SOURCE, SUPPLIER_LOCATION
from hub.edi.transports.send import send_interchange
from hub.lifecycle import FulfillmentState
from hub.lifecycle.commands import (
    AuthorizeReturn,
    DeliverLines,
    InspectReturn,
    ReceiveReturn,
    RequestReturn,
    RestockReturn,
)
from hub.oms.route_batch import route_orders
from hub.oms.stock_effects import execute_with_stock
from hub.routing import RuleSet
from hub.sdk import ShipmentNotice

CARRIERS = (("UPS", "Ground"), ("FedEx", "Home Delivery"), ("USPS", "Priority Mail"))
RETURN_REASONS = ("too small", "changed my mind", "arrived damaged", "not as pictured")


def route(database: Database, order_ids: Sequence[str], now: datetime, rules: RuleSet) -> int:
    """Route the orders with the hub's rules, fifty at a time as the worker does."""
    routed = 0
    for start in range(0, len(order_ids), 50):
        result = route_orders(database, order_ids[start : start + 50], rules=rules, now=now, source=SOURCE)
        routed += len(result.routed)
    return routed


def send_pending(database: Database) -> None:
    """Run the delivery engine over every pending delivery, then send the X12 it queued, as the workers do."""
    with database.session() as session:
        ids = list(session.scalars(select(Delivery.id).where(Delivery.status == DeliveryStatus.PENDING)))
    if not ids:
        return
    report = deliver(database, ids, EngineConfig())
    for name, args in report.after.tasks:
        if name == "hub.edi.send":
            send_interchange(database, *args)


def _open_warehouse_orders(database: Database) -> list[tuple[str, str, str, list[tuple[str, int]]]]:
    """(fulfillment order, order, location, [(line, units)]) of every open fulfillment order at a warehouse."""
    with database.session() as session:
        query = (
            select(FulfillmentOrderRecord)
            .where(FulfillmentOrderRecord.state.in_([FulfillmentState.SENT, FulfillmentState.ACCEPTED]))
            .where(FulfillmentOrderRecord.location_id != SUPPLIER_LOCATION)
            .order_by(FulfillmentOrderRecord.id)
        )
        return [
            (fo.id, fo.order_id, fo.location_id, [(line.line_id, line.quantity) for line in fo.lines])
            for fo in session.scalars(query)
        ]


def ship(database: Database, rng: random.Random, placed: dict[str, datetime], now: datetime) -> list[str]:
    """Ship most fulfillment orders of orders placed over a day ago, within thirty hours, one in ten only after
    two and a half days or more (late against the shops' promises); returns the orders shipped. Shipments are
    recorded twenty-five to a transaction, as a 3PL's confirmation file with many rows would be."""
    notices = []
    for fo_id, order_id, _location, lines in _open_warehouse_orders(database):
        placed_at = placed.get(order_id)
        if placed_at is None or now - placed_at < timedelta(days=1) or rng.random() > 0.85:
            continue
        took = timedelta(hours=rng.randint(60, 110) if rng.random() < 0.1 else rng.randint(4, 30))  # a few late
        notices.append(_notice(rng, fo_id, order_id, lines, min(now, placed_at + took)))
    for start in range(0, len(notices), 25):
        with database.session() as session:
            for notice in notices[start : start + 25]:
                record_shipment(session, source=SOURCE, notice=notice, actor=SOURCE)
    return [str(notice.shipment.order_id) for notice in notices]


def _notice(
    rng: random.Random, fo_id: str, order_id: str, lines: list[tuple[str, int]], shipped_at: datetime
) -> ShipmentNotice:
    carrier, service = rng.choice(CARRIERS)
    tracking = f"1Z{rng.randrange(10**15, 10**16)}" if carrier == "UPS" else str(rng.randrange(10**11, 10**12))
    shipment = Shipment.model_validate(
        {
            "order_id": order_id,
            "carrier": {"name": carrier, "service": service},
            "tracking_numbers": [tracking],
            "shipped_at": shipped_at.isoformat(),
            "items": [{"line_id": line_id, "quantity": units} for line_id, units in lines],
        }
    )
    return ShipmentNotice(f"{fo_id}:{tracking}", shipment, fulfillment_order_id=fo_id)


def returns(database: Database, rng: random.Random, shipped: Sequence[str], count: int) -> list[str]:
    """A few customers send one unit back once the carrier delivered: requested, authorized, received at the
    warehouse that shipped it, restocked. An order still partly open is passed over (it cannot be returned
    yet), so fewer than ``count`` may come back."""
    returned: list[str] = []
    for order_id in rng.sample(list(dict.fromkeys(shipped)), len(set(shipped))):
        if len(returned) >= count:
            break
        with database.session() as session:
            fos = session.scalars(
                select(FulfillmentOrderRecord)
                .where(FulfillmentOrderRecord.order_id == order_id)
                .order_by(FulfillmentOrderRecord.id)
            ).all()
            if not fos or any(fo.state != FulfillmentState.SHIPPED for fo in fos):
                continue
            delivered = {line.line_id: line.shipped for fo in fos for line in fo.lines}
            line = fos[0].lines[0]
            request = RequestReturn(lines={line.line_id: 1}, reason=rng.choice(RETURN_REASONS))
            for command in (
                DeliverLines(lines=delivered),
                request,
                AuthorizeReturn(id=request.id, location=fos[0].location_id),
                ReceiveReturn(id=request.id, location=fos[0].location_id),
                InspectReturn(id=request.id, conditions={line.line_id: "resellable"}),
                RestockReturn(id=request.id),
            ):
                execute_with_stock(session, order_id, command, source=SOURCE)
        returned.append(order_id)
    return returned
