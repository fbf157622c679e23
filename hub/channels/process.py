"""Processing one inbox message: normalize it, read back what a thin webhook only points at, apply the
documents, and leave the message processed, ignored or failed with its error (replayable either way).
X12 messages take their own path (``hub.edi.inbound``).

Safe to run twice: a processed message is left alone unless replayed, and applying is idempotent. HTTP calls
to a channel happen outside any database transaction, so SQLite writers are never held up by a slow API.

No message can hold up the worker or its neighbours. Each processing counts one attempt, committed before the
work starts, so even a message that kills its worker reaches the sweeper's attempt limit. Whatever a message
makes the hub raise (a recursion, a type or value error a channel's data provokes, a database refusal) ends
that message ``failed`` with the exception's type and text, in a transaction of its own after the failed one
was rolled back; for X12 the partner is still answered (``hub.edi.inbound.answer_after_fault``). Only a
``TransientError`` keeps the message ``received`` (with the reason) and propagates, for the caller to retry,
as does a refund or shipment whose order is not there yet (``OrderNotYetReceived``), which the sweeper retries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from hub.canonical import CanonicalModel, Order, Refund, Shipment
from hub.channels.accounts import AccountContext
from hub.channels.apply import Applied, OrderNotYetReceived, apply_order, record_compliance, record_on_order
from hub.channels.base import Action
from hub.channels.intake import account_settings, store_pulled
from hub.channels.normalize import Normalized, normalize
from hub.channels.registry import get_channel
from hub.db.models import InboxMessage, InboxStatus, OrderEvent
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.db.transient import DATABASE_TRANSIENT, database_reason
from hub.delivery.notifications import NotificationOutcome, is_connector_channel, process_connector_message
from hub.edi.apply import planned_deliveries
from hub.edi.inbound import answer_after_fault, process_x12
from hub.edi.intake import X12_CHANNEL
from hub.edi.pipeline import fault_text
from hub.errors import ConfigurationError
from hub.mapping import MappingError
from hub.sdk.errors import ConnectorError, TransientError

AccountFactory = Callable[[str, str, dict[str, object]], AccountContext]
log = logging.getLogger(__name__)


def default_account(channel: str, account: str, settings: dict[str, object]) -> AccountContext:
    return AccountContext(channel, account, dict(settings))


@dataclass(frozen=True)
class Outcome:
    status: str
    detail: str = ""
    outbound: tuple[int, ...] = ()  # EDI interchanges queued (acknowledgments): publish hub.edi.send for each
    created: tuple[str, ...] = ()  # orders this message created: publish hub.route.order for each
    deliveries: tuple[int, ...] = ()  # deliveries it planned (channels' shipment confirmations): publish them


class MessageNotFound(LookupError):
    pass


def process_message(
    database: Database, inbox_id: int, *, replay: bool = False, accounts: AccountFactory = default_account
) -> Outcome:
    """Process inbox message ``inbox_id``. TransientError propagates (the caller retries later); any other
    exception leaves the message failed with its type and text, and is not raised."""
    return guarded(database, inbox_id, lambda: _process(database, inbox_id, replay, accounts))


def guarded(database: Database, inbox_id: int, work: Callable[[], Outcome]) -> Outcome:
    """Run ``work`` on message ``inbox_id``: a TransientError (or a busy database) leaves the message received
    with the reason and propagates; any other exception fails the message with its type and text."""
    try:
        return work()
    except MessageNotFound:
        raise
    except TransientError as exc:
        _note_retry(database, inbox_id, exc)
        raise
    except DATABASE_TRANSIENT as exc:  # the database was busy, not the message wrong: try it again later
        retry = TransientError(f"the database was busy ({database_reason(exc)})")
        with suppress(*DATABASE_TRANSIENT):  # still busy: the message stays received all the same
            _note_retry(database, inbox_id, retry)
        raise retry from exc
    except Exception as exc:
        log.exception("inbox message %s could not be processed", inbox_id)
        return _fail_after_fault(database, inbox_id, exc)


def _note_retry(database: Database, inbox_id: int, exc: TransientError) -> None:
    """The message stays received for the caller's retry; its reason shows while it waits."""
    with database.session() as session:
        message = _load(session, inbox_id, body=False)
        if message.status == InboxStatus.RECEIVED:
            message.error = f"will be retried: {exc}"[:4000]


def _fail_after_fault(database: Database, inbox_id: int, exc: Exception) -> Outcome:
    error = f"could not be processed: {fault_text(exc)}"
    with database.session() as session:
        message = _load(session, inbox_id, body=False)
        if message.channel == X12_CHANNEL:
            outbound = tuple(answer_after_fault(session, message, error))
        else:
            _fail(message, error)
            outbound = ()
        return Outcome(InboxStatus.FAILED, message.error or error, outbound)


def _process(database: Database, inbox_id: int, replay: bool, accounts: AccountFactory) -> Outcome:
    with database.session() as session:  # committed before the work: the attempt counts whatever follows
        message = session.get(InboxMessage, inbox_id, options=[defer(InboxMessage.body)])
        if message is None:
            raise MessageNotFound(f"no inbox message {inbox_id}")
        if message.status in (InboxStatus.PROCESSED, InboxStatus.IGNORED) and not replay:
            return Outcome(message.status, "already done")
        if is_connector_channel(message.channel):
            session.commit()  # nothing written: the connector reads its partner outside any transaction
            return _connector_outcome(process_connector_message(database, inbox_id, replay=replay))
        message.attempts += 1
        x12 = message.channel == X12_CHANNEL
    with database.session() as session:
        message = _load(session, inbox_id, body=not x12)  # X12 is read back from the database as it streams
        if x12:
            report = process_x12(session, message, replay=replay)
            note, planned = message.error or "", planned_deliveries(session)  # a 945's or 856's channel confirmations
            return Outcome(message.status, note, tuple(report.outbound), created_by(session, inbox_id), planned)
        pending = _handle(session, message)
        if pending is None:
            return Outcome(message.status, message.error or "", created=created_by(session, inbox_id))
        channel_name, account_name = message.channel, message.account
    return read_back(database, inbox_id, channel_name, account_name, pending, accounts)


def read_back(
    database: Database,
    inbox_id: int,
    channel_name: str,
    account_name: str,
    pending: Normalized,
    accounts: AccountFactory,
) -> Outcome:
    """Fetch what a thin message only points at (outside any transaction), store it as a message of its own
    and apply that; the pointing message ends processed, or failed when the channel refuses."""
    with database.session() as session:
        settings = account_settings(session, channel_name, account_name)
    channel = get_channel(channel_name)
    try:  # a TransientError leaves the message received with the reason (process_message), for a retry
        pulled = channel.read_back(pending.reference or {}, accounts(channel_name, account_name, settings))
    except TransientError:
        raise
    except (ConnectorError, ConfigurationError) as exc:
        with database.session() as session:
            message = _load(session, inbox_id)
            message.topic = message.topic or pending.topic
            _fail(message, f"read-back failed: {exc}")
        return Outcome(InboxStatus.FAILED, str(exc))
    with database.session() as session:
        message = _load(session, inbox_id)
        message.topic = message.topic or pending.topic
        child, _ = store_pulled(session, pulled, source="read-back", channel=channel_name, account=account_name)
        _done(message, InboxStatus.PROCESSED, f"read back as inbox message {child.id}")
        child.attempts += 1  # its first attempt is this one, in the transaction that stores it
        _handle(session, child)
        note = child.error or f"read back as inbox message {child.id}"
        return Outcome(child.status, note, created=created_by(session, child.id))


def _connector_outcome(outcome: NotificationOutcome) -> Outcome:
    """A connector notification's outcome; the orders it sent back to routing are published like new ones, and
    the channel confirmations of the shipments it recorded go out at once instead of at the delivery sweep."""
    return Outcome(outcome.status, outcome.detail, created=outcome.reroute, deliveries=outcome.deliveries)


def created_by(session: Session, inbox_id: int) -> tuple[str, ...]:
    """The orders message ``inbox_id`` created (their ``order.received`` entries name it), in timeline order."""
    query = (
        select(OrderEvent.order_id)
        .where(OrderEvent.inbox_message_id == inbox_id, OrderEvent.type == "order.received")
        .order_by(OrderEvent.id)
    )
    return tuple(dict.fromkeys(session.scalars(query)))


def _load(session: Session, inbox_id: int, *, body: bool = True) -> InboxMessage:
    message = session.get(InboxMessage, inbox_id, options=[] if body else [defer(InboxMessage.body)])
    if message is None:
        raise MessageNotFound(f"no inbox message {inbox_id}")
    return message


def _done(message: InboxMessage, status: InboxStatus, note: str | None = None) -> None:
    message.status, message.error, message.processed_at = status, note, utcnow()


def _fail(message: InboxMessage, error: str) -> None:
    message.status, message.error, message.processed_at = InboxStatus.FAILED, error[:4000], utcnow()


def normalized_or_error(channel: str, topic: str | None, body: bytes) -> Normalized | str:
    """The message's normalization, or the error that fails it (what was wrong with the body, or an unknown
    channel); anything else a channel's data provokes is raised."""
    try:
        return normalize(get_channel(channel), topic, body)
    except (MappingError, LookupError) as exc:
        return str(exc)


def _handle(session: Session, message: InboxMessage) -> Normalized | None:
    """Apply the message; return its normalization when a read-back must happen first."""
    normalized = normalized_or_error(message.channel, message.topic, message.body)
    if isinstance(normalized, str):
        _fail(message, normalized)
        return None
    if message.topic is None:
        message.topic = normalized.topic
    if normalized.action is Action.READ_BACK:
        return normalized
    try:
        with session.begin_nested():
            applied = apply_normalized(session, message, normalized)
    except OrderNotYetReceived as exc:
        message.status, message.error, message.enqueued_at = InboxStatus.RECEIVED, str(exc), None
        return None
    if applied is None:
        _done(message, InboxStatus.IGNORED, normalized.note)
    else:
        _done(message, InboxStatus.PROCESSED, applied.describe())
    return None


def apply_normalized(session: Session, message: InboxMessage, normalized: Normalized) -> Applied | None:
    """Apply a normalized message's documents (None: nothing to apply, the message is ignored)."""
    if normalized.action is Action.COMPLIANCE:
        return record_compliance(session, message, normalized.payload)
    if normalized.action is Action.IGNORE:
        return None
    return combined([apply_document(session, message, document) for document in normalized.documents])


def combined(applied: list[Applied]) -> Applied:
    """One outcome for a message: its document's, or for a listing (getAllOrders, an orders page: one document
    per order, each applied on its own) the count and each one's."""
    if len(applied) == 1:
        return applied[0]
    outcomes = ", ".join(item.describe() for item in applied)
    return Applied(f"{len(applied)} documents: {outcomes}"[:3900])


def apply_document(session: Session, message: InboxMessage, document: CanonicalModel) -> Applied:
    if isinstance(document, Order):
        return apply_order(session, document, message)
    if isinstance(document, Refund | Shipment):
        return record_on_order(session, document, message.channel, message)
    raise TypeError(f"no way to apply {type(document).__name__}")
