"""Shopify (Admin GraphQL): the channel back-channel. A hub shipment becomes a fulfillment on the order's
fulfillment orders (``fulfillmentCreate`` with ``lineItemsByFulfillmentOrder`` and ``trackingInfo``), tracking
changes go through ``fulfillmentTrackingInfoUpdate``, cancellations through ``orderCancel`` (or, for some units,
a refund that cancels them) and refunds through ``refundCreate``.

Settings: ``shop`` (``example.myshopify.com``), ``access_token`` (secret), ``api_version`` (default 2025-10),
``base_url`` (another origin for the Admin API, for tests), ``refund_on_cancel``, ``timeout``.
"""

from connectors.shopify.connector import Shopify

__all__ = ["Shopify"]
