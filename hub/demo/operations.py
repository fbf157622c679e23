"""What happens to the demo's orders after intake, each through the hub's own code path: the router routes
them (``hub.oms.route_batch``), the delivery engine sends their fulfillment orders (``hub.delivery.engine``;
X12 850s then go out over the supplier's mailbox), warehouses ship (``record_shipment``), and customers send
a few things back (the lifecycle's return commands, with the stock effects ``hub.oms`` carries out).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

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
Promise = tuple[datetime, date | None]  # an order's placed_at and ship-by day (None: no promise)


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


def ship(database: Database, rng: random.Random, promised: dict[str, Promise], now: datetime) -> list[str]:
    """Ship most fulfillment orders of orders placed over a day ago, within thirty hours of the order; every
    tenth one that could be late by now ships one to three days after its order's ship-by day instead (late
    against the shop's promise whatever the weekday the demo is loaded on). Returns the orders shipped.
    Shipments are recorded twenty-five to a transaction, as a 3PL's confirmation file with many rows would be."""
    notices = []
    could_be_late = 0
    for fo_id, order_id, _location, lines in _open_warehouse_orders(database):
        placed_at, ship_by = promised.get(order_id, (None, None))
        if placed_at is None or now - placed_at < timedelta(days=1) or rng.random() > 0.85:
            continue
        shipped_at = placed_at + timedelta(hours=rng.randint(4, 30))
        late_at = _late(rng, ship_by)
        if late_at is not None and late_at < now:
            if could_be_late % 10 == 0:
                shipped_at = late_at
            could_be_late += 1
        notices.append(_notice(rng, fo_id, order_id, lines, min(now, shipped_at)))
    for start in range(0, len(notices), 25):
        with database.session() as session:
            for notice in notices[start : start + 25]:
                record_shipment(session, source=SOURCE, notice=notice, actor=SOURCE)
    return [str(notice.shipment.order_id) for notice in notices]


def _late(rng: random.Random, ship_by: date | None) -> datetime | None:
    """A moment during the working hours of one to three days after ``ship_by`` (None: no promise)."""
    if ship_by is None:
        return None
    day = ship_by + timedelta(days=rng.randint(1, 3))
    return datetime.combine(day, time(rng.randint(8, 17)), UTC)


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
