"""Mapping functions for WooCommerce REST v3 orders (``mappings/woocommerce/``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub.mapping.functions.core import decimal_text, to_decimal
from hub.mapping.functions.registry import mapping_function

# Extra decimal places kept when a line subtotal does not divide evenly by its quantity.
UNIT_PRICE_EXTRA_PLACES = 2


@mapping_function("woocommerce_id")
def woocommerce_id(value: Any) -> str | None:
    """An id WooCommerce writes as 0 when there is none (guest customer, product without variation) -> text."""
    if value is None or isinstance(value, bool):
        return None
    if not isinstance(value, str | int):
        raise ValueError(f"expected an id, found {type(value).__name__}")
    text = str(value).strip()
    return None if text in ("", "0") else text


@mapping_function("woocommerce_discount")
def woocommerce_discount(subtotal: Any, total: Any) -> str | None:
    """A line's discount (subtotal before coupons minus total after them); None when there is none."""
    before, after = to_decimal(subtotal), to_decimal(total)
    if before is None or after is None or before <= after:
        return None
    return decimal_text(before - after)


@mapping_function("woocommerce_meta")
def woocommerce_meta(entries: Any) -> dict[str, str] | None:
    """``meta_data`` ([{key, value}]) -> attributes: plain values only, without WooCommerce's hidden
    ``_``-prefixed keys (plugin internals) and without structured values (arrays, objects)."""
    if not isinstance(entries, list):
        return None
    found: dict[str, str] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        key, value = entry.get("key"), entry.get("value")
        if not isinstance(key, str) or not key.strip() or key.startswith("_"):
            continue
        if isinstance(value, bool):
            found[key] = "true" if value else "false"
        elif isinstance(value, str | int | float) and str(value).strip():
            found[key] = str(value).strip()
    return found or None


@mapping_function("woocommerce_refund_status")
def woocommerce_refund_status(refunds: Any, total: Any) -> str | None:
    """``refunded`` or ``partially_refunded`` from the order's ``refunds`` ([{id, reason, total}], each total
    written negative), against the order total; None when nothing was refunded, so the status decides.

    WooCommerce moves an order to ``refunded`` only when all of it is; a partial refund leaves it processing or
    completed, and only ``refunds`` tells."""
    if refunds is None:
        return None
    if not isinstance(refunds, list):
        raise ValueError(f"expected the list of refunds, found {type(refunds).__name__}")
    refunded = sum(
        (abs(to_decimal(refund.get("total")) or Decimal(0)) for refund in refunds if isinstance(refund, dict)),
        Decimal(0),
    )
    if refunded == 0:
        return None
    ordered = to_decimal(total)
    return "refunded" if ordered is not None and refunded >= ordered else "partially_refunded"
