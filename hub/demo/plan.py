"""The week of orders the demo places: when, from which shop, what, and the few that go wrong.

Drawn from the seeded generator only, so ``--seed`` gives the same week (relative to now) every time.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from hub.demo.catalog import SOLD_OUT, Customer, Product
from hub.demo.payloads import DemoOrder

WEEK = timedelta(days=7)
FIRST_NUMBER = 1001


def week_of_orders(
    rng: random.Random, count: int, catalog: list[Product], people: list[Customer], now: datetime
) -> list[DemoOrder]:
    """``count`` orders spread over the last seven days, oldest first: about six in ten from Shopify, one in
    twelve with a drop-shipped item, one in nine with an item sold out everywhere; one Shopify order tagged
    for fraud review (routing holds it) and one WooCommerce order with a fractional quantity (its message
    fails to normalize)."""
    stocked = [p for p in catalog if not p.dropship]
    long_tail = [p for p in catalog if p.dropship]
    sold_out = [p for p in catalog if p.sku in SOLD_OUT]
    start = now - WEEK
    orders = []
    for n in range(count):
        placed = start + WEEK * (n + rng.random()) / count
        placed = min(placed, now - timedelta(minutes=5)).replace(microsecond=0)
        chosen = rng.sample(stocked, rng.choice((1, 1, 1, 2, 2, 3)))
        lines = [(product, rng.choice((1, 1, 1, 2, 3))) for product in chosen]
        if rng.random() < 1 / 12 or n == 1:  # the second order is always drop-shipped (see loader)
            lines.append((rng.choice(long_tail), 1))
        if n % 9 == 4 and not any(product.sku in SOLD_OUT for product, _ in lines):
            lines.append((rng.choice(sold_out), 1))  # waits for stock: backordered since it was placed
        channel = "shopify" if rng.random() < 0.6 or n in (1, 2) else "woocommerce"
        orders.append(DemoOrder(channel, FIRST_NUMBER + n, placed, rng.choice(people), tuple(lines)))
    if count >= 4:
        orders[2] = replace(orders[2], tags=("fraud-review",))
        last_woo = max((i for i, o in enumerate(orders) if o.channel == "woocommerce" and i > 2), default=None)
        if last_woo is not None:
            orders[last_woo] = replace(orders[last_woo], broken=True)
    return orders
