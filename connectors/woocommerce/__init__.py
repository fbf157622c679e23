"""WooCommerce (REST API v3), the back-channel: what the hub tells a store about its orders.

A shipment becomes a customer note with carrier and tracking (the order turns ``completed`` once all its line
items have shipped); a whole-order cancellation sets ``cancelled``; a refund is created with its line items.

Settings: ``base_url`` (the REST root, ``https://SHOP/wp-json/wc/v3``), ``consumer_key`` and ``consumer_secret``
(secrets), ``auth`` (``basic`` or ``query``), ``refund_through_gateway`` (default false), ``timeout``.
"""

from connectors.woocommerce.connector import WooCommerce

__all__ = ["WooCommerce"]
