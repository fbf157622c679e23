"""ShipBob (dated API versions, 2025-07 on): fulfillment orders become ShipBob orders keyed by
``reference_id`` (the fulfillment order id); shipments come back through signed webhooks (``order.shipped``
and the ``order.shipment.*`` topics) or a poll.

Settings: ``base_url`` (default https://api.shipbob.com; the sandbox is https://sandbox-api.shipbob.com),
``api_version`` (default 2026-01), ``access_token`` (secret), ``channel_id``, ``webhook_secret`` (secret, the
subscription's ``whsec_...``), ``shipping_method`` (default Standard, used when the order names none),
``timeout``.
"""

from connectors.shipbob.connector import ShipBob

__all__ = ["ShipBob"]
