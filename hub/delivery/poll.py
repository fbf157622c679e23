"""Asking partners for news: messages they leave for the hub, and the status of what was sent to them.

For a destination whose connector ``PollsMessages`` (a confirmation folder, an SFTP outbox), each message
is stored in the inbox first (channel ``connector:<name>``, the account, the message's key as its dedupe
key) and committed, and only then acknowledged at the partner: a crash in between fetches it again, and
the inbox recognises the copy. The stored messages are handed to the ingest workers like any other.

For one whose connector ``FetchesFulfillmentStatus`` (a fallback for lost webhooks), the fulfillment orders
it holds (sent, accepted, partly shipped at locations it fulfils) are asked after; each shipment reported
is recorded through ``hub.delivery.shipments.record_shipment`` (idempotent, so a shipment the webhook
already brought is not recorded twice), a rejection releases the units and routes the order again, and a
cancellation at the partner gives the units back and routes them again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.channels.intake import store_message
from hub.db.models import ConnectorAccount, FulfillmentOrderRecord, Location, OrderRecord
from hub.db.session import Database
from hub.delivery.accounts import UnknownDestination, account_spec, build_connector, destination_name
from hub.delivery.destinations import pause
from hub.delivery.fulfillment import route_again
from hub.delivery.handlers import AfterCommit
from hub.delivery.outbox import RELEASED
from hub.delivery.shipments import ShipmentRejected, record_shipment
from hub.errors import HubError
from hub.lifecycle import FulfillmentState, LifecycleRejected
from hub.lifecycle.commands import CancelFulfillmentOrder, RejectFulfillmentOrder
from hub.oms.stock_effects import execute_with_stock
from hub.orders.store import record_event
from hub.sdk import (
    ConfigurationError,
    ConnectorError,
    FetchesFulfillmentStatus,
    FulfillmentRef,
    FulfillmentStatus,
    PollsMessages,
    capabilities_of,
    load_connector,
)

log = logging.getLogger(__name__)
MESSAGE_LIMIT = 100
REF_LIMIT = 500
SHIPMENT_REFUSED = "shipment.refused"


@dataclass
class PollReport:
    destination: str
    stored: list[int] = field(default_factory=list)  # new inbox ids, to publish for parsing
    shipments: int = 0
    refused: int = 0
    error: str | None = None
    after: AfterCommit = field(default_factory=AfterCommit)


def pollable_destinations(session: Session) -> list[str]:
    """Active connector accounts whose connector polls messages or fetches statuses."""
    found = []
    for connector, account in session.execute(
        select(ConnectorAccount.connector, ConnectorAccount.account).where(ConnectorAccount.active.is_(True))
    ):
        try:
            capabilities = capabilities_of(load_connector(connector))
        except (LookupError, TypeError):
            continue
        if "poll_messages" in capabilities or "fetch_status" in capabilities:
            found.append(destination_name(connector, account))
    return sorted(found)


def open_refs(session: Session, destination: str, limit: int = REF_LIMIT) -> list[FulfillmentRef]:
    """Fulfillment orders ``destination`` holds and has not finished shipping, oldest first."""
    query = (
        select(FulfillmentOrderRecord.id, FulfillmentOrderRecord.external_id, OrderRecord)
        .join(Location, Location.id == FulfillmentOrderRecord.location_id)
        .join(OrderRecord, OrderRecord.id == FulfillmentOrderRecord.order_id)
        .where(Location.fulfilled_by == destination, FulfillmentOrderRecord.state.in_([s.value for s in RELEASED]))
        .order_by(FulfillmentOrderRecord.created_at)
        .limit(limit)
    )
    return [
        FulfillmentRef(fo_id, external_id, order.number or order.po_number or order.channel_order_id)
        for fo_id, external_id, order in session.execute(query)
    ]


def poll_destination(database: Database, destination: str) -> PollReport:
    """Poll one destination (see the module docstring). Partner failures are reported, not raised: a
    refused credential pauses the destination."""
    report = PollReport(destination)
    with database.session() as session:
        try:
            spec = account_spec(session, destination)
        except (UnknownDestination, HubError) as exc:
            report.error = str(exc)
            return report
        refs = open_refs(session, destination)
    try:
        connector = build_connector(spec, requests.Session())
        if isinstance(connector, PollsMessages):
            _fetch_messages(database, connector, spec.connector, spec.account, report)
        if isinstance(connector, FetchesFulfillmentStatus) and refs:
            statuses = connector.fetch_status(refs)
            with database.session() as session:
                for status in statuses:
                    apply_status(session, destination, status, report)
    except (ConnectorError, HubError, requests.RequestException) as exc:
        report.error = str(exc)
        if isinstance(exc, ConfigurationError):
            with database.session() as session:
                pause(session, destination, f"polling was refused: {exc}")
    return report


def _fetch_messages(database: Database, connector: PollsMessages, name: str, account: str, report: PollReport) -> None:
    messages = connector.poll_messages(MESSAGE_LIMIT)
    if not messages:
        return
    with database.session() as session:
        for message in messages:
            inbox_id, created = store_message(
                session,
                source="poll",
                channel=f"connector:{name}",
                account=account,
                topic=None,
                dedupe_key=message.key,
                body=message.body,
                content_type=message.content_type,
            )
            if created:
                report.stored.append(inbox_id)
    connector.acknowledge_messages([message.key for message in messages])


def apply_status(session: Session, destination: str, status: FulfillmentStatus, report: PollReport) -> None:
    """Record what a partner says became of one fulfillment order (see the module docstring)."""
    for notice in status.shipments:
        try:
            with session.begin_nested():
                record_shipment(session, source=destination, notice=notice, actor="poll")
            report.shipments += 1
        except ShipmentRejected as exc:
            report.refused += 1
            _note_refused(session, status.ref.fulfillment_order_id, destination, notice.key, str(exc))
    if status.rejected or status.cancelled:
        _given_back(session, destination, status, report.after)


def _given_back(session: Session, destination: str, status: FulfillmentStatus, after: AfterCommit) -> None:
    fo = session.get(FulfillmentOrderRecord, status.ref.fulfillment_order_id)
    if fo is None or FulfillmentState(fo.state) not in RELEASED:
        return
    if status.rejected:
        command: RejectFulfillmentOrder | CancelFulfillmentOrder = RejectFulfillmentOrder(
            id=fo.id, reason=f"{destination}: {status.rejected}"[:2000]
        )
    else:
        command = CancelFulfillmentOrder(id=fo.id, reason=f"cancelled at {destination}")
    try:
        with session.begin_nested():
            execute_with_stock(session, fo.order_id, command, source=f"poll:{destination}")
    except LifecycleRejected as exc:
        log.warning("%s reported %s %s, which the lifecycle refused: %s", destination, fo.id, command.do, exc)
        return
    route_again(session, fo.order_id, fo.location_id, status.rejected or "cancelled by the partner", after)


def _note_refused(session: Session, fo_id: str, destination: str, key: str, reason: str) -> None:
    fo = session.get(FulfillmentOrderRecord, fo_id)
    if fo is not None:
        data = {"source": destination, "key": key, "reason": reason, "fulfillment_order": fo_id}
        record_event(session, fo.order_id, SHIPMENT_REFUSED, source=f"poll:{destination}", data=data)
    log.warning("%s reported shipment %s that was refused: %s", destination, key, reason)
