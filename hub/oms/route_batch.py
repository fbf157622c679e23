"""``route_orders``: route a batch of stored orders in one transaction, each order still all or nothing.

::

    lock every order (one statement, which also says which have a lifecycle or a routing row) and read
       those lifecycles and routing rows (one query per table; none for a batch of fresh orders)
    -> one stock read for the SKUs of the whole batch, which also gives the ledger mark its waits are
       recorded with (locations and rules come from the per-process caches, hub.oms.process_cache)
    -> per order, in memory: start and validate its lifecycle, decide, create its fulfillment orders,
       backorder what waits; the units it takes are taken off the batch's snapshot for the orders after it
    -> one statement commits the allocations of every order (hub.inventory.bulk_allocation)
    -> one multi-row statement per table writes the lifecycles (hub.lifecycle.changes), one the timeline
       events, one flush the routing rows; one insert plans the deliveries (hub.delivery.plan_many);
       one commit

An order is decided and applied in memory before anything of it is written, so a failure of one order (its
document refused by the model, a lifecycle refusal) leaves the others alone: that order is simply not
written, and is routed again on its own afterwards by ``route_order``, which parks it or lets the task
retry it exactly as when it came alone. Orders routed before (they hold fulfillment orders: more units
on a line already allocated, a location that refused) take ``route_in_session`` in a savepoint of their own
within the batch, after the batch's allocations.

The stock read is advisory, as for one order: levels are not locked while the batch decides (other workers
keep allocating), and the one allocation statement checks every level under its row lock. Should it find
less stock than the batch decided on (another worker took it meanwhile), or any write of the batch fail,
the batch rolls back and every order is routed on its own, deciding again on fresh figures.

The result is the same as routing the orders one by one in the order given: the same decisions on the same
figures, the same rows, the same timeline.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from hub.canonical import Order
from hub.db.models import OrderLifecycleRecord, OrderRecord, OrderRouting
from hub.db.session import Database
from hub.delivery.plan_many import Created, plan_fulfillment_many
from hub.inventory.allocation import AllocationRequest
from hub.inventory.bulk_allocation import allocate_many
from hub.inventory.locations import LocationSpec
from hub.inventory.snapshot import read_stock
from hub.lifecycle import FulfillmentState
from hub.lifecycle.batch import append_events, read_lifecycles
from hub.lifecycle.changes import LifecycleChange, event_row, lock_marked, write_changes, write_statuses
from hub.lifecycle.commands import BackorderLine, CreateFulfillmentOrder, Hold, Validate
from hub.oms.process_cache import current_locations
from hub.oms.route import (
    EVENT_BY_OUTCOME,
    FINISHED,
    TEST_ORDER_HOLD,
    OrderNotStored,
    Routed,
    routable_order,
    route_in_session,
    route_order,
)
from hub.oms.route_exceptions import EXCEPTION
from hub.oms.store_snapshot import snapshot_with_stock
from hub.oms.waiting import finish_waiting, insert_first_decisions, ledger_mark, stage_decision
from hub.routing import Decision, RuleSet, Snapshot, decide, default_rules

log = logging.getLogger(__name__)
# what the lock reads beside each order: whether it has a lifecycle, a routing row
MARKS = {
    "lifecycle": exists().where(OrderLifecycleRecord.order_id == OrderRecord.id),
    "routing": exists().where(OrderRouting.order_id == OrderRecord.id),
}


@dataclass
class BatchResult:
    routed: dict[str, Routed] = field(default_factory=dict)  # order id -> what routing it did
    failed: dict[str, Exception] = field(default_factory=dict)  # order id -> why (RoutingFailed when parked)
    queues: dict[int, str] = field(default_factory=dict)  # delivery id -> its queue, for those the batch planned


@dataclass
class _Planned:
    change: LifecycleChange
    order: Order
    document: dict[str, Any]  # the stored JSON ``order`` was validated from (its status before routing)
    decision: Decision
    created: dict[str, str]  # fulfillment order id -> location


def route_orders(
    database: Database,
    order_ids: Sequence[str],
    *,
    rules: RuleSet | None = None,
    now: datetime | None = None,
    source: str = "worker",
) -> BatchResult:
    """Route ``order_ids`` (see the module docstring); an order parked as a routing exception is left alone,
    as ``route_order(..., release=False)`` does."""
    moment, ruleset = now or datetime.now(UTC), rules or default_rules()
    ids = list(dict.fromkeys(order_ids))
    result = BatchResult()
    alone: list[str]
    try:
        with database.session() as session:
            alone = _route_batch(session, ids, ruleset, moment, source, result)
    except Exception as error:  # noqa: BLE001 - whatever it was, each order is routed on its own below
        log.warning("routing batch of %d orders rolled back (%s); routing them one by one", len(ids), error)
        result, alone = BatchResult(), ids
    for order_id in alone:
        try:
            result.routed[order_id] = route_order(
                database, order_id, rules=ruleset, now=moment, source=source, release=False
            )
        except Exception as error:  # noqa: BLE001 - reported per order: parked, missing or to retry
            result.failed[order_id] = error
    return result


def _route_batch(
    session: Session, ids: list[str], rules: RuleSet, now: datetime, source: str, result: BatchResult
) -> list[str]:
    """Route what the batch can in ``session``; returns the orders to route on their own after it commits."""
    # fresh orders (most) have neither a lifecycle nor a routing row: the lock says which have, and only
    # those are read; a row added meanwhile (see lock_marked) makes its insert fail: the batch goes back
    locked = lock_marked(session, ids, MARKS)
    records = locked.records
    routings = _routing_rows(session, sorted(locked.marked["routing"]))
    lifecycles = read_lifecycles(session, locked.marked["lifecycle"]) if locked.marked["lifecycle"] else {}
    for order_id in ids:
        if order_id not in records:
            result.failed[order_id] = OrderNotStored(f"no order {order_id!r} is stored")
    fresh = [oid for oid in ids if oid in records and not (oid in lifecycles and lifecycles[oid].fulfillment_orders)]
    again = [oid for oid in ids if oid in records and oid not in fresh]
    alone: list[str] = []
    read = _snapshot(session, [records[oid] for oid in fresh], now)
    snapshot = read.snapshot
    planned: list[_Planned] = []
    finished: list[LifecycleChange] = []
    for order_id in fresh:
        routing = routings.get(order_id)
        if routing is not None and routing.outcome == EXCEPTION:
            note = "parked as a routing exception: route it by hand to release it"
            result.routed[order_id] = Routed(order_id, None, note=note, parked=True)
            continue
        change = LifecycleChange.of(records[order_id], lifecycles.get(order_id))
        try:
            outcome = _plan_one(change, snapshot, rules, now)
        except Exception as error:  # noqa: BLE001 - this order only: it is routed on its own after the batch
            log.info("order %s: routed on its own: %s", order_id, error)
            alone.append(order_id)
            continue
        if isinstance(outcome, _Planned):
            planned.append(outcome)
            snapshot = _taken(snapshot, outcome.decision)
        else:
            finished.append(change)
            finish_waiting(session, order_id)
            result.routed[order_id] = Routed(order_id, None, note=f"the order is {outcome}")
    _write(session, planned, finished, routings, now, source, result, read)
    for order_id in again:
        _route_again(session, order_id, rules, now, source, result, alone)
    return alone


def _routing_rows(session: Session, ids: list[str]) -> dict[str, OrderRouting]:
    if not ids:
        return {}
    query = select(OrderRouting).where(OrderRouting.order_id.in_(ids)).options(selectinload(OrderRouting.skus))
    return {row.order_id: row for row in session.scalars(query)}


@dataclass(frozen=True)
class _Read:
    snapshot: Snapshot
    locations: Mapping[str, LocationSpec]  # the active locations, by id
    ledger_mark: int | None  # the newest ledger entry as the stock was read (None: no stock row read)


def _snapshot(session: Session, records: Sequence[Any], now: datetime) -> _Read:
    """One stock read for every SKU of the batch, at the active locations; those locations; the ledger mark
    the batch's waits are recorded with."""
    skus = {line.sku for record in records for line in record.lines if line.sku}
    locations = current_locations(session)
    read = read_stock(session, skus, locations.specs)
    return _Read(snapshot_with_stock(locations.routing, read.positions, now), locations.specs, read.ledger_mark)


def _plan_one(change: LifecycleChange, snapshot: Snapshot, rules: RuleSet, now: datetime) -> _Planned | str:
    """Decide one fresh order and apply its commands in memory; the lifecycle state when it is finished."""
    lifecycle = change.after
    if lifecycle.state in FINISHED:
        return str(lifecycle.state)
    if not lifecycle.validated:
        lifecycle = change.apply(Validate())
    document = change.record.document
    order = Order.model_validate(document)
    decision = decide(routable_order(order, lifecycle), snapshot, rules, now)
    if order.test and lifecycle.hold_reason is None:
        change.apply(Hold(reason=TEST_ORDER_HOLD))
    by_location: dict[str, dict[str, int]] = defaultdict(dict)
    for c in decision.commitments():
        by_location[c.location][c.line_id] = by_location[c.location].get(c.line_id, 0) + c.quantity
    created: dict[str, str] = {}
    for location, lines in by_location.items():
        command = CreateFulfillmentOrder(location=location, lines=lines)
        change.apply(command)
        created[command.id] = location
    for line in decision.lines:
        quantities = change.after.lines[line.line_id].quantities if line.waiting else None
        if quantities is not None and min(line.waiting - quantities.backordered, quantities.unallocated) > 0:
            more = min(line.waiting - quantities.backordered, quantities.unallocated)
            change.apply(BackorderLine(line=line.line_id, quantity=more))
    return _Planned(change, order, document, decision, created)


def _taken(snapshot: Snapshot, decision: Decision) -> Snapshot:
    """The snapshot after ``decision`` took its units: what the next order of the batch decides on.

    One copy of the snapshot and of each location the decision took from, whatever the number of its
    commitments (copying them per commitment was a visible part of routing a batch)."""
    available: dict[str, dict[str, int]] = defaultdict(dict)
    for c in decision.commitments():
        levels = available[c.location]
        if c.sku not in levels:
            levels[c.sku] = snapshot.location(c.location).available(c.sku)
        levels[c.sku] = max(0, levels[c.sku]) - c.quantity  # as Location.available reads the level left
    return snapshot.with_levels(available) if available else snapshot


def _write(
    session: Session,
    planned: list[_Planned],
    finished: list[LifecycleChange],
    routings: dict[str, OrderRouting],
    now: datetime,
    source: str,
    result: BatchResult,
    read: _Read,
) -> None:
    """Commit every allocation, write every lifecycle change and the timeline, flush the routing rows once,
    plan the deliveries."""
    requests = [
        AllocationRequest(item.change.record.id, c.line_id, c.sku, c.location, c.quantity)
        for item in planned
        for c in item.decision.commitments()
    ]
    allocate_many(session, requests, source=source)
    # the mark of the stock read the decisions were made on (a statement of its own when no stock was read)
    mark = read.ledger_mark if read.ledger_mark is not None else ledger_mark(session)
    changes = finished + [item.change for item in planned]
    write_changes(session, changes)
    timeline = [event for change in finished for event in change.timeline(source)]
    first: list[tuple[str, Decision, bool]] = []
    for item in planned:
        order_id = item.change.record.id
        timeline += item.change.timeline(source)
        data = {**item.decision.to_json(), "fulfillment_orders": item.created, "attempts": 1, "test": item.order.test}
        timeline.append(event_row(order_id, EVENT_BY_OUTCOME[item.decision.outcome], data, source))
        if order_id not in routings:
            first.append((order_id, item.decision, item.order.test))
            continue
        row = stage_decision(session, routings[order_id], order_id, item.decision, test=item.order.test, now=now)
        row.ledger_mark = mark
    insert_first_decisions(session, first, now=now, mark=mark)
    write_statuses(session, changes)
    session.flush()
    append_events(session, timeline)
    orders = {item.change.record.id: item.order for item in planned}
    documents = {item.change.record.id: item.document for item in planned}
    # by order id, as the query planning would otherwise make lists them (a stable sort keeps their positions)
    created = sorted((fo for item in planned for fo in _created(item, read.locations)), key=lambda fo: fo.order_id)
    deliveries = plan_fulfillment_many(session, orders, documents, result.queues, created)
    for item in planned:
        order_id = item.change.record.id
        routed = Routed(order_id, item.decision, item.created, 1, deliveries=tuple(deliveries[order_id]))
        result.routed[order_id] = routed


def _created(item: _Planned, locations: Mapping[str, LocationSpec]) -> list[Created]:
    """The fulfillment orders ``item`` just made, for planning their submits without reading them back.

    Only fresh orders are planned here (every fulfillment order is new and still created, see
    ``_route_batch``); the decision's locations are active ones, so ``locations`` holds each of them.
    """
    lifecycle = item.change.after
    if lifecycle.hold_reason is not None:  # a held order's fulfillment orders wait for the hold's release
        return []
    return [
        Created(fo.id, lifecycle.order_id, fo.location, tuple(fo.lines.values()), spec.fulfilled_by, spec.kind.value)
        for fo in lifecycle.fulfillment_orders.values()
        for spec in (locations[fo.location],)
        if fo.state is FulfillmentState.CREATED
    ]


def _route_again(
    session: Session, order_id: str, rules: RuleSet, now: datetime, source: str, result: BatchResult, alone: list[str]
) -> None:
    """An order routed before (it holds fulfillment orders), in a savepoint of its own within the batch."""
    try:
        with session.begin_nested():
            result.routed[order_id] = route_in_session(
                session, order_id, rules=rules, now=now, source=source, release=False
            )
    except Exception as error:  # noqa: BLE001 - this order only: routed on its own after the batch
        log.info("order %s: routed on its own: %s", order_id, error)
        alone.append(order_id)
