"""ShipStation (API v1): fulfillment orders become ShipStation orders keyed by ``orderKey``; shipments come back
through ``SHIP_NOTIFY`` webhooks (read back from the account's own API) or a poll.

Settings: ``base_url`` (default https://ssapi.shipstation.com), ``api_key`` and ``api_secret`` (secrets),
``store_id`` (optional), ``webhook_secret`` (secret; the last part of the webhook URL), ``timeout``.
"""

from connectors.shipstation.connector import ShipStation

__all__ = ["ShipStation"]
