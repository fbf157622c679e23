"""Many lifecycle commands over many orders in one pass: what a chunk of delivery results does to its orders.

``execute_many(session, [(order_id, command), ...], source=...)`` does what ``store.execute`` does for each
pair, in the caller's transaction, but with a fixed number of statements for the whole list instead of a
dozen per command. A ``Note`` in place of a command is a timeline entry of the caller's own, written in its
place among the commands' entries (and only if the order's commands are applied):

1. locks every order named, in order of id (``SELECT ... FOR UPDATE`` on PostgreSQL; one no-op ``UPDATE``
   of them on SQLite, which takes the database's write lock), reading only their ids and statuses;
2. loads all their lifecycles in one go (one query per table);
3. applies each order's commands in the order given, each with the order's own checks: an order whose
   command is refused keeps none of its commands of this call (nothing of it is written) and its refusal is
   returned; the other orders go on;
4. writes what changed: the lifecycles' own rows in one ``UPDATE`` sent for all of them (each guarded by
   the revision it was read at, as the session's version column would guard it, but the session updates
   versioned rows one statement at a time), their line and fulfillment order rows through the session
   (flushed at once), the timeline entries in one ``INSERT``, and the orders' statuses in one ``UPDATE``
   per new status (the stored document's ``status`` set in SQL, so the documents are neither read nor
   rewritten here).

A change that got past the locks (a version column that moved) raises ``LifecycleConflict`` for the whole
call, as ``execute`` does for one command: the caller's savepoint or transaction takes it back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, bindparam, cast, func, insert, literal_column, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from hub.db.models import FulfillmentOrderRecord, OrderEvent, OrderLifecycleRecord, OrderRecord, ReturnRecord
from hub.db.models.base import utcnow
from hub.lifecycle.aggregate import Outcome
from hub.lifecycle.commands import LifecycleCommand
from hub.lifecycle.errors import LifecycleConflict, LifecycleNotFound, LifecycleRejected
from hub.lifecycle.store import _require_locations, _save, to_lifecycle

ROW_COLUMNS = ("state", "updated_at", "validated", "hold_reason", "closed")  # what store._save sets on the row


@dataclass(frozen=True)
class Note:
    """A timeline entry to append among an order's commands (it changes no state)."""

    type: str
    data: dict[str, Any]


Item = LifecycleCommand | Note


@dataclass
class Applied:
    """What ``execute_many`` did: each applied order's outcomes (one per command, in order), and why each
    refused order was refused (nothing of it written)."""

    outcomes: dict[str, list[Outcome]] = field(default_factory=dict)
    refused: dict[str, Exception] = field(default_factory=dict)


def execute_many(session: Session, commands: Sequence[tuple[str, Item]], *, source: str) -> Applied:
    """Apply ``commands`` (see the module docstring); a missing order or lifecycle is a refusal of that order."""
    by_order: dict[str, list[Item]] = defaultdict(list)
    for order_id, command in commands:
        by_order[order_id].append(command)
    ids = sorted(by_order)
    applied = Applied()
    if not ids:
        return applied
    statuses = lock_orders(session, ids)
    rows = read_lifecycles(session, ids)
    events: list[dict[str, Any]] = []
    new_status: dict[str, list[str]] = defaultdict(list)
    changed: list[OrderLifecycleRecord] = []
    for order_id in ids:
        try:
            outcomes, entries = _apply(session, order_id, statuses, rows, by_order[order_id])
        except (LifecycleRejected, LifecycleNotFound) as refused:
            applied.refused[order_id] = refused
            continue
        applied.outcomes[order_id] = outcomes
        if outcomes:
            changed.append(rows[order_id])
        events += [{"order_id": order_id, "source": source, **entry} for entry in entries]
        status = outcomes[-1].lifecycle.status.value if outcomes else statuses[order_id]
        if statuses[order_id] != status:
            new_status[status].append(order_id)
    try:
        _write_lifecycle_rows(session, changed)
        session.flush()
    except StaleDataError:
        what = f"orders {', '.join(ids)} changed while commands were applied to them"
        raise LifecycleConflict(f"{what}; nothing was written: run them again") from None
    append_events(session, events)
    _set_statuses(session, new_status)
    return applied


def _apply(
    session: Session,
    order_id: str,
    statuses: dict[str, str],
    rows: dict[str, OrderLifecycleRecord],
    items: list[Item],
) -> tuple[list[Outcome], list[dict[str, Any]]]:
    """One order's items applied in turn: the commands' outcomes and the timeline entries, in order."""
    if order_id not in statuses:
        raise LifecycleNotFound(f"no order {order_id!r} is stored")
    row = rows.get(order_id)
    if row is None:
        raise LifecycleNotFound(f"order {order_id!r} has no lifecycle yet: start it first (hub.lifecycle.store.start)")
    before = current = to_lifecycle(row)
    outcomes, entries = [], []
    for item in items:
        if isinstance(item, Note):
            entries.append({"type": item.type, "data": item.data})
            continue
        _require_locations(session, item)
        outcome = current.apply(item)
        outcomes.append(outcome)
        entries.append({"type": outcome.timeline_type, "data": outcome.timeline_data})
        current = outcome.lifecycle
    if outcomes:
        _save(row, before, current)
    return outcomes, entries


def _write_lifecycle_rows(session: Session, rows: list[OrderLifecycleRecord]) -> None:
    """The changed columns of the lifecycles' own rows, sent as one statement with a set of values per row;
    each row is marked as stored with its next revision, so the session's flush leaves it alone."""
    if not rows:
        return
    table = OrderLifecycleRecord.__table__
    values = []
    for row in rows:
        seen = row.revision
        current = {name: getattr(row, name) for name in ROW_COLUMNS}
        values.append({"b_order_id": row.order_id, "b_seen": seen, "b_next": seen + 1, **current})
        for name, value in {**current, "revision": seen + 1}.items():
            set_committed_value(row, name, value)
    statement = (
        update(table)
        .where(table.c.order_id == bindparam("b_order_id"), table.c.revision == bindparam("b_seen"))
        .values({**{name: bindparam(name) for name in ROW_COLUMNS}, "revision": bindparam("b_next")})
    )
    written = session.connection().execute(statement, values).rowcount
    if written != len(values):
        raise StaleDataError(f"{len(values) - written} of {len(values)} lifecycle rows changed since they were read")


def lock_orders(session: Session, ids: list[str]) -> dict[str, str]:
    """Lock the orders ``ids`` in order of id until the transaction ends (see ``store._locked_order`` for why
    SQLite needs a write); returns the status of each that is stored."""
    query = select(OrderRecord.id, OrderRecord.status).where(OrderRecord.id.in_(ids)).order_by(OrderRecord.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=OrderRecord)
    else:
        same = update(OrderRecord).where(OrderRecord.id.in_(ids)).values(revision=OrderRecord.revision)
        session.execute(same.execution_options(synchronize_session=False))
    return {row.id: row.status for row in session.execute(query)}


def read_lifecycles(session: Session, order_ids: Iterable[str]) -> dict[str, OrderLifecycleRecord]:
    """The lifecycle rows of the orders that have one, every child row loaded (one query per table)."""
    query = (
        select(OrderLifecycleRecord)
        .where(OrderLifecycleRecord.order_id.in_(sorted(set(order_ids))))
        .options(
            selectinload(OrderLifecycleRecord.lines),
            selectinload(OrderLifecycleRecord.fulfillment_orders).selectinload(FulfillmentOrderRecord.lines),
            selectinload(OrderLifecycleRecord.returns).selectinload(ReturnRecord.lines),
        )
        .execution_options(populate_existing=True)
    )
    return {row.order_id: row for row in session.scalars(query)}


def append_events(session: Session, events: Sequence[dict[str, Any]]) -> None:
    """Timeline entries (``order_id``, ``type``, ``source``, ``data``, optionally ``occurred_at``) in one
    statement, in the order given (their ids keep that order)."""
    if not events:
        return
    now = utcnow()
    rows = [{"occurred_at": now, "inbox_message_id": None, **event} for event in events]
    session.execute(insert(OrderEvent), rows)


def _set_statuses(session: Session, new_status: dict[str, list[str]]) -> None:
    """``orders.status`` and the document's ``status`` of each order, one statement per status; the
    version column moves as an ORM update would move it, and loaded copies of these orders are expired so
    that nobody flushes a stale one."""
    if not new_status:
        return
    postgres = session.get_bind().dialect.name == "postgresql"
    now = utcnow()
    for status, ids in sorted(new_status.items()):
        document = (
            func.jsonb_set(OrderRecord.document, literal_column("'{status}'"), func.to_jsonb(cast(status, Text)))
            if postgres
            else func.json_set(OrderRecord.document, "$.status", status)
        )
        session.execute(
            update(OrderRecord)
            .where(OrderRecord.id.in_(ids))
            .values(status=status, document=document, revision=OrderRecord.revision + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    changed = {order_id for ids in new_status.values() for order_id in ids}
    for instance in list(session.identity_map.values()):
        if isinstance(instance, OrderRecord) and instance.id in changed:
            session.expire(instance)
