"""Lifecycles of a batch of orders, locked and read together, changed in memory, written back in one flush.

``hub.lifecycle.store.execute`` applies one command to one order: it locks the order, reads its lifecycle
(five queries), writes what changed and flushes. Routing one fresh order used it four times or more
(start, validate, a fulfillment order per location, backorders), so most of a routing's statements were
the same rows read again. For a batch of orders this module locks every order with one statement, reads
every lifecycle with one query per table (``hub.lifecycle.batch.read_lifecycles``, shared with the delivery
results' ``execute_many``, as is its one-statement timeline insert ``append_events``), and lets the caller
apply a sequence of commands to each in memory (``LifecycleChange``): pure, so a refusal raises before
anything is written, and leaves the other orders of the batch alone. ``write`` then stores each change
exactly as ``execute`` would have, command by command on the timeline (one event per command, in order),
the rows by their difference from what was read; ``write_statuses`` sets every order's status from the
rollup; the caller flushes once for the batch.

The lock is the same one ``execute`` takes (``FOR UPDATE`` on PostgreSQL, in order id order so two
batches cannot deadlock; the write lock on SQLite), and the revision column still guards every lifecycle
row when the flush writes it. The write helpers are ``hub.lifecycle.store``'s own, so a row is stored the
same way on both paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from hub.db.models import OrderLifecycleRecord, OrderRecord
from hub.db.models.base import utcnow
from hub.lifecycle import OrderLifecycle
from hub.lifecycle.commands import LifecycleCommand
from hub.lifecycle.store import STARTED, _new_line_row, _save, _set_status, to_lifecycle


def event_row(order_id: str, type_: str, data: dict[str, Any], source: str) -> dict[str, Any]:
    """A timeline event as ``hub.orders.store.record_event`` writes it, as a row for one multi-row insert."""
    return {"order_id": order_id, "type": type_, "source": source, "data": data, "occurred_at": utcnow()}


def lock_orders(session: Session, order_ids: Iterable[str]) -> dict[str, OrderRecord]:
    """The stored orders among ``order_ids``, locked until the transaction ends, with their lines."""
    ids = sorted(set(order_ids))
    query = select(OrderRecord).where(OrderRecord.id.in_(ids)).order_by(OrderRecord.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=OrderRecord)
    else:  # a write that changes nothing takes SQLite's write lock (see hub.lifecycle.store)
        same = update(OrderRecord).where(OrderRecord.id.in_(ids)).values(revision=OrderRecord.revision)
        session.execute(same.execution_options(synchronize_session=False))
    query = query.options(selectinload(OrderRecord.lines)).execution_options(populate_existing=True)
    return {record.id: record for record in session.scalars(query)}


@dataclass
class LifecycleChange:
    """One order's lifecycle as read (or as started now) and the commands applied to it so far."""

    record: OrderRecord
    row: OrderLifecycleRecord | None  # None: the order has no lifecycle yet; ``write`` starts it
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

    def write(self, session: Session, timeline: list[dict[str, Any]], *, source: str) -> OrderLifecycleRecord:
        """Stage the change in the session (the caller flushes), as ``execute`` would have stored it; its
        timeline events are appended to ``timeline``, for the caller to insert with the batch's others."""
        row = self.row
        if row is None:
            row = OrderLifecycleRecord(order_id=self.record.id, state=self.before.state.value)
            row.lines = [_new_line_row(position, line) for position, line in enumerate(self.before.lines.values())]
            session.add(row)
            self.row = row
        _save(row, self.before, self.after)
        for type_, data in self.events:
            timeline.append(event_row(self.record.id, type_, data, source))
        return row


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
