"""What the delivery engine asks of a channel connector: tell the marketplace what the hub did with its order.

A channel connector (kind ``channel``) answers for one channel account. Every update carries the canonical
order as the channel sent it, so the connector finds the channel's own ids there (``channel_order_id``, each
line's ``channel_line_id`` and ``identifiers``) instead of asking the hub's store. Methods raise the
``hub.sdk.errors`` tree; ``NoBackChannel`` says the channel has no way to take this update for this order (an
Amazon order fulfilled by Amazon, a digital order): the engine records the reason where people see it and
sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from hub.canonical import Order, Shipment
from hub.sdk.capabilities import Submitted
from hub.sdk.errors import ConnectorError


class NoBackChannel(ConnectorError):
    """The channel cannot take this update for this order; the message says why. Never retried."""


@dataclass(frozen=True)
class UpdateLine:
    """One order line an update is about, with the units it concerns."""

    line_id: str
    quantity: int
    channel_line_id: str | None = None
    sku: str | None = None


@dataclass(frozen=True)
class ChannelShipment:
    """A shipment the hub recorded, to be confirmed to the channel the order came from.

    ``shipment_id`` is the hub's id (``shp_...``), stable across resends; ``lines`` are the units this shipment
    carried, per order line; ``shipment`` has carrier, tracking numbers and packages."""

    order: Order
    shipment_id: str
    shipment: Shipment
    lines: tuple[UpdateLine, ...]
    tracking_url: str | None = None
    notify_customer: bool = True


@dataclass(frozen=True)
class ChannelCancellation:
    """The hub cancels units (or, with no ``lines``, the whole order) and tells the channel."""

    order: Order
    reason: str
    lines: tuple[UpdateLine, ...] = ()
    notify_customer: bool = True


@dataclass(frozen=True)
class ChannelRefund:
    """An operator asked for a refund; the channel moves the money, never the hub.

    ``lines`` are the units refunded (``restock`` says whether the channel should put them back in its own
    stock figures); ``shipping`` refunds the shipping charged; ``amount`` (a decimal string in the order's
    currency) is set only when the operator named an amount instead of lines."""

    order: Order
    reason: str
    lines: tuple[UpdateLine, ...] = ()
    shipping: bool = False
    amount: str | None = None
    restock: bool = False
    notify_customer: bool = True


@runtime_checkable
class ConfirmsShipment(Protocol):
    """Creates the channel's fulfillment (or shipment confirmation) for a hub shipment."""

    def confirm_shipment(self, update: ChannelShipment, idempotency_key: str) -> Submitted:
        """Post it; ``Submitted.external_id`` is the channel's id for the fulfillment it made. A resend of the
        same ``idempotency_key`` must not make a second (find the first, or raise ``AlreadyDelivered``)."""
        ...


@runtime_checkable
class UpdatesTracking(Protocol):
    """Changes the carrier or tracking of a fulfillment the channel already has."""

    def update_tracking(self, update: ChannelShipment, external_id: str, idempotency_key: str) -> Submitted:
        """``external_id`` is what ``confirm_shipment`` returned for this shipment."""
        ...


@runtime_checkable
class CancelsChannelOrder(Protocol):
    """Cancels an order, or some of its units, at the channel."""

    def cancel_order(self, cancellation: ChannelCancellation, idempotency_key: str) -> Submitted: ...


@runtime_checkable
class RefundsChannelOrder(Protocol):
    """Asks the channel to refund the buyer."""

    def refund_order(self, refund: ChannelRefund, idempotency_key: str) -> Submitted: ...
