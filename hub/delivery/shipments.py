"""Every shipment, whatever reported it, recorded through one function: ``record_shipment``.

A 3PL webhook or poll, a CSV confirmation, an EDI 945 or 856 and a person at the command line all hand a
``hub.sdk.ShipmentNotice`` to ``record_shipment`` with ``source`` (who reports it: ``shipstation:main``,
``csv-3pl:east``, ``edi:ACME``, ``cli``). In the caller's transaction it:

1. returns the shipment recorded before when ``(source, notice.key)`` was seen (``created=False``): a report
   read twice, a webhook retried, a file fetched again, is recorded once;
2. finds the fulfillment order: ``notice.fulfillment_order_id``; else the partner's own id for it
   (``fulfillment_orders.external_id``, or the ``external_id`` a delivery to ``source`` stored); else, for
   reports that name only the order (an EDI 945 or 856 carries the PO or order number), the order's open
   fulfillment orders at the locations ``source`` fulfils;
3. maps the shipped units onto fulfillment order lines (``hub.delivery.shipped_units``: by ``line_id``, else
   by SKU) and refuses, changing nothing, a shipment of more units than are left to ship, or of a line or SKU
   the fulfillment order does not hold (``ShipmentRejected``, naming what and how many);
4. moves the fulfillment order through its machine (one still ``created`` is sent and accepted first, one
   ``sent`` is accepted: the partner evidently has it) and ships the units with
   ``hub.oms.stock_effects.execute_with_stock``, so the stock leaves the location's books in the same
   transaction;
5. stores the tracking in ``shipments`` and on the timeline (``shipment.recorded``), and leaves the fact the
   channel is to be told: ``order.shipped`` when every unit still wanted has shipped, else
   ``order.partially_shipped``, one per shipment, each naming the shipment and its tracking.

A refusal raises before anything of the shipment is kept: the lifecycle commands run in a savepoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hub.canonical import Shipment
from hub.canonical.shipment import ShipmentStatus
from hub.db.models import Delivery, FulfillmentOrderRecord, Location, OrderRecord, ShipmentRecord
from hub.db.models.base import utcnow
from hub.delivery.channel_updates import plan_shipment
from hub.delivery.shipped_units import ShipmentRejected, plan_units
from hub.errors import HubError
from hub.ids import new_id
from hub.inventory.errors import InventoryInputError
from hub.lifecycle import FulfillmentOrder, FulfillmentState, LifecycleRejected, OrderLifecycle
from hub.lifecycle.commands import AcceptFulfillmentOrder, SendFulfillmentOrder, ShipFulfillmentOrder
from hub.lifecycle.store import load, start
from hub.oms.stock_effects import execute_with_stock
from hub.orders.store import record_event
from hub.sdk import ShipmentNotice

__all__ = [
    "OPEN_STATES",
    "RecordedShipment",
    "ShipmentRejected",
    "find_shipments",
    "record_shipment",
    "shipment_details",
    "tracking_numbers",
    "tracking_url",
]

RECORDED = "shipment.recorded"
ORDER_SHIPPED = "order.shipped"
ORDER_PARTIALLY_SHIPPED = "order.partially_shipped"
OPEN_STATES = (
    FulfillmentState.CREATED,
    FulfillmentState.SENT,
    FulfillmentState.ACCEPTED,
    FulfillmentState.PARTIALLY_SHIPPED,
)
# Public tracking pages of the carriers most shipments name, by a word of the carrier's name or SCAC.
TRACKING_PAGES = {
    "ups": "https://www.ups.com/track?tracknum={number}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "fdeg": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "fdxg": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    "dhl": "https://www.dhl.com/global-en/home/tracking/tracking-express.html?tracking-id={number}",
}


@dataclass(frozen=True)
class RecordedShipment:
    """What ``record_shipment`` did. ``state`` is the fulfillment order's state after the shipment (the
    order's status when one shipment covered several fulfillment orders, ``fulfillment_order_id`` is then
    None and ``fulfillment_orders`` lists them)."""

    shipment_id: str
    order_id: str
    fulfillment_order_id: str | None
    created: bool
    state: str
    fulfillment_orders: tuple[str, ...] = ()
    order_status: str = ""
    planned: tuple[int, ...] = ()  # the channel's confirmation planned with it: publish once committed


@dataclass(frozen=True)
class _Target:
    """The order a notice is about and the fulfillment orders its units may come from."""

    order_id: str
    fulfillment_orders: tuple[str, ...]
    named: bool  # the notice named the fulfillment order itself (not only the order)
    where: str  # for messages: "fulfillment order ful_1", "the open fulfillment orders of ... at ..."


def record_shipment(session: Session, *, source: str, notice: ShipmentNotice, actor: str) -> RecordedShipment:
    """Record the shipment ``notice`` reports from ``source``; see the module docstring for each step."""
    seen = _recorded(session, source, notice.key)
    if seen is not None:
        return _repeat(session, seen)
    if notice.shipment.status is ShipmentStatus.CANCELLED:
        raise ShipmentRejected(f"shipment {notice.key} from {source} is cancelled: a voided shipment ships nothing")
    target = _target(session, source, notice)
    start(session, target.order_id, source=actor)  # locks the order: what is read next stays as read
    seen = _recorded(session, source, notice.key)  # a copy of the same report committed while we waited
    if seen is not None:
        return _repeat(session, seen)
    lifecycle = load(session, target.order_id)
    fulfillment_orders = _open_candidates(lifecycle, target, notice, source)
    plan = plan_units(notice, fulfillment_orders, target.where)
    try:
        with session.begin_nested():
            after = _ship(session, lifecycle, plan, notice, actor)
            row = _store(session, source, notice, target.order_id, plan)
            planned = plan_shipment(session, row.id)  # the channel the order came from is told (its own delivery)
            _timeline(session, row, after, actor)
    except (LifecycleRejected, InventoryInputError) as refused:
        raise ShipmentRejected(f"shipment {notice.key} from {source}: {refused}") from None
    except HubError as refused:  # the stock books disagree (InventoryConflict): nothing of it was kept
        raise ShipmentRejected(f"shipment {notice.key} from {source} cannot be recorded: {refused}") from None
    return replace(_result(row, after, created=True), planned=tuple(planned))


def find_shipments(session: Session, order_id: str) -> list[ShipmentRecord]:
    """The shipments recorded on ``order_id``, oldest first."""
    query = select(ShipmentRecord).where(ShipmentRecord.order_id == order_id)
    return list(session.scalars(query.order_by(ShipmentRecord.created_at, ShipmentRecord.id)))


# -- finding the fulfillment order ---------------------------------------------------------------------------


def _recorded(session: Session, source: str, key: str) -> ShipmentRecord | None:
    query = select(ShipmentRecord).where(ShipmentRecord.source == source, ShipmentRecord.key == key)
    return session.scalars(query).one_or_none()


def _target(session: Session, source: str, notice: ShipmentNotice) -> _Target:
    fo_id = notice.fulfillment_order_id or _by_external_id(session, source, notice.external_id)
    if fo_id is not None:
        row = session.get(FulfillmentOrderRecord, fo_id)
        if row is None:
            raise ShipmentRejected(
                f"shipment {notice.key} from {source} names fulfillment order {fo_id!r}, which the hub does not have"
            )
        named_order = notice.shipment.order_id
        if named_order is not None and named_order != row.order_id:
            raise ShipmentRejected(
                f"shipment {notice.key} from {source} names order {named_order} but fulfillment order {fo_id} "
                f"belongs to order {row.order_id}"
            )
        return _Target(row.order_id, (fo_id,), True, f"fulfillment order {fo_id}")
    if notice.external_id is not None:
        raise ShipmentRejected(
            f"shipment {notice.key} from {source} names {notice.external_id!r}, which is no fulfillment order "
            f"the hub sent to {source}"
        )
    return _by_order(session, source, notice)


def _by_external_id(session: Session, source: str, external_id: str | None) -> str | None:
    """The fulfillment order ``source`` knows as ``external_id``: as accepted, or as a delivery recorded it."""
    if external_id is None:
        return None
    accepted = (
        select(FulfillmentOrderRecord.id)
        .join(Location, Location.id == FulfillmentOrderRecord.location_id)
        .where(FulfillmentOrderRecord.external_id == external_id, Location.fulfilled_by == source)
    )
    found = session.scalars(accepted.limit(1)).first()
    if found is not None:
        return found
    delivered = select(Delivery.subject_id).where(
        Delivery.destination == source,
        Delivery.external_id == external_id,
        Delivery.operation.like("fulfillment_order.%"),
    )
    return session.scalars(delivered.order_by(Delivery.id.desc()).limit(1)).first()


def _by_order(session: Session, source: str, notice: ShipmentNotice) -> _Target:
    """A report that names only the order: the order's fulfillment orders at the locations ``source`` fulfils."""
    order_id = _order_of(session, notice.shipment, f"shipment {notice.key} from {source}")
    locations = select(Location.id).where(Location.fulfilled_by == source)
    query = select(FulfillmentOrderRecord.id).where(
        FulfillmentOrderRecord.order_id == order_id,
        FulfillmentOrderRecord.location_id.in_(locations),
        FulfillmentOrderRecord.state.in_([state.value for state in OPEN_STATES]),
    )
    fo_ids = tuple(session.scalars(query.order_by(FulfillmentOrderRecord.created_at, FulfillmentOrderRecord.id)))
    if not fo_ids:
        raise ShipmentRejected(
            f"shipment {notice.key} from {source}: order {order_id} has no open fulfillment order at a location "
            f"fulfilled by {source} (see `orderhub order show {order_id}`)"
        )
    where = f"the open fulfillment orders of order {order_id} at locations fulfilled by {source}"
    return _Target(order_id, fo_ids, False, where)


def _order_of(session: Session, shipment: Shipment, what: str) -> str:
    """The order a shipment names: the hub's id, else the one order with that PO, number or channel id."""
    if shipment.order_id is not None:
        if session.get(OrderRecord, shipment.order_id) is None:
            raise ShipmentRejected(f"{what} names order {shipment.order_id!r}, which the hub does not have")
        return shipment.order_id
    for reference in (shipment.po_number, shipment.channel_order_id):
        if reference is None:
            continue
        query = select(OrderRecord.id).where(
            or_(
                OrderRecord.po_number == reference,
                OrderRecord.number == reference,
                OrderRecord.channel_order_id == reference,
            )
        )
        matches = session.scalars(query.limit(2)).all()
        if len(matches) == 1:
            return matches[0]
    names = shipment.po_number or shipment.channel_order_id
    raise ShipmentRejected(f"{what} names order {names!r}, which matches no single order of the hub")


def _open_candidates(
    lifecycle: OrderLifecycle, target: _Target, notice: ShipmentNotice, source: str
) -> list[FulfillmentOrder]:
    """The target's fulfillment orders as the locked lifecycle has them, those still open to ship."""
    found = [lifecycle.fulfillment_orders[fo_id] for fo_id in target.fulfillment_orders]
    open_ones = [fo for fo in found if fo.state in OPEN_STATES and fo.open_units()]
    if not open_ones:
        states = ", ".join(f"{fo.id} is {fo.state}" for fo in found)
        raise ShipmentRejected(
            f"shipment {notice.key} from {source}: nothing is left to ship ({states}); "
            "a shipment of more units than were sent is refused"
        )
    return open_ones


# -- carrying it out -----------------------------------------------------------------------------------------


def _ship(
    session: Session, lifecycle: OrderLifecycle, plan: dict[str, dict[str, int]], notice: ShipmentNotice, actor: str
) -> OrderLifecycle:
    """Each fulfillment order brought to a state it can ship from, then its units shipped with their stock."""
    order_id = lifecycle.order_id
    for fo_id, units in plan.items():
        state = lifecycle.fulfillment_orders[fo_id].state
        if state is FulfillmentState.CREATED:
            execute_with_stock(session, order_id, SendFulfillmentOrder(id=fo_id), source=actor)
            state = FulfillmentState.SENT
        if state is FulfillmentState.SENT:
            accept = AcceptFulfillmentOrder(id=fo_id, external_id=notice.external_id)
            execute_with_stock(session, order_id, accept, source=actor)
        command = ShipFulfillmentOrder(id=fo_id, lines=units)
        lifecycle = execute_with_stock(session, order_id, command, source=actor).lifecycle
    return lifecycle


def _store(
    session: Session, source: str, notice: ShipmentNotice, order_id: str, plan: dict[str, dict[str, int]]
) -> ShipmentRecord:
    shipment = notice.shipment
    carrier = shipment.carrier
    numbers = tracking_numbers(shipment)
    carrier_name = (carrier.name or carrier.scac) if carrier else None
    units: dict[str, int] = {}
    for lines in plan.values():
        for line_id, count in lines.items():
            units[line_id] = units.get(line_id, 0) + count
    row = ShipmentRecord(
        id=new_id("shp"),
        order_id=order_id,
        fulfillment_order_id=next(iter(plan)) if len(plan) == 1 else None,
        source=source,
        key=notice.key,
        carrier=carrier_name,
        service=carrier.service if carrier else None,
        tracking_numbers=numbers,
        tracking_url=notice.tracking_url or tracking_url(carrier_name, carrier.scac if carrier else None, numbers),
        shipped_at=shipment.shipped_at or utcnow(),
        units=units,
        document={**shipment.model_dump(mode="json"), "fulfillment_orders": plan},
    )
    session.add(row)
    session.flush()
    return row


def tracking_numbers(shipment: Shipment) -> list[str]:
    """The shipment's tracking numbers, then each package's, each once, in the order given."""
    found = [*shipment.tracking_numbers, *(p.tracking_number for p in shipment.packages if p.tracking_number)]
    return list(dict.fromkeys(found))


def tracking_url(carrier: str | None, scac: str | None, numbers: Sequence[str]) -> str | None:
    """The carrier's public tracking page for the first number, for the carriers the hub knows (used when the
    partner gives no link of its own)."""
    if not numbers:
        return None
    words = " ".join(part for part in (carrier, scac) if part).lower().replace("-", " ").split()
    for word in words:
        for name, page in TRACKING_PAGES.items():
            if word.startswith(name):
                return page.format(number=numbers[0])
    return None


def _timeline(session: Session, row: ShipmentRecord, after: OrderLifecycle, actor: str) -> None:
    details = shipment_details(row)
    record_event(session, row.order_id, RECORDED, source=actor, data=details)
    totals = after.totals
    fact = ORDER_SHIPPED if totals.shipped >= totals.active else ORDER_PARTIALLY_SHIPPED
    data = {**details, "shipped_units": totals.shipped, "units_wanted": totals.active}
    record_event(session, row.order_id, fact, source=actor, data=data)


def shipment_details(row: ShipmentRecord) -> dict[str, Any]:
    """A stored shipment as the timeline, ``orderhub order show`` and the channel back-channel read it."""
    document = row.document or {}
    packages = [
        {key: package.get(key) for key in ("package_id", "kind", "sscc", "tracking_number", "weight")}
        for package in document.get("packages", [])
    ]
    return {
        "shipment_id": row.id,
        "source": row.source,
        "key": row.key,
        "fulfillment_orders": document.get("fulfillment_orders", {}),
        "carrier": row.carrier,
        "service": row.service,
        "tracking_numbers": list(row.tracking_numbers),
        "tracking_url": row.tracking_url,
        "shipped_at": row.shipped_at.isoformat() if row.shipped_at else None,
        "packages": packages,
        "units": dict(row.units),
    }


def _result(row: ShipmentRecord, lifecycle: OrderLifecycle, *, created: bool) -> RecordedShipment:
    plan: dict[str, Any] = (row.document or {}).get("fulfillment_orders", {})
    fo_ids = tuple(plan) or ((row.fulfillment_order_id,) if row.fulfillment_order_id else ())
    status = lifecycle.status.value
    single = row.fulfillment_order_id
    fo = lifecycle.fulfillment_orders.get(single) if single else None
    return RecordedShipment(
        shipment_id=row.id,
        order_id=row.order_id,
        fulfillment_order_id=single,
        created=created,
        state=fo.state.value if fo is not None else status,
        fulfillment_orders=fo_ids,
        order_status=status,
    )


def _repeat(session: Session, row: ShipmentRecord) -> RecordedShipment:
    return _result(row, load(session, row.order_id), created=False)
