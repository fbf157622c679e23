"""What the delivery engine asks of a connector, one small protocol per capability.

The engine tests a connector instance with ``isinstance(connector, SubmitsFulfillment)`` and so on; a
connector implements only what its partner can do. Every method raises the ``hub.sdk.errors`` tree on
failure and never retries on its own: the retry policy lives once, in the engine.

``idempotency_key`` is the hub's key for one intended effect. A connector hands it to the partner where the
partner's API takes one (ShipStation ``orderKey``, ShipBob ``reference_id``, an ``Idempotency-Key``
header), so that a resend after a crash finds the first copy instead of making a second.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from hub.canonical import FulfillmentRequest, Shipment
from hub.sdk.errors import ConnectorError


@dataclass(frozen=True)
class Submitted:
    """The partner took a fulfillment order: its own id for it, when it gives one."""

    external_id: str | None = None
    note: str = ""


@dataclass(frozen=True)
class FulfillmentRef:
    """A fulfillment order the hub has sent, as a status poll needs to find it again.

    ``sent_at`` (timezone-aware) is no later than the first time the hub sent it: a connector that reads the
    partner's shipments by date can start there instead of asking after each order. ``None`` when unknown."""

    fulfillment_order_id: str
    external_id: str | None = None
    reference: str | None = None  # the order reference the partner was given (FulfillmentRequest.reference)
    sent_at: datetime | None = None


@dataclass(frozen=True)
class ShipmentNotice:
    """A shipment the partner reports, tied to the fulfillment order it ships.

    ``fulfillment_order_id`` is the hub's id where the partner echoes it back (our idempotency key, an
    ``orderKey``); otherwise ``external_id`` is the partner's id for the fulfillment order. ``shipment``
    carries the carrier, tracking and units (``items`` or ``packages``) with the order lines' ``line_id`` or
    SKU. ``key`` identifies this shipment at the partner, so a report read twice is recorded once.
    ``tracking_url`` is the partner's own tracking link, when it gives one.
    """

    key: str
    shipment: Shipment
    fulfillment_order_id: str | None = None
    external_id: str | None = None
    tracking_url: str | None = None


@dataclass(frozen=True)
class FulfillmentStatus:
    """What a status poll learned of one fulfillment order."""

    ref: FulfillmentRef
    shipments: tuple[ShipmentNotice, ...] = ()
    rejected: str | None = None  # the partner's reason, when it refused the order
    cancelled: bool = False


@dataclass(frozen=True)
class InboundNotification:
    """A partner's HTTP request to the hub, as received: the web layer hands it over without parsing it.

    A message the hub fetched itself (``PollsMessages``) is handed over the same way, with ``method`` "POLL"
    and ``path`` the ``PolledMessage.key`` it was stored under (a file name, for a drop folder)."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    path_token: str | None = None  # a secret the partner was given as the last part of its webhook URL


@dataclass(frozen=True)
class NotificationResult:
    """What a notification said: shipments to record, and the partner's own id for it (for de-duplication)."""

    key: str
    shipments: tuple[ShipmentNotice, ...] = ()
    statuses: tuple[FulfillmentStatus, ...] = ()
    note: str = ""
    ignored: bool = False


class NotificationRefused(Exception):
    """The notification does not prove it comes from the partner (wrong or missing secret): answer 401."""


@runtime_checkable
class SubmitsFulfillment(Protocol):
    """Sends a fulfillment order to the partner (create, or update the copy it already has)."""

    def submit_fulfillment(self, request: FulfillmentRequest, idempotency_key: str) -> Submitted:
        """Create the order at the partner, keyed by ``idempotency_key``; a resend must not make a second."""
        ...


@runtime_checkable
class SubmitsFulfillmentBatch(Protocol):
    """Sends several fulfillment orders in one call, where the partner has a batch API (ShipStation's
    ``createorders``) or a batch form (one CSV file for many orders). Optional: the engine falls back to
    ``submit_fulfillment`` one by one."""

    def submit_fulfillments(
        self, batch: Sequence[tuple[FulfillmentRequest, str]]
    ) -> Sequence[Submitted | ConnectorError]:
        """One answer per ``(request, idempotency_key)``, in order: what the partner took, or the error it gave
        for that order alone. A failure of the whole call raises instead."""
        ...


@runtime_checkable
class CancelsFulfillment(Protocol):
    """Withdraws a fulfillment order the partner holds."""

    def cancel_fulfillment(self, request: FulfillmentRequest, ref: FulfillmentRef, idempotency_key: str) -> None:
        """Cancel it at the partner. Raise ``PermanentError`` when the partner has already shipped it."""
        ...


@runtime_checkable
class FetchesFulfillmentStatus(Protocol):
    """Polls the partner for what became of fulfillment orders sent to it (a fallback for lost webhooks).

    The engine hands over the open fulfillment orders, oldest first, up to a cap that suits a poll costing a
    call or so per order. A connector whose poll costs the same however many it is handed (it reads the
    partner's shipments by date) says how many it takes with a class attribute ``status_ref_limit: int``."""

    def fetch_status(self, refs: Sequence[FulfillmentRef]) -> list[FulfillmentStatus]:
        """The status of each fulfillment order the partner knows; orders it does not report are left out."""
        ...


@runtime_checkable
class ReadsNotifications(Protocol):
    """Turns what the partner sent the hub (a webhook request, a polled file) into shipments and statuses."""

    def read_notification(self, notification: InboundNotification) -> NotificationResult:
        """What the stored notification reports; may call the partner's API to read the resource it names
        (only under the account's configured base URL). Raise ``PermanentError`` for a body that is not a
        notification this connector understands, ``TransientError`` when a read-back should be retried."""
        ...


@runtime_checkable
class ReceivesWebhooks(Protocol):
    """The partner calls the hub at ``/webhooks/connectors/<connector>/<account>``."""

    def authenticate(self, notification: InboundNotification) -> None:
        """Raise ``NotificationRefused`` unless the request carries this account's secret or signature."""
        ...


@dataclass(frozen=True)
class PolledMessage:
    """A message fetched from the partner's side (a confirmation file in a drop folder or on SFTP)."""

    key: str  # unique at the partner: a file name, a message id
    body: bytes
    content_type: str = "application/octet-stream"


@runtime_checkable
class PollsMessages(Protocol):
    """Fetches messages the partner leaves for the hub. The hub stores each one durably, then acknowledges it,
    so a crash in between fetches it again (and the inbox recognises the copy) instead of losing it."""

    def poll_messages(self, limit: int) -> list[PolledMessage]:
        """Up to ``limit`` messages not acknowledged yet, oldest first."""
        ...

    def acknowledge_messages(self, keys: Sequence[str]) -> None:
        """The hub has stored these: archive or delete them at the partner so they are not fetched again."""
        ...
