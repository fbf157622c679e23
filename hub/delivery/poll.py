"""Asking partners for news: messages they leave for the hub, and the status of what was sent to them.

For a destination whose connector ``PollsMessages`` (a confirmation folder, an SFTP outbox), each message
is stored in the inbox first (channel ``connector:<name>``, the account, the message's key as its dedupe
key) and committed, and only then acknowledged at the partner: a crash in between fetches it again, and
the inbox recognises the copy. The stored messages are handed to the ingest workers like any other.

For one whose connector ``FetchesFulfillmentStatus`` (a fallback for lost webhooks), the fulfillment orders
it holds (sent, accepted, partly shipped at locations it fulfils) are asked after; each shipment reported
is recorded through ``hub.delivery.shipments.record_shipment`` (idempotent, so a shipment the webhook
already brought is not recorded twice), and a rejection or a cancellation at the partner releases the
units and routes the order again: ``hub.delivery.notifications.record_report``, the same recording a
webhook's report goes through.
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
from hub.delivery.handlers import AfterCommit
from hub.delivery.notifications import Recorded, record_report
from hub.delivery.outbox import RELEASED
from hub.errors import HubError
from hub.sdk import (
    ConfigurationError,
    ConnectorError,
    FetchesFulfillmentStatus,
    FulfillmentRef,
    PollsMessages,
    capabilities_of,
    load_connector,
)

log = logging.getLogger(__name__)
MESSAGE_LIMIT = 100
REF_LIMIT = 500


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
        except (LookupError, ImportError, AttributeError, TypeError):
            continue  # not loadable here: `orderhub connector list` says why
        if "poll_messages" in capabilities or "fetch_status" in capabilities:
            found.append(destination_name(connector, account))
    return sorted(found)


def open_refs(session: Session, destination: str, limit: int | None = None) -> list[FulfillmentRef]:
    """Fulfillment orders ``destination`` holds and has not finished shipping, oldest first (``REF_LIMIT``
    of them unless told). ``sent_at`` is the fulfillment order's creation, which its first sending follows."""
    query = (
        select(
            FulfillmentOrderRecord.id,
            FulfillmentOrderRecord.external_id,
            FulfillmentOrderRecord.created_at,
            OrderRecord.number,
            OrderRecord.po_number,
            OrderRecord.channel_order_id,
        )
        .join(Location, Location.id == FulfillmentOrderRecord.location_id)
        .join(OrderRecord, OrderRecord.id == FulfillmentOrderRecord.order_id)
        .where(Location.fulfilled_by == destination, FulfillmentOrderRecord.state.in_([s.value for s in RELEASED]))
        .order_by(FulfillmentOrderRecord.created_at)
        .limit(REF_LIMIT if limit is None else limit)
    )
    return [
        FulfillmentRef(fo_id, external_id, number or po_number or channel_order_id, sent_at=created_at)
        for fo_id, external_id, created_at, number, po_number, channel_order_id in session.execute(query)
    ]


def ref_limit(connector: str) -> int:
    """How many open fulfillment orders one status poll of ``connector`` is handed: ``REF_LIMIT``, unless the
    connector's poll costs the same however many it gets and it says so (``status_ref_limit``)."""
    try:
        limit = getattr(load_connector(connector), "status_ref_limit", None)
    except (LookupError, ImportError, AttributeError, TypeError):
        return REF_LIMIT
    return limit if isinstance(limit, int) and limit > 0 else REF_LIMIT


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
        refs = open_refs(session, destination, ref_limit(spec.connector))
    try:
        connector = build_connector(spec, requests.Session())
        if isinstance(connector, PollsMessages):
            _fetch_messages(database, connector, spec.connector, spec.account, report)
        if isinstance(connector, FetchesFulfillmentStatus) and refs:
            statuses = connector.fetch_status(refs)
            with database.session() as session:
                recorded = record_report(session, destination, (), statuses, actor="poll")
            _note(report, recorded)
    except (ConnectorError, HubError, requests.RequestException) as exc:
        report.error = str(exc)
        if isinstance(exc, ConfigurationError):
            with database.session() as session:
                pause(session, destination, f"polling was refused: {exc}")
    return report


def _note(report: PollReport, recorded: Recorded) -> None:
    report.shipments, report.refused, report.after = len(recorded.shipments), len(recorded.problems), recorded.after
    for problem in recorded.problems:  # a poll keeps no raw copy to replay: the partner reports it again next time
        log.warning("%s: %s", report.destination, problem)


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
