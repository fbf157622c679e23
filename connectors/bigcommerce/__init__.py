"""BigCommerce (REST v2 orders, v3 payment actions), the back-channel: what the hub tells a store about its orders.

A shipment becomes a v2 order shipment (``order_address_id``, ``order_product_id`` quantities, tracking and
carrier); a tracking change updates it; a whole-order cancellation sets status 5 (Cancelled); a refund goes
through the v3 refund quote and refund.

Settings: ``base_url`` (``https://api.bigcommerce.com/stores/{store_hash}``), ``access_token`` (secret),
``refund_payment`` (``first`` or ``offline``), ``timeout``.
"""

from connectors.bigcommerce.connector import BigCommerce

__all__ = ["BigCommerce"]
