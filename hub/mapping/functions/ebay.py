"""Mapping functions for eBay Sell Fulfillment orders."""

from __future__ import annotations

from typing import Any

from hub.mapping.functions.core import decimal_text, to_decimal
from hub.mapping.functions.registry import mapping_function


@mapping_function("ebay_line_discount")
def line_discount(line_item_cost: Any, discounted_line_item_cost: Any) -> str | None:
    """A line's promotion discount as a positive amount: lineItemCost (before discounts) minus
    discountedLineItemCost, which eBay only sends for a discounted line. None when there is no discount."""
    cost, discounted = to_decimal(line_item_cost), to_decimal(discounted_line_item_cost)
    if cost is None or discounted is None:
        return None
    if discounted > cost:
        raise ValueError(f"discounted cost {discounted_line_item_cost!r} exceeds the line cost {line_item_cost!r}")
    return decimal_text(cost - discounted)
