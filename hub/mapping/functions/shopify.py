"""Shopify-specific conversions that the mapping vocabulary cannot express as data.

Shopify sends free-form pairs as lists (``note_attributes``, line ``properties``), names a rate's source
"shopify" when the merchant defined the rate (no carrier), and has custom line items with neither SKU nor
variant, which still need a key that stays the same every time the order is sent again.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from hub.mapping.functions.core import decimal_text, to_decimal
from hub.mapping.functions.registry import mapping_function

_NOT_A_WORD = re.compile(r"[^\w]+")


@mapping_function("shopify_name_values")
def name_values(pairs: Any, *extra: Any) -> dict[str, str] | None:
    """``[{"name": "gift_message", "value": "Hi"}]`` -> ``{"gift_message": "Hi"}``, plus ``extra`` given as
    alternating name, value (``shopify_name_values(note_attributes, "cancel_reason", cancel_reason)``).

    Pairs without a name or without a value are left out; values are kept as text. A later pair with the
    same name wins, as it does on Shopify's order page.
    """
    if pairs is not None and not isinstance(pairs, list):
        raise ValueError(f"expected a list of name/value pairs, found {type(pairs).__name__}")
    if len(extra) % 2:
        raise ValueError("extra values must come as name, value pairs")
    items = [(pair.get("name"), pair.get("value")) for pair in pairs or [] if isinstance(pair, dict)]
    items += list(zip(extra[::2], extra[1::2], strict=True))
    result = {}
    for name, value in items:
        if name is None or value is None or not str(name).strip() or not str(value).strip():
            continue
        result[str(name).strip()] = str(value)
    return result or None


@mapping_function("shopify_rate_carrier")
def rate_carrier(source: Any) -> str | None:
    """A shipping line's ``source`` names the carrier that quoted the rate (``usps``, ``canada_post`` ...);
    ``shopify`` means a rate the merchant set up, which names no carrier."""
    if source is None:
        return None
    text = str(source).strip()
    return None if not text or text.lower() == "shopify" else text


@mapping_function("shopify_custom_item_key")
def custom_item_key(line_item_id: Any, title: Any, sku: Any, variant_id: Any) -> str | None:
    """The fallback item key of a custom line (no SKU and no variant): ``<line item id>-<title slug>``,
    e.g. ``14011587870943-gift-wrapping``.

    Both parts are fixed for the life of the line, so every update of the order carries the same key; the id
    makes it unique in the shop, the title makes it readable where it is shown (3PL item codes, reports).
    Lines with a SKU or a variant get no fallback key: those identify the item already.
    """
    if _present(sku) or _present(variant_id):
        return None
    if not _present(line_item_id):
        raise ValueError("a custom line item has no id")
    slug = _NOT_A_WORD.sub("-", str(title or "").strip().lower()).strip("-_")
    return f"{str(line_item_id).strip()}-{slug}" if slug else str(line_item_id).strip()


@mapping_function("shopify_country_code")
def country_code(code: Any, country: Any) -> str | None:
    """The ISO 3166 two-letter code of an address: ``country_code`` when given; REST fulfillment order
    destinations name the country instead ("Canada"), which is kept only when it already is a code."""
    for value in (code, country):
        text = str(value).strip() if isinstance(value, str) else ""
        if len(text) == 2 and text.isascii() and text.isalpha():
            return text.upper()
    return None


@mapping_function("shopify_refunded_subtotal")
def refunded_subtotal(line_item: Any, quantity: Any) -> str | None:
    """What ``quantity`` refunded units of ``line_item`` (the original order line a refund line carries) come
    to before tax, for refund lines that carry no ``subtotal``: the unit price times the units, less the line's
    discounts in proportion to the units (as Shopify's own subtotal is), in the presentment currency where the
    line states it. None when the line item gives no price."""
    if not isinstance(line_item, dict):
        return None
    price = _presentment_amount(line_item.get("price_set"), line_item.get("price"))
    units = to_decimal(quantity)
    if price is None or units is None:
        return None
    ordered = to_decimal(line_item.get("quantity"))
    share = _line_discount(line_item) * units / ordered if ordered else Decimal(0)
    exponent = price.as_tuple().exponent
    scale = Decimal(1).scaleb(exponent if isinstance(exponent, int) and exponent < 0 else -2)
    return decimal_text((price * units - share).quantize(scale, rounding=ROUND_HALF_EVEN))


@mapping_function("shopify_refunded_total")
def refunded_total(transactions: Any) -> str | None:
    """What a refund paid back: the sum of its transactions of kind ``refund`` that succeeded (a refund can list
    failed attempts beside the one that went through). None when there is none."""
    if transactions is None:
        return None
    if not isinstance(transactions, list):
        raise ValueError(f"expected the list of refund transactions, found {type(transactions).__name__}")
    amounts = [to_decimal(transaction.get("amount")) for transaction in transactions if _paid_back(transaction)]
    found = [amount for amount in amounts if amount is not None]
    return decimal_text(sum(found, Decimal(0))) if found else None


def _paid_back(transaction: Any) -> bool:
    if not isinstance(transaction, dict):
        return False
    return transaction.get("kind") == "refund" and transaction.get("status") == "success"


def _line_discount(line_item: dict[str, Any]) -> Decimal:
    """Every discount allocated to the order line; older payloads state it only as ``total_discount``."""
    allocations = line_item.get("discount_allocations")
    amounts = [
        _presentment_amount(allocation.get("amount_set"), allocation.get("amount"))
        for allocation in (allocations if isinstance(allocations, list) else [])
        if isinstance(allocation, dict)
    ]
    if not amounts:
        return _presentment_amount(line_item.get("total_discount_set"), line_item.get("total_discount")) or Decimal(0)
    return sum((amount for amount in amounts if amount is not None), Decimal(0))


def _presentment_amount(money_set: Any, shop_amount: Any) -> Decimal | None:
    """The presentment amount of a Shopify ``*_set`` (what the buyer saw and was refunded in), else the
    shop-currency amount beside it."""
    presentment = money_set.get("presentment_money") if isinstance(money_set, dict) else None
    amount = presentment.get("amount") if isinstance(presentment, dict) else None
    return to_decimal(amount if amount is not None else shop_amount)


def _present(value: Any) -> bool:
    return value is not None and str(value).strip() != ""
