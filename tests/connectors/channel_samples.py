"""Orders as a channel's intake keeps them, and the updates the hub sends back about them, for the channel
connectors' tests; plus the contract suite's hooks that make its one partner call a shipment confirmation and
count what it left at the channel."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hub.canonical import Carrier, FulfillmentRequest, Order, Shipment
from hub.sdk import ChannelCancellation, ChannelRefund, ChannelShipment, ConfirmsShipment, UpdateLine
from hub.sdk.protocol import Connector
from hub.sdk.testing import sample_fulfillment_request
from tests.connectors.partners import FakePartner

SHIPPED_AT = datetime(2025, 3, 16, 15, 30, tzinfo=UTC)


def channel_order(channel: str, order_id: str, line_ids: dict[str, str], **changes: Any) -> Order:
    """The SDK's sample order (lines "1": 2 x TEE-BLK-M at 25.00, "2": 1 x MUG-WHT at 12.00, shipping 5.00) as
    ``channel`` sent it: its order id, each line's channel id (``line_ids``), and other changes."""
    order = sample_fulfillment_request().order
    lines = [line.model_copy(update={"channel_line_id": line_ids.get(line.line_id)}) for line in order.lines]
    return order.model_copy(update={"channel": channel, "channel_order_id": order_id, "lines": lines, **changes})


def request_for(order: Order) -> FulfillmentRequest:
    """The contract suite's fulfillment request, carrying ``order``."""
    sample = sample_fulfillment_request()
    return FulfillmentRequest.model_validate({**sample.model_dump(), "order": order.model_dump()})


def shipment_update(
    order: Order,
    shipment_id: str = "shp_0001",
    *,
    tracking: tuple[str, ...] = ("1Z999AA10123456784",),
    carrier: str | None = "UPS",
    service: str | None = "Ground",
    units: dict[str, int] | None = None,
    tracking_url: str | None = None,
) -> ChannelShipment:
    """A hub shipment of ``units`` (line id -> units; every unit of the order by default)."""
    units = units if units is not None else {line.line_id: line.quantity for line in order.lines}
    by_id = {line.line_id: line for line in order.lines}
    lines = tuple(
        UpdateLine(line_id, quantity, by_id[line_id].channel_line_id, by_id[line_id].sku)
        for line_id, quantity in units.items()
    )
    shipment = Shipment(
        id=shipment_id,
        order_id=order.id,
        channel_order_id=order.channel_order_id,
        shipped_at=SHIPPED_AT,
        carrier=Carrier(name=carrier, service=service) if carrier else None,
        tracking_numbers=list(tracking),
        items=[{"line_id": line.line_id, "sku": line.sku, "quantity": line.quantity} for line in lines],
    )
    return ChannelShipment(order, shipment_id, shipment, lines, tracking_url=tracking_url)


def cancellation(
    order: Order, units: dict[str, int] | None = None, reason: str = "out of stock"
) -> ChannelCancellation:
    by_id = {line.line_id: line for line in order.lines}
    lines = tuple(
        UpdateLine(lid, qty, by_id[lid].channel_line_id, by_id[lid].sku) for lid, qty in (units or {}).items()
    )
    return ChannelCancellation(order, reason, lines)


def refund(order: Order, units: dict[str, int] | None = None, **options: Any) -> ChannelRefund:
    by_id = {line.line_id: line for line in order.lines}
    lines = tuple(
        UpdateLine(lid, qty, by_id[lid].channel_line_id, by_id[lid].sku) for lid, qty in (units or {}).items()
    )
    return ChannelRefund(order, options.pop("reason", "damaged in transit"), lines, **options)


class ConfirmsShipmentExercise:
    """Mixed into a channel connector's contract class: the call that reaches the partner is a shipment
    confirmation of the request's order (seeded at the fake by the ``partner`` fixture), and its effect is what
    the ``FakeChannel`` counts (a fulfillment, a shipment, a note, a package ...)."""

    def exercise(self, connector: Connector, request: FulfillmentRequest) -> object:
        assert isinstance(connector, ConfirmsShipment)
        return connector.confirm_shipment(shipment_update(request.order), "shp_0001:confirm")

    def count_effects(self, partner: Any, request: FulfillmentRequest) -> int:
        assert isinstance(partner, FakePartner)
        return partner.effects()
