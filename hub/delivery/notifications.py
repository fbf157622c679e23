"""What partners tell the hub through a connector: a webhook stored in the inbox (channel ``connector:<name>``,
account = the connector account) is read by the connector and recorded.

``process_connector_message`` runs from the parse task (``hub.channels.process``) in three steps, so that no
HTTP call happens inside a database transaction:

1. load the stored message and the account (one short transaction);
2. build the connector and ``read_notification`` (a ShipStation ``SHIP_NOTIFY`` reads its resource back);
3. record what it reported (one transaction): each shipment through ``record_shipment``; a fulfillment order
   the partner refused or cancelled is rejected, its units released and the order routed again.

A ``TransientError`` leaves the message ``received`` with the reason, and propagates so the task retries.
Anything else leaves it ``failed`` with a sentence saying why (unknown account, a notification the connector
cannot read, a shipment of an unknown order or of more units than were sent); ``orderhub inbox replay``
processes it again, and shipments already recorded are recognised, not recorded twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db.models import FulfillmentOrderRecord, InboxMessage, InboxStatus
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.delivery.accounts import AccountSpec, UnknownDestination, account_spec, build_connector, destination_name
from hub.delivery.fulfillment import route_again
from hub.delivery.handlers import AfterCommit
from hub.delivery.shipments import record_shipment
from hub.errors import ConfigurationError, InputRejected
from hub.lifecycle import FulfillmentState
from hub.lifecycle.commands import RejectFulfillmentOrder, SendFulfillmentOrder
from hub.lifecycle.store import execute
from hub.oms.stock_effects import execute_with_stock
from hub.sdk import (
    ConnectorError,
    FulfillmentStatus,
    InboundNotification,
    NotificationResult,
    ReadsNotifications,
    ShipmentNotice,
    TransientError,
)

CHANNEL_PREFIX = "connector:"
REFUSABLE = (FulfillmentState.CREATED, FulfillmentState.SENT, FulfillmentState.ACCEPTED)


def connector_channel(connector: str) -> str:
    """The inbox channel of messages that came through ``connector``."""
    return f"{CHANNEL_PREFIX}{connector}"


def is_connector_channel(channel: str) -> bool:
    return channel.startswith(CHANNEL_PREFIX)


@dataclass(frozen=True)
class NotificationOutcome:
    """What processing left: the message's status, a note, orders to route again and deliveries it planned
    (the channels' shipment confirmations), both to publish after commit."""

    status: str
    detail: str = ""
    reroute: tuple[str, ...] = ()
    deliveries: tuple[int, ...] = ()


@dataclass
class Recorded:
    """What recording a connector's report did."""

    shipments: list[str] = field(default_factory=list)  # shipment ids recorded now
    repeated: int = 0  # reports already recorded before
    problems: list[str] = field(default_factory=list)
    after: AfterCommit = field(default_factory=AfterCommit)

    def describe(self) -> str:
        parts = [f"recorded shipment(s) {', '.join(self.shipments)}" if self.shipments else ""]
        parts.append(f"{self.repeated} already recorded" if self.repeated else "")
        return "; ".join(part for part in parts if part) or "nothing to record"


@dataclass(frozen=True)
class _Loaded:
    spec: AccountSpec
    notification: InboundNotification


class MessageNotFound(LookupError):
    pass


def process_connector_message(database: Database, inbox_id: int, *, replay: bool = False) -> NotificationOutcome:
    """Read and record inbox message ``inbox_id`` (see the module docstring). Raises ``TransientError`` when
    the connector should be asked again later."""
    loaded = _load(database, inbox_id, replay)
    if isinstance(loaded, NotificationOutcome):
        return loaded
    destination = loaded.spec.destination
    try:
        connector = build_connector(loaded.spec)
        if not isinstance(connector, ReadsNotifications):
            return _fail(database, inbox_id, f"connector {loaded.spec.connector} cannot read notifications")
        result = connector.read_notification(loaded.notification)
    except TransientError as exc:
        with database.session() as session:  # stays received; the reason shows while it waits
            _message(session, inbox_id).error = f"{destination}: will be retried: {exc}"[:4000]
        raise
    except (ConnectorError, ConfigurationError, InputRejected) as exc:
        return _fail(database, inbox_id, f"{destination}: {exc}")
    return _record(database, inbox_id, destination, result)


def _load(database: Database, inbox_id: int, replay: bool) -> _Loaded | NotificationOutcome:
    with database.session() as session:
        message = _message(session, inbox_id)
        if message.status in (InboxStatus.PROCESSED, InboxStatus.IGNORED) and not replay:
            return NotificationOutcome(message.status, "already done")
        message.attempts += 1
        connector = message.channel.removeprefix(CHANNEL_PREFIX)
        try:
            spec = account_spec(session, destination_name(connector, message.account))
        except (UnknownDestination, InputRejected) as exc:
            _failed(message, str(exc))
            return NotificationOutcome(message.status, message.error or "")
        polled = message.source == "poll"  # a message the hub fetched: its path is the partner's key for it
        notification = InboundNotification(
            method="POLL" if polled else "POST",
            path=(message.dedupe_key or "") if polled else f"/webhooks/connectors/{connector}/{message.account}",
            query="",
            headers={str(name).lower(): str(value) for name, value in (message.headers or {}).items()},
            body=bytes(message.body),
        )
        return _Loaded(spec, notification)


def _record(database: Database, inbox_id: int, destination: str, result: NotificationResult) -> NotificationOutcome:
    with database.session() as session:
        message = _message(session, inbox_id)
        if result.ignored:
            _done(message, InboxStatus.IGNORED, result.note or "nothing to record")
            return NotificationOutcome(message.status, message.error or "")
        recorded = record_report(session, destination, result.shipments, result.statuses, actor=destination)
        if recorded.problems:
            _failed(message, "; ".join(recorded.problems) + (f" ({recorded.describe()})" if recorded.shipments else ""))
        else:
            _done(message, InboxStatus.PROCESSED, recorded.describe())
        routes, planned = tuple(sorted(recorded.after.routes)), tuple(recorded.after.deliveries)
        return NotificationOutcome(message.status, message.error or "", routes, planned)


def record_report(
    session: Session,
    destination: str,
    shipments: Sequence[ShipmentNotice],
    statuses: Sequence[FulfillmentStatus] = (),
    *,
    actor: str,
) -> Recorded:
    """Record shipments and statuses a connector reported from ``destination`` (a webhook, a poll), each in
    its own savepoint: one that does not fit (``ShipmentRejected``) is listed in ``problems`` and the rest are
    still recorded. ``after`` names the orders to route again and the channel confirmations to send once the
    transaction commits."""
    recorded = Recorded()
    notices = [*shipments, *(notice for status in statuses for notice in status.shipments)]
    for notice in notices:
        try:
            with session.begin_nested():
                shipment = record_shipment(session, source=destination, notice=notice, actor=actor)
        except InputRejected as exc:
            recorded.problems.append(str(exc))
            continue
        if shipment.created:
            recorded.shipments.append(shipment.shipment_id)
            recorded.after.deliveries.extend(shipment.planned)
        else:
            recorded.repeated += 1
    for status in statuses:
        if status.rejected is not None or status.cancelled:
            _refused(session, destination, status, recorded)
    return recorded


def _refused(session: Session, destination: str, status: FulfillmentStatus, recorded: Recorded) -> None:
    """The partner will not ship this fulfillment order: reject it (units released) and route the order again."""
    ref = status.ref
    fo = session.get(FulfillmentOrderRecord, ref.fulfillment_order_id)
    if fo is None and ref.external_id is not None:
        query = select(FulfillmentOrderRecord).where(FulfillmentOrderRecord.external_id == ref.external_id)
        fo = session.scalars(query.limit(1)).first()
    if fo is None:
        recorded.problems.append(f"{destination} reports fulfillment order {ref.fulfillment_order_id!r}, unknown here")
        return
    if fo.state not in REFUSABLE:
        return  # shipped, cancelled or rejected already: nothing to take back
    reason = status.rejected or "cancelled by the partner"
    with session.begin_nested():
        if fo.state == FulfillmentState.CREATED:
            execute(session, fo.order_id, SendFulfillmentOrder(id=fo.id), source=destination)
        command = RejectFulfillmentOrder(id=fo.id, reason=f"{destination}: {reason}"[:2000])
        execute_with_stock(session, fo.order_id, command, source=destination)
        route_again(session, fo.order_id, fo.location_id, reason, recorded.after)


def _message(session: Session, inbox_id: int) -> InboxMessage:
    message = session.get(InboxMessage, inbox_id)
    if message is None:
        raise MessageNotFound(f"no inbox message {inbox_id}")
    return message


def _done(message: InboxMessage, status: InboxStatus, note: str) -> None:
    message.status, message.error, message.processed_at = status, note[:4000], utcnow()


def _failed(message: InboxMessage, error: str) -> None:
    _done(message, InboxStatus.FAILED, error)


def _fail(database: Database, inbox_id: int, error: str) -> NotificationOutcome:
    with database.session() as session:
        message = _message(session, inbox_id)
        _failed(message, error)
        return NotificationOutcome(message.status, message.error or "")
