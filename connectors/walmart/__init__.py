"""Walmart Marketplace (Orders API v3), the back-channel: what the hub tells Walmart about a purchase order.

A shipment marks its lines ``Shipped`` with tracking (``POST /v3/orders/{id}/shipping``; posting them again
changes the tracking); a cancellation marks units ``Cancelled`` (``/cancel``); a refund posts negative line
charges (``/refund``). Orders fulfilled by Walmart (WFS) raise ``NoBackChannel``.

Settings: ``base_url``, ``client_id``, ``client_secret`` (secret), ``service_name`` (WM_SVC.NAME),
``refund_reason`` (the default refundReason), ``timeout``.
"""

from connectors.walmart.connector import Walmart

__all__ = ["Walmart"]
