"""Channel payouts: the settlements a channel publishes, read, stored and matched to the hub's orders.

``model`` holds the channel-neutral settlement, ``shopify`` and ``amazon`` read each channel's shape into it,
``store`` keeps it (once per channel account and payout id), ``matching`` compares it with the hub's orders.
"""
