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

from sqlalchemy import Text, cast, func, literal_column, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from hub.db.bulk import insert_rows, update_rows
from hub.db.models import (
    FulfillmentOrderLineRecord,
    FulfillmentOrderRecord,
    LineQuantityRecord,
    OrderEvent,
    OrderLifecycleRecord,
    OrderRecord,
    ReturnRecord,
)
from hub.db.models.base import utcnow
from hub.lifecycle.aggregate import OrderLifecycle, Outcome
from hub.lifecycle.commands import LifecycleCommand
from hub.lifecycle.errors import LifecycleConflict, LifecycleNotFound, LifecycleRejected
from hub.lifecycle.fulfillment import FulfillmentLine, FulfillmentOrder, FulfillmentState
from hub.lifecycle.quantities import BUCKETS, Line, LineQuantities
from hub.lifecycle.store import _require_locations, _save, to_lifecycle

ROW_COLUMNS = ("state", "updated_at", "validated", "hold_reason", "closed")  # what store._save sets on the row
EVENTS = OrderEvent.__table__
# A lifecycle row is written only at the revision it was read at (``b_seen``), as its version column guards it.
REVISION_GUARD = {"order_id": "b_order_id", "revision": "b_seen"}


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
    stored = read_plain(session, [order_id for order_id in ids if order_id in statuses])
    entries: dict[str, list[dict[str, Any]]] = {}
    plain: list[PlainWrite] = []
    heavy: list[str] = []
    for order_id in ids:
        try:
            if order_id not in stored:
                heavy.append(order_id)
                continue
            outcomes, entries[order_id], write = _apply_plain(session, stored[order_id], by_order[order_id])
        except (LifecycleRejected, LifecycleNotFound) as refused:
            applied.refused[order_id] = refused
            continue
        if write is None:  # it changes rows the plain writes do not cover: the ORM's path takes it
            heavy.append(order_id)
            del entries[order_id]
            continue
        applied.outcomes[order_id] = outcomes
        plain.append(write)
    changed = _apply_loaded(session, heavy, statuses, by_order, applied, entries)
    try:
        _write_plain(session, plain)
        _write_lifecycle_rows(session, changed)
        session.flush()
    except StaleDataError:
        what = f"orders {', '.join(ids)} changed while commands were applied to them"
        raise LifecycleConflict(f"{what}; nothing was written: run them again") from None
    _expire(session, {write.order_id for write in plain})
    append_events(session, [{"order_id": o, "source": source, **entry} for o in ids for entry in entries.get(o, [])])
    _set_statuses(session, _new_statuses(statuses, applied))
    return applied


def _apply_loaded(
    session: Session,
    ids: list[str],
    statuses: dict[str, str],
    by_order: dict[str, list[Item]],
    applied: Applied,
    entries: dict[str, list[dict[str, Any]]],
) -> list[OrderLifecycleRecord]:
    """The orders ``ids`` through the ORM's rows (loaded whole): their outcomes and refusals noted in
    ``applied``, their timeline entries in ``entries``; returns the lifecycle rows that changed."""
    rows = read_lifecycles(session, ids) if ids else {}
    changed = []
    for order_id in ids:
        try:
            outcomes, entries[order_id] = _apply(session, order_id, statuses, rows, by_order[order_id])
        except (LifecycleRejected, LifecycleNotFound) as refused:
            applied.refused[order_id] = refused
            continue
        applied.outcomes[order_id] = outcomes
        if outcomes:
            changed.append(rows[order_id])
    return changed


def _new_statuses(statuses: dict[str, str], applied: Applied) -> dict[str, list[str]]:
    """Order ids by the status each applied order now shows, for those whose status moved."""
    new_status: dict[str, list[str]] = defaultdict(list)
    for order_id, outcomes in sorted(applied.outcomes.items()):
        status = outcomes[-1].lifecycle.status.value if outcomes else statuses[order_id]
        if statuses[order_id] != status:
            new_status[status].append(order_id)
    return new_status


def _apply(
    session: Session,
    order_id: str,
    statuses: dict[str, str],
    rows: dict[str, OrderLifecycleRecord],
    items: list[Item],
) -> tuple[list[Outcome], list[dict[str, Any]]]:
    """One order's items applied in turn to its loaded rows: the commands' outcomes and the timeline entries."""
    if order_id not in statuses:
        raise LifecycleNotFound(f"no order {order_id!r} is stored")
    row = rows.get(order_id)
    if row is None:
        raise LifecycleNotFound(f"order {order_id!r} has no lifecycle yet: start it first (hub.lifecycle.store.start)")
    before = to_lifecycle(row)
    outcomes, entries, after = _run(session, before, items)
    if outcomes:
        _save(row, before, after)
    return outcomes, entries


def _run(
    session: Session, lifecycle: OrderLifecycle, items: list[Item]
) -> tuple[list[Outcome], list[dict[str, Any]], OrderLifecycle]:
    """``items`` applied in turn: the commands' outcomes, the timeline entries in order, the lifecycle after."""
    outcomes, entries = [], []
    for item in items:
        if isinstance(item, Note):
            entries.append({"type": item.type, "data": item.data})
            continue
        _require_locations(session, item)
        outcome = lifecycle.apply(item)
        outcomes.append(outcome)
        entries.append({"type": outcome.timeline_type, "data": outcome.timeline_data})
        lifecycle = outcome.lifecycle
    return outcomes, entries, lifecycle


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
    update_rows(session, table, values, REVISION_GUARD)


@dataclass(frozen=True)
class PlainLifecycle:
    """One order's lifecycle read as plain rows (no ORM objects), without returns, and what guards writing
    it back: the lifecycle row's revision and each line row's id."""

    lifecycle: OrderLifecycle
    revision: int
    line_rows: dict[str, int]


@dataclass(frozen=True)
class PlainWrite:
    """What one order's commands change in rows the plain writes cover, as statement parameters."""

    order_id: str
    head: dict[str, Any]
    lines: list[dict[str, Any]]
    fulfillment_orders: list[dict[str, Any]]


def read_plain(session: Session, order_ids: Sequence[str]) -> dict[str, PlainLifecycle]:
    """The lifecycles of ``order_ids`` that have one and no return, read in three queries (the lifecycle
    rows, the line rows, the fulfillment orders joined to their lines) into values, in the order the ORM's
    relationships keep (by position)."""
    if not order_ids:
        return {}
    lc, rt = OrderLifecycleRecord.__table__, ReturnRecord.__table__
    no_return = ~select(rt.c.id).where(rt.c.order_id == lc.c.order_id).exists()
    heads = session.execute(
        select(lc.c.order_id, lc.c.validated, lc.c.hold_reason, lc.c.closed, lc.c.revision).where(
            lc.c.order_id.in_(order_ids), no_return
        )
    ).all()
    if not heads:
        return {}
    found = [head.order_id for head in heads]
    lines, line_rows = _plain_lines(session, found)
    fulfillment_orders = _plain_fulfillment_orders(session, found)
    return {
        head.order_id: PlainLifecycle(
            OrderLifecycle(
                order_id=head.order_id,
                lines=lines[head.order_id],
                validated=head.validated,
                hold_reason=head.hold_reason,
                closed=head.closed,
                fulfillment_orders=fulfillment_orders[head.order_id],
            ),
            head.revision,
            line_rows[head.order_id],
        )
        for head in heads
        if lines[head.order_id]
    }


def _plain_lines(
    session: Session, order_ids: list[str]
) -> tuple[dict[str, dict[str, Line]], dict[str, dict[str, int]]]:
    lq = LineQuantityRecord.__table__
    query = (
        select(lq.c.order_id, lq.c.id, lq.c.line_id, lq.c.sku, *(lq.c[name] for name in BUCKETS))
        .where(lq.c.order_id.in_(order_ids))
        .order_by(lq.c.order_id, lq.c.position)
    )
    lines: dict[str, dict[str, Line]] = defaultdict(dict)
    rows: dict[str, dict[str, int]] = defaultdict(dict)
    for row in session.execute(query):
        values = row._mapping
        lines[row.order_id][row.line_id] = Line(row.line_id, row.sku, LineQuantities(**{n: values[n] for n in BUCKETS}))
        rows[row.order_id][row.line_id] = row.id
    return lines, rows


def _plain_fulfillment_orders(session: Session, order_ids: list[str]) -> dict[str, dict[str, FulfillmentOrder]]:
    fo, fl = FulfillmentOrderRecord.__table__, FulfillmentOrderLineRecord.__table__
    query = (
        select(
            fo.c.order_id,
            fo.c.id,
            fo.c.location_id,
            fo.c.state,
            fo.c.reason,
            fo.c.external_id,
            fl.c.line_id,
            fl.c.sku,
            fl.c.quantity,
            fl.c.shipped,
            fl.c.cancelled,
        )
        .outerjoin(fl, fl.c.fulfillment_order_id == fo.c.id)
        .where(fo.c.order_id.in_(order_ids))
        .order_by(fo.c.order_id, fo.c.position, fl.c.position)
    )
    heads: dict[str, dict[str, Any]] = {}
    lines: dict[str, dict[str, FulfillmentLine]] = defaultdict(dict)
    for row in session.execute(query):
        heads.setdefault(row.id, row._asdict())
        if row.line_id is not None:
            lines[row.id][row.line_id] = FulfillmentLine(row.line_id, row.sku, row.quantity, row.shipped, row.cancelled)
    found: dict[str, dict[str, FulfillmentOrder]] = defaultdict(dict)
    for fo_id, head in heads.items():
        state = FulfillmentState(head["state"])
        found[head["order_id"]][fo_id] = FulfillmentOrder(
            fo_id, head["location_id"], lines[fo_id], state, head["reason"], head["external_id"]
        )
    return found


def _apply_plain(
    session: Session, stored: PlainLifecycle, items: list[Item]
) -> tuple[list[Outcome], list[dict[str, Any]], PlainWrite | None]:
    """One order's items applied to its plain value as ``_apply`` applies them to loaded rows; the write is
    None when the result changes what plain writes do not cover (new fulfillment orders, their lines)."""
    outcomes, entries, after = _run(session, stored.lifecycle, items)
    if not outcomes:
        return outcomes, entries, PlainWrite(stored.lifecycle.order_id, {}, [], [])
    return outcomes, entries, _plain_write(stored, after)


def _plain_write(stored: PlainLifecycle, after: OrderLifecycle) -> PlainWrite | None:
    before = stored.lifecycle
    if after.returns:
        return None
    fulfillment_orders = []
    for fo in after.fulfillment_orders.values():
        seen = before.fulfillment_orders.get(fo.id)
        if seen is None or seen.lines != fo.lines:
            return None
        if seen != fo:
            values = {"state": fo.state.value, "reason": fo.reason, "external_id": fo.external_id}
            fulfillment_orders.append({"b_id": fo.id, "b_seen": seen.state.value, **values})
    lines = [
        {"b_id": stored.line_rows[line_id], "state": line.state.value, **line.quantities.as_dict()}
        for line_id, line in after.lines.items()
        if line != before.lines[line_id]
    ]
    head = {"validated": after.validated, "hold_reason": after.hold_reason, "closed": after.closed}
    guard = {"b_order_id": before.order_id, "b_seen": stored.revision, "b_next": stored.revision + 1}
    return PlainWrite(before.order_id, {**guard, "state": after.state.value, **head}, lines, fulfillment_orders)


def _write_plain(session: Session, writes: list[PlainWrite]) -> None:
    """The plain writes as one statement per table for all orders: the lifecycle rows guarded by the revision
    they were read at, each fulfillment order by the state it was read in (a change that got past the locks
    raises ``StaleDataError``), the line rows by id."""
    now = utcnow()
    heads = [write.head | {"updated_at": now} for write in writes if write.head]
    lc, fo, lq = OrderLifecycleRecord.__table__, FulfillmentOrderRecord.__table__, LineQuantityRecord.__table__
    update_rows(session, lc, heads, REVISION_GUARD)
    fulfillment_orders = [values | {"updated_at": now} for write in writes for values in write.fulfillment_orders]
    update_rows(session, fo, fulfillment_orders, {"id": "b_id", "state": "b_seen"})
    update_rows(session, lq, [values for write in writes for values in write.lines], {"id": "b_id"})


def _expire(session: Session, order_ids: set[str]) -> None:
    """Loaded copies of rows the plain writes changed are expired, so that nobody reads or flushes a stale one."""
    if not order_ids:
        return
    for instance in list(session.identity_map.values()):
        if isinstance(instance, (OrderLifecycleRecord, LineQuantityRecord, FulfillmentOrderRecord)):
            if instance.order_id in order_ids:
                session.expire(instance)


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
    session.flush()  # what the session holds goes first, as an ORM insert would autoflush it
    insert_rows(session, EVENTS, rows)


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
