"""An edited mapping file takes effect at once: what one loaded mapping computed is never reused by another.

The 850 functions keep the last allowance rules and the last priced order between their calls (the mapping
makes four calls per order with the same option lists); a mapping loaded from edited text passes other lists,
so its orders are priced by its own rules, even for the very same input.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hub.mapping import parse_mapping

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings" / "x12"


def _charges(order: Any) -> dict[str, str]:
    return {charge.code: charge.kind.value for charge in order.charges if charge.line_id is None}


def test_an_edited_code_list_prices_the_same_order_by_the_new_rules() -> None:
    text = (MAPPINGS / "850.yaml").read_text(encoding="utf-8")
    assert "shipping: [D240, " in text
    shipped = parse_mapping("x12/850", text)
    edited = parse_mapping("x12/850", text.replace("shipping: [D240, ", "shipping: ["))  # freight is now a fee
    data = json.loads((MAPPINGS / "850.cases" / "allowances_charges.in.json").read_text(encoding="utf-8"))

    first = shipped(data)
    assert _charges(first)["D240"] == "shipping"
    assert (str(first.totals.shipping.amount), str(first.totals.fees.amount)) == ("45.00", "15.00")

    second = edited(data)  # the same input objects, mapped again right after
    assert _charges(second)["D240"] == "fee"
    assert second.totals.shipping.amount == 0
    assert second.totals.fees is not None and str(second.totals.fees.amount) == "60.00"
    assert second.totals.total == first.totals.total  # a charge either way

    assert shipped(data) == first  # and back
