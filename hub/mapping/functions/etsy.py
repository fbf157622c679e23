"""Mapping functions for Etsy v3 shop receipts (``mappings/etsy/``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub.mapping.functions.core import decimal_text, to_decimal
from hub.mapping.functions.registry import mapping_function


@mapping_function("etsy_address_with_street")
def etsy_address_with_street(address: Any, street: Any) -> Any:
    """The receipt's address when it has a street line, else None.

    A receipt for digital downloads can carry the buyer's name and country without a street: there is
    nothing to ship to, and order.v1 then has no ship_to.
    """
    if street is None or (isinstance(street, str) and not street.strip()):
        return None
    return address


@mapping_function("etsy_coupons")
def etsy_coupons(shop_coupon: Any, buyer_coupon: Any, divisor: Any = None) -> str | None:
    """A transaction's coupon discounts (``shop_coupon`` + ``buyer_coupon``, decimal numbers in the shop's
    currency) as one amount, at the currency's scale given by the money divisor; None when there is none."""
    total = (to_decimal(shop_coupon) or Decimal(0)) + (to_decimal(buyer_coupon) or Decimal(0))
    if total <= 0:
        return None
    scale = to_decimal(divisor)
    if scale is not None and scale > 0 and scale == scale.to_integral_value():
        places = len(str(int(scale))) - 1
        total = total.quantize(Decimal(1).scaleb(-places))
    return decimal_text(total)


@mapping_function("etsy_variations")
def etsy_variations(variations: Any) -> dict[str, str] | None:
    """A transaction's ``variations`` ([{formatted_name, formatted_value}]) -> line attributes, e.g.
    {"Size": "Large", "Personalization": "Anna"}: what the buyer chose or asked to have made."""
    if not isinstance(variations, list):
        return None
    found: dict[str, str] = {}
    for variation in variations:
        if not isinstance(variation, dict):
            continue
        name, value = variation.get("formatted_name"), variation.get("formatted_value")
        if isinstance(name, str) and name.strip() and value is not None and str(value).strip():
            found[name.strip()] = str(value).strip()
    return found or None
