"""Amazon (Selling Partner API, Orders v0), the back-channel: shipment confirmations for the seller's own
(MFN) orders.

A shipment becomes one ``confirmShipment`` per tracked package (carrier code, tracking number, ship date, order
item ids and quantities), keyed by a ``packageReferenceId`` derived from the hub's shipment id, so a resend or a
tracking change edits the same package. A whole-order cancellation is an order acknowledgement feed
(``POST_ORDER_ACKNOWLEDGEMENT_DATA``, status Failure) through the Feeds API, processed by Amazon later. Orders
fulfilled by Amazon (AFN), cancellations of some units and refunds raise ``NoBackChannel`` with the reason.

Settings: ``base_url`` (regional SP-API endpoint), ``token_url`` (LWA), ``client_id``, ``client_secret`` and
``refresh_token`` (secrets), ``marketplace_id``, ``seller_id`` (merchant token, for cancellation feeds),
``timeout``.
"""

from connectors.amazon.connector import Amazon

__all__ = ["Amazon"]
