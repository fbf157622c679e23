"""Webhook bodies as Shopify and WooCommerce send them, for the demo's made-up orders.

Only the fields the hub's mappings read (and a few a merchant would recognise) are filled in; the shapes are
the channels' documented ones, so the bodies go through the same verification, normalization and apply as a
real shop's webhooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from hub.demo.catalog import Customer, Product

CENT = Decimal("0.01")
SHOPIFY_IDS = 5_900_000_000_000  # Shopify's order ids are large numbers: the demo's are this plus the number


@dataclass(frozen=True)
class DemoOrder:
    """One order the demo places: who, what, when, and what becomes of it."""

    channel: str
    number: int
    placed_at: datetime
    customer: Customer
    lines: tuple[tuple[Product, int], ...]
    tags: tuple[str, ...] = ()
    broken: bool = False  # sent with a quantity the channel's mapping refuses: its message fails

    @property
    def total(self) -> Decimal:
        return sum((product.price * quantity for product, quantity in self.lines), Decimal(0))


def channel_order_id(order: DemoOrder) -> str:
    """The order's id at its shop, as the hub stores it (``orders.channel_order_id``)."""
    return str(SHOPIFY_IDS + order.number if order.channel == "shopify" else order.number)


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def _shopify_address(c: Customer) -> dict[str, Any]:
    return {
        "first_name": c.first_name,
        "last_name": c.last_name,
        "name": f"{c.first_name} {c.last_name}",
        "address1": c.line1,
        "address2": None,
        "city": c.city,
        "province": c.region_name,
        "province_code": c.region,
        "zip": c.postal_code,
        "country": "United States",
        "country_code": "US",
        "latitude": c.latitude,
        "longitude": c.longitude,
        "phone": None,
        "company": None,
    }


def shopify_order(order: DemoOrder, *, cancelled_at: datetime | None = None) -> dict[str, Any]:
    placed = order.placed_at.isoformat()
    updated = (cancelled_at or order.placed_at + timedelta(seconds=2)).isoformat()
    order_id = SHOPIFY_IDS + order.number
    total = _money(order.total)
    lines: list[dict[str, Any]] = [
        {
            "id": order_id * 10 + n,
            "sku": product.sku,
            "title": product.name.split(" - ")[0],
            "name": product.name,
            "quantity": quantity,
            "current_quantity": quantity,
            "fulfillable_quantity": quantity,
            "price": _money(product.price),
            "grams": product.grams,
            "requires_shipping": True,
            "taxable": True,
            "total_discount": "0.00",
            "vendor": "Orderhub Demo",
            "product_id": 8_800_000_000 + n,
            "variant_id": 4_400_000_000 + n,
            "tax_lines": [],
            "discount_allocations": [],
            "fulfillment_status": None,
            "gift_card": False,
        }
        for n, (product, quantity) in enumerate(order.lines, 1)
    ]
    return {
        "id": order_id,
        "name": f"#{order.number}",
        "number": order.number - 1000,
        "order_number": order.number,
        "email": order.customer.email,
        "contact_email": order.customer.email,
        "created_at": placed,
        "processed_at": placed,
        "updated_at": updated,
        "currency": "USD",
        "presentment_currency": "USD",
        "financial_status": "paid",
        "fulfillment_status": None,
        "tags": ", ".join(order.tags),
        "cancelled_at": cancelled_at.isoformat() if cancelled_at else None,
        "cancel_reason": "customer" if cancelled_at else None,
        "test": False,
        "taxes_included": False,
        "subtotal_price": total,
        "total_price": total,
        "total_tax": "0.00",
        "total_discounts": "0.00",
        "total_line_items_price": total,
        "discount_codes": [],
        "tax_lines": [],
        "note": None,
        "customer": {
            "id": 7_100_000_000 + sum(map(ord, order.customer.email)),
            "email": order.customer.email,
            "first_name": order.customer.first_name,
            "last_name": order.customer.last_name,
        },
        "billing_address": _shopify_address(order.customer),
        "shipping_address": _shopify_address(order.customer),
        "shipping_lines": [
            {
                "id": order_id,
                "code": "Standard",
                "title": "Standard Shipping",
                "price": "0.00",
                "discounted_price": "0.00",
                "source": "shopify",
                "tax_lines": [],
            }
        ],
        "line_items": lines,
        "refunds": [],
        "fulfillments": [],
    }


def _woo_address(c: Customer, *, email: bool) -> dict[str, Any]:
    address = {
        "first_name": c.first_name,
        "last_name": c.last_name,
        "company": "",
        "address_1": c.line1,
        "address_2": "",
        "city": c.city,
        "state": c.region,
        "postcode": c.postal_code,
        "country": "US",
        "phone": "",
    }
    return {**address, "email": c.email} if email else address


def woocommerce_order(order: DemoOrder) -> dict[str, Any]:
    # WooCommerce writes local times without an offset, with the UTC twin in the *_gmt fields.
    placed = order.placed_at.replace(tzinfo=None).isoformat(timespec="seconds")
    lines: list[dict[str, Any]] = [
        {
            "id": order.number * 10 + n,
            "name": product.name,
            "product_id": 140 + n,
            "variation_id": 0,
            "quantity": 1.5 if order.broken else quantity,
            "tax_class": "",
            "subtotal": _money(product.price * quantity),
            "subtotal_tax": "0.00",
            "total": _money(product.price * quantity),
            "total_tax": "0.00",
            "taxes": [],
            "meta_data": [],
            "sku": product.sku,
            "price": float(product.price),
        }
        for n, (product, quantity) in enumerate(order.lines, 1)
    ]
    return {
        "id": order.number,
        "parent_id": 0,
        "number": str(order.number),
        "order_key": f"wc_order_demo{order.number}",
        "status": "processing",
        "currency": "USD",
        "version": "9.4.2",
        "prices_include_tax": False,
        "date_created": placed,
        "date_modified": placed,
        "date_created_gmt": placed,
        "date_modified_gmt": placed,
        "date_paid": placed,
        "date_paid_gmt": placed,
        "date_completed": None,
        "date_completed_gmt": None,
        "discount_total": "0.00",
        "discount_tax": "0.00",
        "shipping_total": "0.00",
        "shipping_tax": "0.00",
        "cart_tax": "0.00",
        "total": _money(order.total),
        "total_tax": "0.00",
        "customer_id": 0,
        "billing": _woo_address(order.customer, email=True),
        "shipping": _woo_address(order.customer, email=False),
        "payment_method": "stripe",
        "payment_method_title": "Credit card",
        "transaction_id": f"ch_{order.number}",
        "created_via": "checkout",
        "customer_note": "",
        "meta_data": [],
        "line_items": lines,
        "tax_lines": [],
        "shipping_lines": [
            {
                "id": order.number,
                "method_title": "Flat rate",
                "method_id": "flat_rate",
                "total": "0.00",
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
            }
        ],
        "fee_lines": [],
        "coupon_lines": [],
        "refunds": [],
    }
