"""Mapping functions for BigCommerce v2 orders read back with their products and shipping addresses
(``mappings/bigcommerce/``)."""

from __future__ import annotations

from typing import Any

from hub.mapping.functions.registry import mapping_function


@mapping_function("bigcommerce_id")
def bigcommerce_id(value: Any) -> str | None:
    """An id BigCommerce writes as 0 when there is none (guest customer, product without variant) -> text."""
    if value is None or isinstance(value, bool):
        return None
    if not isinstance(value, str | int):
        raise ValueError(f"expected an id, found {type(value).__name__}")
    text = str(value).strip()
    return None if text in ("", "0") else text


@mapping_function("bigcommerce_require_one_address")
def bigcommerce_require_one_address(addresses: Any) -> None:
    """Refuse an order split across several shipping addresses (always None otherwise).

    order.v1 has one ship_to; shipping every line of a split order to the first address would be a silent
    fulfilment error, so such an order stays failed in the inbox, visibly, for an operator to handle.
    """
    count = len(addresses) if isinstance(addresses, list) else 0
    if count > 1:
        raise ValueError(
            f"the order ships to {count} addresses and order.v1 has one ship_to; "
            "split it into one order per address in BigCommerce, or fulfil it by hand"
        )
    return None


@mapping_function("bigcommerce_options")
def bigcommerce_options(options: Any) -> dict[str, str] | None:
    """``product_options`` ([{display_name, display_value}]) -> line attributes such as {"Size": "M"}."""
    if not isinstance(options, list):
        return None
    found: dict[str, str] = {}
    for option in options:
        if not isinstance(option, dict):
            continue
        name, value = option.get("display_name"), option.get("display_value")
        if isinstance(name, str) and name.strip() and value is not None and str(value).strip():
            found[name.strip()] = str(value).strip()
    return found or None
