"""Orders that routing could not place in full: when to route them again, and when to give up.

Every routing writes the order's ``order_routings`` row (``record_decision``). While units are unplaced the
order is *waiting*, with the decision's ``reroute_at`` (the rule's ``reroute_every``) and ``cancel_at``
(the rule's ``auto_cancel_after`` or the order's own cancel-after date), and the SKUs it waits for.

A wait becomes due (``due_orders``) when its ``reroute_at`` passes, or as soon as stock of one of its SKUs
becomes available anywhere. The second needs no hook in the inventory code: every change to stock is an
entry in the append-only inventory ledger, so a wait is due when the ledger holds an entry newer than the
wait's ``ledger_mark`` that raises availability of a SKU it waits for (units on hand up, or committed,
reserved or safety stock down: a receipt, an adjustment, a count or 846, a released allocation). A ledger
entry written by a transaction that commits after a decision but was numbered before it can be missed;
the reroute schedule catches that one. A wait is due too when the channel changed the order since it was
last routed (an ``order.updated`` entry after the routing's own): a payment captured or a hold tag removed
should not wait for the schedule.

A wait past its ``cancel_at`` is cancelled (``auto_cancel``): every unit still unplaced (unallocated or
backordered) is cancelled through the lifecycle, with the stock effects carried out, and the timeline says
why (``order.auto_cancelled``); should the lifecycle refuse (the order moved on meanwhile), the order
stops waiting and ``order.auto_cancel_refused`` says why, for a person to decide.

Orders that were stored but never routed (a lost task) are found by ``never_routed``; the sweep task
routes them. An order parked as a routing exception (``hub.oms.route_exceptions``) is neither: its routing
row says ``exception`` and waits for nothing, so no sweep routes it until a person does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from hub.db.bulk import insert_rows
from hub.db.models import InventoryLedgerEntry, OrderEvent, OrderRecord, OrderRouting, OrderRoutingSku
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.delivery.channel_updates import plan_channel_cancellation
from hub.errors import InputRejected
from hub.lifecycle.commands import CancelLine
from hub.lifecycle.store import load
from hub.oms.stock_effects import execute_with_stock
from hub.orders.store import record_event
from hub.routing import Decision, Outcome

AUTO_CANCELLED = "order.auto_cancelled"
AUTO_CANCEL_REFUSED = "order.auto_cancel_refused"
ROUTING_EVENTS = ("order.routed", "order.backordered", "order.held")  # what route_order appends
NOT_WAITING = (Outcome.ROUTED, Outcome.NOTHING_TO_ROUTE)
log = logging.getLogger(__name__)

NEVER_ROUTED_GRACE = timedelta(minutes=2)  # an intake task normally routes a new order within seconds
# Ledger reasons that move units between buckets without making any available to sell.
NOT_ARRIVALS = ("shipment", "reservation_converted", "allocation", "reservation")


def record_decision(session: Session, order_id: str, decision: Decision, *, test: bool, now: datetime) -> OrderRouting:
    """The order's routing row after ``decision``: waiting (with its SKUs and times) or not."""
    row = stage_decision(session, session.get(OrderRouting, order_id), order_id, decision, test=test, now=now)
    row.ledger_mark = ledger_mark(session)
    session.flush()
    return row


def ledger_mark(session: Session) -> int:
    """The newest inventory ledger entry: stock that arrives after it can wake a wait recorded now."""
    return int(session.scalar(select(func.max(InventoryLedgerEntry.id))) or 0)


def stage_decision(
    session: Session, row: OrderRouting | None, order_id: str, decision: Decision, *, test: bool, now: datetime
) -> OrderRouting:
    """``record_decision`` without the ledger mark and the flush, for a batch that sets one mark for all."""
    if row is None:
        row = OrderRouting(order_id=order_id, attempts=0, created_at=utcnow())
        session.add(row)
    values, awaited = _decision_values(decision, test=test, now=now)
    for name, value in values.items():
        setattr(row, name, value)
    row.attempts += 1
    row.skus = [OrderRoutingSku(sku=sku, units=units) for sku, units in awaited.items()]
    return row


def insert_first_decisions(
    session: Session, decisions: list[tuple[str, Decision, bool]], *, now: datetime, mark: int
) -> None:
    """The routing rows of orders routed for the first time, ``(order_id, decision, test)`` each: what
    ``stage_decision`` stages for an order without a row, written with one insert per table (a batch's
    fresh orders)."""
    rows, skus = [], []
    for order_id, decision, test in decisions:
        values, awaited = _decision_values(decision, test=test, now=now)
        rows.append({"order_id": order_id, **values, "attempts": 1, "ledger_mark": mark, "created_at": utcnow()})
        skus += [{"order_id": order_id, "sku": sku, "units": units} for sku, units in awaited.items()]
    insert_rows(session, OrderRouting.__table__, rows)
    insert_rows(session, OrderRoutingSku.__table__, skus)


def _decision_values(decision: Decision, *, test: bool, now: datetime) -> tuple[dict[str, Any], dict[str, int]]:
    """The routing row's columns after ``decision`` (but its attempts and mark), and the SKUs it waits for."""
    waiting = decision.outcome not in NOT_WAITING
    wait = decision.wait if waiting else None
    values = {
        "outcome": str(decision.outcome),
        "rule": decision.rule,
        "test": test,
        "waiting": waiting,
        "routed_at": now,
        "updated_at": utcnow(),
        "reroute_at": wait.reroute_at if wait else None,
        "cancel_at": wait.cancel_at if wait else None,
    }
    return values, dict(sorted(decision.awaiting().items())) if waiting else {}


def finish_waiting(session: Session, order_id: str) -> None:
    """The order waits for nothing any more (cancelled, closed)."""
    row = session.get(OrderRouting, order_id)
    if row is not None and row.waiting:
        row.waiting, row.reroute_at, row.cancel_at, row.skus, row.updated_at = False, None, None, [], utcnow()


def _stock_arrived() -> Any:
    """A ledger entry newer than the wait's mark that makes units of an awaited SKU available."""
    ledger = InventoryLedgerEntry
    raises = or_(
        and_(ledger.bucket == "on_hand", ledger.delta > 0),
        and_(ledger.bucket.in_(("committed", "reserved", "safety_stock")), ledger.delta < 0),
    )
    return exists().where(
        OrderRoutingSku.order_id == OrderRouting.order_id,
        ledger.sku == OrderRoutingSku.sku,
        ledger.id > OrderRouting.ledger_mark,
        ledger.reason.not_in(NOT_ARRIVALS),
        raises,
    )


def _changed_since_routed() -> Any:
    """The channel changed the order (payment captured, a hold tag removed ...) after its last routing."""
    routing = aliased(OrderEvent)
    last_routed = (
        select(func.max(routing.id))
        .where(routing.order_id == OrderRouting.order_id, routing.type.in_(ROUTING_EVENTS))
        .correlate(OrderRouting)
        .scalar_subquery()
    )
    updated = exists().where(
        OrderEvent.order_id == OrderRouting.order_id, OrderEvent.type == "order.updated", OrderEvent.id > last_routed
    )
    return updated.correlate(OrderRouting)


def due_orders(session: Session, now: datetime, *, limit: int = 500) -> list[str]:
    """Waiting orders to route again now: their time came, stock they wait for arrived, or they changed."""
    not_expired = or_(OrderRouting.cancel_at.is_(None), OrderRouting.cancel_at > now)
    query = (
        select(OrderRouting.order_id)
        .where(OrderRouting.waiting.is_(True), not_expired)
        .where(or_(OrderRouting.reroute_at <= now, _stock_arrived(), _changed_since_routed()))
        .order_by(OrderRouting.routed_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def expired_orders(session: Session, now: datetime, *, limit: int = 500) -> list[str]:
    """Waiting orders past their auto-cancel deadline."""
    query = (
        select(OrderRouting.order_id)
        .where(OrderRouting.waiting.is_(True), OrderRouting.cancel_at <= now)
        .order_by(OrderRouting.cancel_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def never_routed(session: Session, stored_before: datetime, *, limit: int = 500) -> list[str]:
    """Orders stored before ``stored_before`` that routing has never looked at and that still want stock (a
    routing exception has been looked at: it has its row)."""
    query = (
        select(OrderRecord.id)
        .where(OrderRecord.status.in_(("received", "validated")), OrderRecord.created_at < stored_before)
        .where(~exists().where(OrderRouting.order_id == OrderRecord.id))
        .order_by(OrderRecord.created_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def auto_cancel(session: Session, order_id: str, now: datetime, *, source: str) -> dict[str, int]:
    """Cancel every unit of the order still unplaced, as its wait's deadline passed; the units cancelled
    per line (empty when the wait was no longer due: routed or cancelled since)."""
    row = session.get(OrderRouting, order_id, with_for_update=session.get_bind().dialect.name == "postgresql")
    if row is None or not row.waiting or row.cancel_at is None or row.cancel_at > now:
        return {}
    deadline = row.cancel_at
    reason = f"not placed by the routing deadline {deadline.isoformat()}"
    cancelled: dict[str, int] = {}
    for line_id, line in load(session, order_id).lines.items():
        unplaced = line.quantities.unallocated + line.quantities.backordered
        if unplaced > 0:
            execute_with_stock(
                session, order_id, CancelLine(line=line_id, quantity=unplaced, reason=reason), source=source
            )
            cancelled[line_id] = unplaced
    finish_waiting(session, order_id)
    data = {"cancel_at": deadline.isoformat(), "rule": row.rule, "cancelled": cancelled}
    record_event(session, order_id, AUTO_CANCELLED, source=source, data=data)
    if cancelled:  # the buyer hears it from the channel; the sweep publishes the delivery
        plan_channel_cancellation(session, order_id, reason, lines=cancelled)
    return cancelled


@dataclass(frozen=True)
class Sweep:
    """What one sweep found: orders to route (never routed, or due again) and orders auto-cancelled."""

    never_routed: tuple[str, ...]
    due: tuple[str, ...]
    cancelled: tuple[str, ...]


def sweep_waiting(
    database: Database,
    now: datetime,
    *,
    route: Callable[[str], object],
    source: str,
    grace: timedelta = NEVER_ROUTED_GRACE,
) -> Sweep:
    """Cancel waits past their deadline (one transaction each), then hand every order that was never routed
    or is due again to ``route`` (the task publishes ``hub.route.order``; tests route in-process)."""
    with database.session() as session:
        expired = expired_orders(session, now)
        unrouted = never_routed(session, utcnow() - grace)
        due = due_orders(session, now)
    cancelled = []
    for order_id in expired:
        try:
            with database.session() as session:
                if auto_cancel(session, order_id, now, source=source):
                    cancelled.append(order_id)
        except InputRejected as refused:  # the lifecycle moved on meanwhile: a person decides, the sweep goes on
            log.warning("order %s: auto-cancel refused: %s", order_id, refused)
            with database.session() as session:
                finish_waiting(session, order_id)
                record_event(session, order_id, AUTO_CANCEL_REFUSED, source=source, data={"refused": str(refused)})
    for order_id in [*unrouted, *due]:
        route(order_id)
    return Sweep(tuple(unrouted), tuple(due), tuple(cancelled))
