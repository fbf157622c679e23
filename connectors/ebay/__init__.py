"""eBay (Sell Fulfillment API, Post-Order API), the back-channel: what the hub tells eBay about a seller's orders.

A shipment becomes a shipping fulfillment per tracked package (line items and quantities, carrier code,
tracking number, ship date); a refund is issued through ``issue_refund``; a whole-order cancellation goes through
the Post-Order API. Tracking cannot be changed through eBay's REST APIs (``NoBackChannel``).

Settings: ``base_url``, ``client_id``, ``client_secret`` and ``refresh_token`` (secrets), ``scopes``, ``timeout``.
"""

from connectors.ebay.connector import Ebay

__all__ = ["Ebay"]
