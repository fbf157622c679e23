"""The order lifecycle on the database: follow a stored order, apply commands atomically, read it back.

::

    with database.session() as session:
        lifecycle = start(session, order_id, source="worker")           # once per order; idempotent
    with database.session() as session:
        outcome = execute(session, order_id, SendFulfillmentOrder(id="ful_1"), source="worker")
        for effect in outcome.effects: ...                                # same transaction (hub.inventory)

``execute`` runs inside the caller's transaction and, for one command:

1. locks the order: ``SELECT ... FOR UPDATE`` of its ``orders`` row on PostgreSQL (the row channel updates
   lock too); on SQLite a write that changes nothing takes the database's write lock, since reads outside a
   write transaction would not share one snapshot;
2. loads lines, fulfillment orders and returns into an ``OrderLifecycle`` and applies the command (pure:
   a refusal raises before anything is written);
3. writes back only what changed, bumping ``order_lifecycles.revision`` with a conditional update
   (``UPDATE ... WHERE revision = :seen``): a change that got past the lock surfaces as ``LifecycleConflict``
   and nothing is written;
4. appends the command's event to the order timeline (``hub.orders.store.record_event``) with every state
   and quantity it changed and its effects;
5. sets ``orders.status`` (and the stored document's ``status``) to the canonical status of the rollup.

Locations named by commands must exist in ``inventory_locations``; the effects are for the caller to carry
out with ``hub.inventory`` in the same transaction. ``load`` reads a lifecycle back, and
``find_fulfillment_orders`` lists fulfillment orders by state and location (what a sender or tracker picks up).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from hub.db.models import (
    FulfillmentOrderLineRecord,
    FulfillmentOrderRecord,
    LineQuantityRecord,
    Location,
    OrderLifecycleRecord,
    OrderRecord,
    ReturnLineRecord,
    ReturnRecord,
)
from hub.db.models.base import utcnow
from hub.lifecycle.aggregate import OrderLifecycle, Outcome
from hub.lifecycle.commands import LifecycleCommand
from hub.lifecycle.consistency import consistency_problems
from hub.lifecycle.errors import LifecycleConflict, LifecycleNotFound, UnknownReference
from hub.lifecycle.fulfillment import FulfillmentLine, FulfillmentOrder, FulfillmentState
from hub.lifecycle.quantities import BUCKETS, Line, LineQuantities
from hub.lifecycle.returns import ReturnAuthorization, ReturnLine, ReturnState
from hub.orders.store import record_event

STARTED = "order.lifecycle_started"
READ_ATTEMPTS = 5


def start(session: Session, order_id: str, *, source: str) -> OrderLifecycle:
    """Follow the stored order ``order_id`` from its lines; returns the existing lifecycle when there is one.

    An order the channel already cancelled starts with every unit cancelled.
    """
    order = _locked_order(session, order_id)
    existing = session.get(OrderLifecycleRecord, order_id)
    if existing is not None:
        return to_lifecycle(existing)
    lifecycle = OrderLifecycle.start(
        order_id,
        [(line.line_id, line.sku, line.quantity) for line in order.lines],
        cancelled=order.status == "cancelled",
    )
    row = OrderLifecycleRecord(order_id=order_id, state=lifecycle.state.value)
    row.lines = [_new_line_row(position, line) for position, line in enumerate(lifecycle.lines.values())]
    session.add(row)
    lines = {line_id: line.quantities.ordered for line_id, line in lifecycle.lines.items()}
    record_event(session, order_id, STARTED, source=source, data={"state": lifecycle.state.value, "lines": lines})
    _set_status(order, lifecycle)
    try:
        session.flush()
    except IntegrityError:  # another transaction started it first (SQLite; PostgreSQL waits on the lock)
        raise LifecycleConflict(f"order {order_id!r} was started concurrently; start it again to read it") from None
    return lifecycle


def load(session: Session, order_id: str) -> OrderLifecycle:
    """The stored lifecycle of ``order_id``, for reading (no lock).

    Its rows are read in a few queries; where those do not share one snapshot (SQLite outside a write
    transaction) a change committed in between could mix two versions, so such a read is taken again.
    """
    for _attempt in range(READ_ATTEMPTS):
        lifecycle = to_lifecycle(_lifecycle_row(session, order_id))
        if not consistency_problems(lifecycle):
            return lifecycle
    raise LifecycleConflict(f"order {order_id!r} kept changing while it was read; read it again")


def execute(session: Session, order_id: str, command: LifecycleCommand, *, source: str) -> Outcome:
    """Apply ``command`` to the stored order; see the module docstring for what happens, in order."""
    order = _locked_order(session, order_id)
    row = _lifecycle_row(session, order_id)
    _require_locations(session, command)
    before = to_lifecycle(row)
    outcome = before.apply(command)
    _save(row, before, outcome.lifecycle)
    record_event(session, order_id, command.timeline_type, source=source, data=outcome.timeline_data)
    _set_status(order, outcome.lifecycle)
    try:
        session.flush()
    except StaleDataError:
        raise LifecycleConflict(
            f"order {order_id!r} changed while {command.do} was applied to it; nothing was written: run it again"
        ) from None
    return outcome


def find_fulfillment_orders(
    session: Session, state: FulfillmentState, *, location_id: str | None = None, limit: int = 100
) -> list[tuple[str, str]]:
    """``(order_id, fulfillment_order_id)`` of fulfillment orders in ``state`` (at ``location_id``), oldest
    first: what a sender looks for (``created``) or a tracker follows (``sent``, ``accepted``)."""
    query = select(FulfillmentOrderRecord.order_id, FulfillmentOrderRecord.id).where(
        FulfillmentOrderRecord.state == state.value
    )
    if location_id is not None:
        query = query.where(FulfillmentOrderRecord.location_id == location_id)
    query = query.order_by(FulfillmentOrderRecord.created_at, FulfillmentOrderRecord.id).limit(limit)
    return [(order_id, fulfillment_order_id) for order_id, fulfillment_order_id in session.execute(query)]


def _locked_order(session: Session, order_id: str) -> OrderRecord:
    """The order's row, locked until the transaction ends, so that everything read after it is consistent."""
    query = select(OrderRecord).where(OrderRecord.id == order_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    else:
        # SQLite has no row locks, and reads outside a write transaction each see their own snapshot: a write
        # that changes nothing takes the database's write lock first, so the rows read next cannot move
        same = update(OrderRecord).where(OrderRecord.id == order_id).values(revision=OrderRecord.revision)
        session.execute(same.execution_options(synchronize_session=False))
    order = session.scalars(query).one_or_none()
    if order is None:
        raise LifecycleNotFound(f"no order {order_id!r} is stored")
    return order


def _lifecycle_row(session: Session, order_id: str) -> OrderLifecycleRecord:
    # every row of the order in four queries, refreshed even if this session read them earlier
    query = (
        select(OrderLifecycleRecord)
        .where(OrderLifecycleRecord.order_id == order_id)
        .options(
            selectinload(OrderLifecycleRecord.lines),
            selectinload(OrderLifecycleRecord.fulfillment_orders).selectinload(FulfillmentOrderRecord.lines),
            selectinload(OrderLifecycleRecord.returns).selectinload(ReturnRecord.lines),
        )
        .execution_options(populate_existing=True)
    )
    row = session.scalars(query).one_or_none()
    if row is None:
        if session.get(OrderRecord, order_id) is None:
            raise LifecycleNotFound(f"no order {order_id!r} is stored")
        raise LifecycleNotFound(f"order {order_id!r} has no lifecycle yet: start it first (hub.lifecycle.store.start)")
    return row


def _require_locations(session: Session, command: LifecycleCommand) -> None:
    location = getattr(command, "location", None)
    if location is not None and session.get(Location, location) is None:
        raise UnknownReference(
            f"{command.do}: location {location!r} is not an inventory location; add it with "
            "`orderhub location add` or name one `orderhub location list` shows"
        )


def _set_status(order: OrderRecord, lifecycle: OrderLifecycle) -> None:
    status = lifecycle.status.value
    if order.status != status:
        order.status = status
        order.document = {**order.document, "status": status}


def to_lifecycle(row: OrderLifecycleRecord) -> OrderLifecycle:
    """The value the rows of one order hold."""
    lines = {
        r.line_id: Line(r.line_id, r.sku, LineQuantities(**{name: getattr(r, name) for name in BUCKETS}))
        for r in row.lines
    }
    fulfillment_orders = {
        r.id: FulfillmentOrder(
            r.id,
            r.location_id,
            {fl.line_id: FulfillmentLine(fl.line_id, fl.sku, fl.quantity, fl.shipped, fl.cancelled) for fl in r.lines},
            FulfillmentState(r.state),
            r.reason,
            r.external_id,
        )
        for r in row.fulfillment_orders
    }
    returns = {
        r.id: ReturnAuthorization(
            r.id,
            {rl.line_id: _return_line(rl) for rl in r.lines},
            ReturnState(r.state),
            r.rma_number,
            r.location_id,
            r.reason,
            dict(r.replacements),
        )
        for r in row.returns
    }
    return OrderLifecycle(
        order_id=row.order_id,
        lines=lines,
        validated=row.validated,
        hold_reason=row.hold_reason,
        closed=row.closed,
        fulfillment_orders=fulfillment_orders,
        returns=returns,
    )


def _return_line(r: ReturnLineRecord) -> ReturnLine:
    return ReturnLine(r.line_id, r.sku, r.requested, r.received, r.cancelled, r.restocked, r.disposed, r.condition)


def _save(row: OrderLifecycleRecord, before: OrderLifecycle, after: OrderLifecycle) -> None:
    now = utcnow()
    # always touched, so the version column guards every change, even one that only moves line rows
    row.state, row.updated_at = after.state.value, now
    row.validated, row.hold_reason, row.closed = after.validated, after.hold_reason, after.closed
    line_rows = {r.line_id: r for r in row.lines}
    for line_id, line in after.lines.items():
        if line != before.lines[line_id]:
            _copy(line_rows[line_id], line.quantities.as_dict(), state=line.state.value)
    fo_rows = {r.id: r for r in row.fulfillment_orders}
    for fo in _changed(after.fulfillment_orders.values(), before.fulfillment_orders):
        if fo.id not in fo_rows:
            fo_rows[fo.id] = FulfillmentOrderRecord(id=fo.id, position=len(fo_rows), location_id=fo.location)
            row.fulfillment_orders.append(fo_rows[fo.id])
        _save_fulfillment_order(fo_rows[fo.id], fo, now)
    return_rows = {r.id: r for r in row.returns}
    for rma in _changed(after.returns.values(), before.returns):
        if rma.id not in return_rows:
            return_rows[rma.id] = ReturnRecord(id=rma.id, position=len(return_rows))
            row.returns.append(return_rows[rma.id])
        _save_return(return_rows[rma.id], rma, now)


def _changed(documents: Iterable[Any], before: Any) -> list[Any]:
    return [document for document in documents if before.get(document.id) != document]


def _copy(target: Any, values: dict[str, Any], **more: Any) -> None:
    for name, value in {**values, **more}.items():
        if getattr(target, name) != value:
            setattr(target, name, value)


def _save_fulfillment_order(target: FulfillmentOrderRecord, fo: FulfillmentOrder, now: datetime) -> None:
    _copy(target, {"state": fo.state.value, "reason": fo.reason, "external_id": fo.external_id}, updated_at=now)
    rows = {r.line_id: r for r in target.lines}
    for position, line in enumerate(fo.lines.values()):
        if line.line_id not in rows:
            rows[line.line_id] = FulfillmentOrderLineRecord(position=position, line_id=line.line_id, sku=line.sku)
            target.lines.append(rows[line.line_id])
        _copy(rows[line.line_id], {"quantity": line.quantity, "shipped": line.shipped, "cancelled": line.cancelled})


def _save_return(target: ReturnRecord, rma: ReturnAuthorization, now: datetime) -> None:
    values = {"state": rma.state.value, "rma_number": rma.rma_number, "location_id": rma.location}
    _copy(target, {**values, "reason": rma.reason, "replacements": dict(rma.replacements)}, updated_at=now)
    rows = {r.line_id: r for r in target.lines}
    for position, line in enumerate(rma.lines.values()):
        if line.line_id not in rows:
            rows[line.line_id] = ReturnLineRecord(position=position, line_id=line.line_id, sku=line.sku)
            target.lines.append(rows[line.line_id])
        counts = {name: getattr(line, name) for name in ("requested", "received", "cancelled", "restocked", "disposed")}
        _copy(rows[line.line_id], {**counts, "condition": line.condition})


def _new_line_row(position: int, line: Line) -> LineQuantityRecord:
    return LineQuantityRecord(
        position=position, line_id=line.line_id, sku=line.sku, state=line.state.value, **line.quantities.as_dict()
    )
