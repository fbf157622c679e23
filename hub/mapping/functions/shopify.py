"""Shopify-specific conversions that the mapping vocabulary cannot express as data.

Shopify sends free-form pairs as lists (``note_attributes``, line ``properties``), names a rate's source
"shopify" when the merchant defined the rate (no carrier), and has custom line items with neither SKU nor
variant, which still need a key that stays the same every time the order is sent again.
"""

from __future__ import annotations

import re
from typing import Any

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


def _present(value: Any) -> bool:
    return value is not None and str(value).strip() != ""
