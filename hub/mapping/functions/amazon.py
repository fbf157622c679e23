"""Mapping functions for Amazon SP-API orders (``mappings/amazon/``)."""

from __future__ import annotations

from typing import Any

from hub.mapping.functions.registry import mapping_function


@mapping_function("amazon_buyer_cancel")
def buyer_cancel(flag: Any, order_item_id: Any, requested: Any) -> str | None:
    """ "true" when the buyer asked to cancel the item, else None.

    getOrderItems says so in ``BuyerRequestedCancel.IsBuyerRequestedCancel`` (the text "true"); the ORDER_CHANGE
    notification that led to the read lists the items it named (``["*"]``: the whole order). Either is enough:
    the notification can arrive before the item shows it.
    """
    if flag is True or (isinstance(flag, str) and flag.strip().lower() == "true"):
        return "true"
    if requested is None:
        return None
    if not isinstance(requested, list):
        raise ValueError(f"expected the list of items the buyer asked to cancel, found {type(requested).__name__}")
    named = {str(item) for item in requested}
    return "true" if "*" in named or str(order_item_id) in named else None
