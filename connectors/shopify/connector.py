"""The Shopify connector: tells a shop what the hub did with its orders (fulfilments, tracking, cancellations,
refunds) through the Admin GraphQL API."""

from __future__ import annotations

from typing import ClassVar

import requests

from connectors.shopify import fulfillments, orders
from connectors.shopify.client import ShopifyClient
from connectors.shopify.config import Config as ShopifyConfig
from hub.sdk import ChannelCancellation, ChannelRefund, ChannelShipment, ConnectorKind, Submitted

SHOP_QUERY = "query Shop { shop { name } }"


class Shopify:
    """Shopify Admin GraphQL, as the order's channel: ``confirm_shipment``, ``update_tracking``,
    ``cancel_order``, ``refund_order``. The account's name is that of the channel account the shop's orders
    arrive under, so ``shopify:<account>`` is where an order's updates go."""

    name: ClassVar[str] = "shopify"
    kind: ClassVar[ConnectorKind] = ConnectorKind.CHANNEL
    Config: ClassVar[type[ShopifyConfig]] = ShopifyConfig

    def __init__(self, config: ShopifyConfig, session: requests.Session) -> None:
        self.config = config
        self.client = ShopifyClient(config, session)

    def __repr__(self) -> str:
        return f"Shopify({self.config.shop!r})"

    def check(self) -> None:
        """Read the shop's name: proves the domain, the API version and the token."""
        self.client.execute(SHOP_QUERY, what="shop")

    def confirm_shipment(self, update: ChannelShipment, idempotency_key: str) -> Submitted:
        """A fulfillment of the shipped units with their tracking (the one made before, on a resend)."""
        return fulfillments.confirm(self.client, update)

    def update_tracking(self, update: ChannelShipment, external_id: str, idempotency_key: str) -> Submitted:
        """The fulfillment ``external_id`` gets the shipment's carrier, numbers and link."""
        return fulfillments.update_tracking(self.client, update, external_id)

    def cancel_order(self, cancellation: ChannelCancellation, idempotency_key: str) -> Submitted:
        """The whole order through ``orderCancel``; some of its units through a refund that cancels them."""
        return orders.cancel(self.client, cancellation, idempotency_key, refund=self.config.refund_on_cancel)

    def refund_order(self, refund: ChannelRefund, idempotency_key: str) -> Submitted:
        """A refund of the lines (and shipping) with the transactions Shopify suggests."""
        return orders.refund(self.client, refund, idempotency_key)
