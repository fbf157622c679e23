"""A chunk of inbox messages (what the relay publishes together) applied in one transaction.

Per message, ``process_message`` costs two transactions and a dozen statements: the attempt, the message
read back, the order looked up, the ORM unit of work, the timeline entry, the status. Here a chunk costs:

* one transaction that reads the messages and counts one attempt for each (committed before the work,
  as for a lone message, so a message that kills its worker still reaches the sweeper's limit);
* normalization outside any transaction (it is CPU only);
* one transaction for the work: the stored orders the chunk names looked up (and locked on PostgreSQL) in
  one statement, the new orders written together (``hub.channels.new_orders``), anything else (updates,
  refunds, shipments, privacy requests) applied by the same code a lone message uses, and the statuses
  written in one statement per kind.

Each message is isolated in a SAVEPOINT of its own: a message that fails (its data refused by the database,
an exception its data provokes) is rolled back alone and ends ``failed`` with the reason, and its neighbours
are applied. New orders are written together inside one savepoint; if that fails, each of them is applied
again on its own, so the one at fault is found and failed alone. A message whose order an earlier message of
the chunk touched is applied after those rows are written, so duplicates and out-of-order versions within a
chunk get the same answers as one by one (unchanged, stale, updated).

A busy database (lock, deadlock, dropped connection: ``DATABASE_TRANSIENT``) is nobody's fault: the whole
chunk is rolled back, its messages stay ``received`` with the reason, and the caller retries each later.
X12 and connector notifications take their own paths, one by one (``process_message``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
from typing import cast

from sqlalchemy import Table, select, tuple_, update
from sqlalchemy.orm import Session

from hub.canonical import CanonicalModel, Order, OrderStatus
from hub.channels.apply import Applied, OrderNotYetReceived
from hub.channels.base import Action
from hub.channels.chunk_items import Item, record_statuses
from hub.channels.new_orders import NewOrders, OrderKey, order_key
from hub.channels.process import (
    AccountFactory,
    MessageNotFound,
    Outcome,
    apply_document,
    apply_normalized,
    combined,
    default_account,
    guarded,
    normalized_or_error,
    process_message,
    read_back,
)
from hub.db.models import InboxMessage, InboxStatus, OrderRecord
from hub.db.session import Database
from hub.db.transient import DATABASE_TRANSIENT, database_reason
from hub.delivery.notifications import is_connector_channel
from hub.edi.intake import X12_CHANNEL
from hub.edi.pipeline import fault_text
from hub.sdk.errors import TransientError

log = logging.getLogger(__name__)
INBOX = cast(Table, InboxMessage.__table__)
DONE = (InboxStatus.PROCESSED, InboxStatus.IGNORED)


@dataclass
class ChunkResult:
    outcomes: dict[int, Outcome] = field(default_factory=dict)  # by inbox id, for every message dealt with
    retry: dict[int, float | None] = field(default_factory=dict)  # left received: retry after (seconds)


def process_chunk(
    database: Database, inbox_ids: list[int], *, accounts: AccountFactory = default_account
) -> ChunkResult:
    """Process the messages; a missing id is skipped. Raises only when the database cannot be reached at
    all before the work starts (the messages stay received for the sweeper)."""
    result = ChunkResult()
    items, apart = _claim(database, inbox_ids, result)
    for item in items:
        _normalize(item)
    try:
        with database.session() as session:
            _apply_all(session, items)
            record_statuses(session, items)
    except DATABASE_TRANSIENT as exc:
        _retry_all(database, items, f"the database was busy ({database_reason(exc)})", result)
        items = []
    for item in items:
        if item.read_back:
            _run_alone(result, item.id, partial(_read_back, database, item, accounts))
        elif item.retry:
            result.retry[item.id] = item.retry_after
        else:
            result.outcomes[item.id] = item.outcome()
    for inbox_id in apart:
        _run_alone(result, inbox_id, partial(process_message, database, inbox_id, accounts=accounts))
    return result


def _claim(database: Database, inbox_ids: list[int], result: ChunkResult) -> tuple[list[Item], list[int]]:
    """The chunk's messages, each with one more attempt counted (committed); X12 and connector messages are
    set apart for their own paths, and messages already done are answered as such."""
    columns = (INBOX.c.id, INBOX.c.channel, INBOX.c.account, INBOX.c.topic, INBOX.c.status, INBOX.c.body)
    with database.session() as session:
        rows = session.execute(select(*columns).where(INBOX.c.id.in_(inbox_ids)).order_by(INBOX.c.id)).all()
        apart = [row.id for row in rows if row.channel == X12_CHANNEL or is_connector_channel(row.channel)]
        mine = []
        for row in rows:
            if row.id in apart:
                continue
            if row.status in DONE:
                result.outcomes[row.id] = Outcome(row.status, "already done")
            else:
                mine.append(row)
        if mine:
            ids = [row.id for row in mine]
            session.execute(update(INBOX).where(INBOX.c.id.in_(ids)).values(attempts=INBOX.c.attempts + 1))
    return [Item(row.id, row.channel, row.account, row.topic, row.body) for row in mine], apart


def _normalize(item: Item) -> None:
    try:
        normalized = normalized_or_error(item.channel, item.topic, item.body)
    except Exception as exc:  # whatever a channel's data provokes fails that message alone
        log.exception("inbox message %s could not be processed", item.id)
        item.fail(f"could not be processed: {fault_text(exc)}")
        return
    if isinstance(normalized, str):
        item.fail(normalized)
        return
    item.normalized = normalized
    item.topic = item.topic or normalized.topic
    item.read_back = normalized.action is Action.READ_BACK


def _apply_all(session: Session, items: list[Item]) -> None:
    """Apply every pending message in order; new orders are gathered and written together, and written
    before any message that may read them (a second version of the same order, a refund, a redaction)."""
    pending = [item for item in items if item.pending]
    touched = _stored_keys(session, pending)
    new = NewOrders()
    for item in pending:
        assert item.normalized is not None
        documents = list(item.normalized.documents)
        if item.normalized.action is Action.IGNORE:
            item.done(InboxStatus.IGNORED, item.normalized.note)
            continue
        keys = [order_key(doc, item.account) for doc in documents if isinstance(doc, Order)]
        fresh = bool(keys) and len(keys) == len(documents) == len(set(keys)) and not touched.intersection(keys)
        touched.update(keys)
        if fresh and item.normalized.action is Action.ORDER:
            _gather(new, item, documents)
            continue
        _write_new(session, new, items)
        _apply_alone(session, item)
    _write_new(session, new, items)


def _stored_keys(session: Session, items: list[Item]) -> set[OrderKey]:
    """Which of the orders the items name are stored already (locked until commit on PostgreSQL, in id order
    so two chunks naming the same orders queue rather than deadlock)."""
    keys = {
        order_key(doc, item.account)
        for item in items
        for doc in (item.normalized.documents if item.normalized else ())
        if isinstance(doc, Order)
    }
    if not keys:
        return set()
    columns = (OrderRecord.channel, OrderRecord.account, OrderRecord.channel_order_id)
    query = select(*columns).where(tuple_(*columns).in_(sorted(keys))).order_by(OrderRecord.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return {(row[0], row[1], row[2]) for row in session.execute(query)}


def _gather(new: NewOrders, item: Item, documents: Sequence[CanonicalModel]) -> None:
    orders = [doc for doc in documents if isinstance(doc, Order)]
    try:
        ids = new.add(item.id, item.topic, item.account, orders)
    except Exception as exc:  # rows that cannot be made fail this message alone
        log.exception("inbox message %s could not be processed", item.id)
        item.fail(f"could not be processed: {fault_text(exc)}")
        return
    item.created = [order_id for order_id, order in zip(ids, orders, strict=True) if _routable(order)]
    item.new_ids = ids


def _write_new(session: Session, new: NewOrders, items: list[Item]) -> None:
    """Write the gathered new orders; their messages end processed. Should the rows be refused together,
    each message is applied on its own so that only the one at fault fails."""
    if not new:
        return
    gathered = [item for item in items if item.id in new.by_message]
    try:
        with session.begin_nested():
            stored = new.write(session)
    except DATABASE_TRANSIENT:
        raise
    except Exception:
        log.warning("the chunk's %d new orders were refused together; applying them one by one", len(gathered))
        stored = set()
    finally:
        new.clear()
    for item in gathered:
        if stored.issuperset(item.new_ids):
            item.done(InboxStatus.PROCESSED, combined([Applied("created", oid) for oid in item.new_ids]).describe())
        else:  # refused, or created meanwhile by another worker: applied as one message, as an update
            item.created, item.new_ids = [], []
            _apply_alone(session, item)


def _apply_alone(session: Session, item: Item) -> None:
    """Apply one message in a savepoint of its own, as ``process_message`` would."""
    assert item.normalized is not None
    message = item.as_message()
    try:
        with session.begin_nested():
            if item.normalized.action in (Action.ORDER, Action.REFUND, Action.SHIPMENT):
                documents = item.normalized.documents
                applied = [apply_document(session, message, document) for document in documents]
                outcome: Applied | None = combined(applied)
                item.created = [
                    done.order_id or ""
                    for done, doc in zip(applied, documents, strict=True)
                    if done.outcome == "created" and isinstance(doc, Order) and _routable(doc)
                ]
            else:
                outcome = apply_normalized(session, message, item.normalized)
    except OrderNotYetReceived as exc:
        item.wait(str(exc))
    except DATABASE_TRANSIENT:
        raise
    except TransientError as exc:
        item.note_retry(f"will be retried: {exc}", exc.retry_after)
    except Exception as exc:
        log.exception("inbox message %s could not be processed", item.id)
        item.fail(f"could not be processed: {fault_text(exc)}")
    else:
        if outcome is None:
            item.done(InboxStatus.IGNORED, item.normalized.note)
        else:
            item.done(InboxStatus.PROCESSED, outcome.describe())


def _routable(order: Order) -> bool:
    """A new order goes to routing unless it arrived cancelled (as ``created_by`` decides for a lone one)."""
    return order.status is not OrderStatus.CANCELLED


def _read_back(database: Database, item: Item, accounts: AccountFactory) -> Outcome:
    normalized = item.normalized
    assert normalized is not None
    work = partial(read_back, database, item.id, item.channel, item.account, normalized, accounts)
    return guarded(database, item.id, work)


def _run_alone(result: ChunkResult, inbox_id: int, work: Callable[[], Outcome]) -> None:
    """Process one message on its own path; a transient failure leaves it for a retry."""
    try:
        result.outcomes[inbox_id] = work()
    except MessageNotFound:
        pass
    except TransientError as exc:
        result.retry[inbox_id] = exc.retry_after


def _retry_all(database: Database, items: list[Item], reason: str, result: ChunkResult) -> None:
    """The chunk was rolled back for a cause that passes: every message stays received, with the reason."""
    ids = [item.id for item in items]
    with suppress(*DATABASE_TRANSIENT), database.session() as session:  # still busy: received all the same
        session.execute(
            update(INBOX)
            .where(INBOX.c.id.in_(ids), INBOX.c.status == InboxStatus.RECEIVED.value)
            .values(error=f"will be retried: {reason}"[:4000])
        )
    for inbox_id in ids:
        result.retry[inbox_id] = None
