"""Lifecycles of a batch of orders, locked and read together, changed in memory, written with a few statements.

``hub.lifecycle.store.execute`` applies one command to one order: it locks the order, reads its lifecycle
(five queries), writes what changed through the session and flushes. A routing batch changes many orders
in the same few ways (start the lifecycle, validate, a fulfillment order per location, backorders), so
this module locks every order with one statement (``lock_orders``), lets the caller apply a sequence of
commands to each in memory (``LifecycleChange``: pure, so a refusal raises before anything is written and
leaves the other orders alone), and ``write_changes`` stores them all with one multi-row statement per
table rather than the session's unit of work, which spent more time tracking the new rows' attributes and
sorting its flush than the database spent storing them:

* new lifecycles and their line rows: one ``INSERT`` each for the batch;
* lifecycles read before: one ``UPDATE`` for all of them, each guarded by the revision it was read at (a
  change that got past the lock raises ``LifecycleConflict`` and the caller's transaction takes the batch
  back), and one for the line rows that changed;
* new fulfillment orders and their lines: one ``INSERT`` each.

The statements are the tables' own (Core), not the ORM's bulk forms, which still walk the mapper for every
row; the ORM's relationships and defaults have nothing to add to rows built whole here.

The rows are those ``execute`` would have stored, command by command: the same columns and positions, one
timeline event per command in order (returned for the caller to insert with the batch's others). A change
these statements do not cover (a fulfillment order or return that existed before and changed) is staged
through the session as ``execute`` would, for the caller's flush. ``write_statuses`` sets every order's
status from its rollup.

The lock is ``execute``'s (``FOR UPDATE`` on PostgreSQL, in order id order so two batches cannot deadlock;
the write lock on SQLite). The session's copies of lifecycle rows read before are kept equal to what was
written, so reading one later in the transaction sees the new hold or state; new lifecycles are not put in
the session (building a mapped object per order cost more than the insert): one read later in the
transaction (rare: delivery planning is handed the new fulfillment orders) is a query like any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, text, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from hub.db.bulk import insert_rows, update_rows
from hub.db.models import (
    FulfillmentOrderLineRecord,
    FulfillmentOrderRecord,
    LineQuantityRecord,
    OrderLifecycleRecord,
    OrderRecord,
)
from hub.db.models.base import utcnow
from hub.lifecycle.aggregate import OrderLifecycle
from hub.lifecycle.batch import REVISION_GUARD
from hub.lifecycle.commands import LifecycleCommand
from hub.lifecycle.errors import LifecycleConflict
from hub.lifecycle.quantities import Line
from hub.lifecycle.store import STARTED, _save, _set_status, to_lifecycle

ROW_COLUMNS = ("state", "validated", "hold_reason", "closed", "updated_at")


def event_row(order_id: str, type_: str, data: dict[str, Any], source: str) -> dict[str, Any]:
    """A timeline event as ``hub.orders.store.record_event`` writes it, as a row for one multi-row insert."""
    return {"order_id": order_id, "type": type_, "source": source, "data": data, "occurred_at": utcnow()}


@dataclass(frozen=True)
class Locked:
    records: dict[str, OrderRecord]  # order id -> the order, locked
    marked: dict[str, set[str]]  # mark name -> the orders it held for


def lock_orders(session: Session, order_ids: Iterable[str]) -> dict[str, OrderRecord]:
    """The stored orders among ``order_ids``, locked until the transaction ends, with their lines."""
    return lock_marked(session, order_ids, {}).records


def lock_marked(session: Session, order_ids: Iterable[str], marks: Mapping[str, ColumnElement[bool]]) -> Locked:
    """``lock_orders``, and per name of ``marks`` (a condition on the order's row, such as "it has a
    lifecycle") the orders it held for.

    A mark is read by the locking statement itself, so it costs no statement of its own; but on PostgreSQL
    it is read as the statement began, before any wait for a lock another transaction held: a row that
    transaction added is not in it. A caller skipping a read on a mark must let such a row refuse its write
    (a primary key does) and take its transaction back."""
    ids, named = sorted(set(order_ids)), dict(marks)
    columns = [condition.label(name) for name, condition in named.items()]
    query = select(OrderRecord, *columns).where(OrderRecord.id.in_(ids)).order_by(OrderRecord.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=OrderRecord)
    else:  # a write that changes nothing takes SQLite's write lock (see hub.lifecycle.store)
        same = update(OrderRecord).where(OrderRecord.id.in_(ids)).values(revision=OrderRecord.revision)
        session.execute(same.execution_options(synchronize_session=False))
    query = query.options(selectinload(OrderRecord.lines)).execution_options(populate_existing=True)
    locked = Locked({}, {name: set() for name in named})
    for row in session.execute(query):
        record = row[0]
        locked.records[record.id] = record
        for position, name in enumerate(named, start=1):
            if row[position]:
                locked.marked[name].add(record.id)
    return locked


@dataclass
class LifecycleChange:
    """One order's lifecycle as read (or as started now) and the commands applied to it so far."""

    record: OrderRecord
    row: OrderLifecycleRecord | None  # None: the order has no lifecycle yet; ``write_changes`` starts it
    before: OrderLifecycle
    after: OrderLifecycle
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @classmethod
    def of(cls, record: OrderRecord, row: OrderLifecycleRecord | None) -> LifecycleChange:
        if row is not None:
            lifecycle = to_lifecycle(row)
            return cls(record, row, lifecycle, lifecycle)
        lines = [(line.line_id, line.sku, line.quantity) for line in record.lines]
        started = OrderLifecycle.start(record.id, lines, cancelled=record.status == "cancelled")
        ordered = {line_id: line.quantities.ordered for line_id, line in started.lines.items()}
        return cls(record, None, started, started, [(STARTED, {"state": started.state.value, "lines": ordered})])

    def apply(self, command: LifecycleCommand) -> OrderLifecycle:
        """Apply ``command`` in memory (a refusal raises and changes nothing); the lifecycle after it."""
        outcome = self.after.apply(command)
        self.after = outcome.lifecycle
        self.events.append((command.timeline_type, outcome.timeline_data))
        return self.after

    def timeline(self, source: str) -> list[dict[str, Any]]:
        """The change's timeline events, one per command in order, as rows for ``append_events``."""
        return [event_row(self.record.id, type_, data, source) for type_, data in self.events]

    def covered(self) -> bool:
        """Whether ``write_changes``'s statements store the whole change: only fulfillment orders and returns
        that did not exist before may differ."""
        before, after = self.before, self.after
        return all(before.fulfillment_orders.get(i, fo) == fo for i, fo in after.fulfillment_orders.items()) and all(
            before.returns.get(i) == rma for i, rma in after.returns.items()
        )


def write_changes(session: Session, changes: Sequence[LifecycleChange]) -> None:
    """Store every change's rows (see the module docstring); their timeline events are the caller's."""
    now = utcnow()
    staged = [c for c in changes if c.row is not None and not c.covered()]
    for change in staged:  # rare on this path: the session writes it, its version column guarding the row
        assert change.row is not None
        _save(change.row, change.before, change.after)
    written = [c for c in changes if c not in staged]
    read = [c for c in written if c.row is not None]  # before the insert gives the new ones their rows
    _insert_lifecycles(session, [c for c in written if c.row is None], now)
    _update_lifecycles(session, read, now)
    _insert_fulfillment_orders(session, written, now)


def _insert_lifecycles(session: Session, changes: list[LifecycleChange], now: datetime) -> None:
    if not changes:
        return
    rows, lines = [], []
    for change in changes:
        rows.append({"order_id": change.record.id, **_row_values(change.after, now), "created_at": now, "revision": 1})
        for position, line in enumerate(change.after.lines.values()):
            lines.append({"order_id": change.record.id, "position": position, "line_id": line.line_id, **_line(line)})
    insert_rows(session, OrderLifecycleRecord.__table__, rows)
    insert_rows(session, LineQuantityRecord.__table__, lines)


def _update_lifecycles(session: Session, changes: list[LifecycleChange], now: datetime) -> None:
    """Every row updated, changed or not (as ``execute`` touches it), each guarded by its revision."""
    if not changes:
        return
    table, lines = OrderLifecycleRecord.__table__, LineQuantityRecord.__table__
    values, line_values = [], []
    for change in changes:
        row = change.row
        assert row is not None
        current = _row_values(change.after, now)
        values.append({"b_order_id": row.order_id, "b_seen": row.revision, "b_next": row.revision + 1, **current})
        ids = {r.line_id: r for r in row.lines}
        for line_id, line in change.after.lines.items():
            if line != change.before.lines[line_id]:
                line_values.append({"b_id": ids[line_id].id, "state": line.state.value, **line.quantities.as_dict()})
                session.expire(ids[line_id])
    try:
        update_rows(session, table, values, REVISION_GUARD)
    except StaleDataError:
        ids = ", ".join(change.record.id for change in changes)
        raise LifecycleConflict(
            f"orders {ids} changed while they were routed; nothing was written: route them again"
        ) from None
    for change, row_values in zip(changes, values, strict=True):
        for name in ROW_COLUMNS:
            set_committed_value(change.row, name, row_values[name])
        set_committed_value(change.row, "revision", row_values["b_next"])
    update_rows(session, lines, line_values, {"id": "b_id"})


def _insert_fulfillment_orders(session: Session, changes: list[LifecycleChange], now: datetime) -> None:
    orders, lines = [], []
    for change in changes:
        known = change.before.fulfillment_orders
        new = [fo for fo_id, fo in change.after.fulfillment_orders.items() if fo_id not in known]
        for position, fo in enumerate(new, start=len(known)):
            orders.append(
                {"id": fo.id, "order_id": change.record.id, "position": position, "location_id": fo.location}
                | {"state": fo.state.value, "reason": fo.reason, "external_id": fo.external_id}
                | {"created_at": now, "updated_at": now}
            )
            for line_position, line in enumerate(fo.lines.values()):
                quantities = {"quantity": line.quantity, "shipped": line.shipped, "cancelled": line.cancelled}
                lines.append(
                    {"fulfillment_order_id": fo.id, "position": line_position, "line_id": line.line_id}
                    | {"sku": line.sku, **quantities}
                )
    insert_rows(session, FulfillmentOrderRecord.__table__, orders)
    insert_rows(session, FulfillmentOrderLineRecord.__table__, lines)


def _row_values(lifecycle: OrderLifecycle, now: datetime) -> dict[str, Any]:
    return {
        "state": lifecycle.state.value,
        "validated": lifecycle.validated,
        "hold_reason": lifecycle.hold_reason,
        "closed": lifecycle.closed,
        "updated_at": now,
    }


def _line(line: Line) -> dict[str, Any]:
    return {"sku": line.sku, "state": line.state.value, **line.quantities.as_dict()}


ORDER_STATUSES = text(
    """
UPDATE orders
SET status = v.status, document = jsonb_set(orders.document, '{status}', to_jsonb(v.status)),
    updated_at = CAST(:now AS TIMESTAMPTZ), revision = orders.revision + 1
FROM unnest(CAST(:ids AS VARCHAR[]), CAST(:statuses AS VARCHAR[])) AS v(id, status)
WHERE orders.id = v.id
"""
)


def write_statuses(session: Session, changes: Sequence[LifecycleChange]) -> None:
    """Each order's status (the column and the document's ``status``) from its lifecycle after the change,
    as ``execute`` sets it. On PostgreSQL, one statement for the batch rather than one update per order
    (each carrying the whole document); the orders are locked, and the session's copies are brought up to
    date with what was written, revision included, so nothing is written twice."""
    changed = [(c.record, c.after.status.value) for c in changes if c.record.status != c.after.status.value]
    if session.get_bind().dialect.name != "postgresql":
        for change in changes:
            _set_status(change.record, change.after)
        return
    if not changed:
        return
    now = utcnow()
    params = {"ids": [r.id for r, _ in changed], "statuses": [status for _, status in changed], "now": now}
    session.connection().execute(ORDER_STATUSES, params)
    for record, status in changed:
        set_committed_value(record, "status", status)
        set_committed_value(record, "document", {**record.document, "status": status})
        set_committed_value(record, "updated_at", now)
        set_committed_value(record, "revision", record.revision + 1)
