"""An order's amounts written the same way are validated once and read the same each time; a refused amount is
refused with its path every time it appears; what is kept of them stays small."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from hub.canonical import Order, money

EXAMPLE = json.loads((Path(__file__).parent / "examples" / "order.v1.json").read_text(encoding="utf-8"))


def _order(price: Any, *, lines: int = 3) -> dict[str, Any]:
    data = json.loads(json.dumps(EXAMPLE))
    line = data["lines"][0]
    data["lines"] = [
        {**line, "line_id": str(n), "unit_price": dict(price), "total": dict(price)} for n in range(1, lines + 1)
    ]
    return data


def test_repeated_amounts_read_as_the_same_money() -> None:
    first = Order.model_validate(_order({"amount": "-0.00", "currency": "usd"}))
    again = Order.model_validate(_order({"amount": "-0.00", "currency": "usd"}))
    prices = [line.unit_price.model_dump(mode="json") for line in first.lines + again.lines]
    assert prices == [{"amount": "0.00", "currency": "USD"}] * 6
    assert first.lines == again.lines


def test_a_refused_amount_is_refused_with_its_path_each_time() -> None:
    for _ in range(2):
        with pytest.raises(ValidationError) as caught:
            Order.model_validate(_order({"amount": "12,30", "currency": "USD"}, lines=2))
        places = {error["loc"] for error in caught.value.errors()}
        assert ("lines", 1, "unit_price", "amount") in places and ("lines", 0, "total", "amount") in places
    with pytest.raises(ValidationError, match="'US' is not an ISO 4217"):
        Order.model_validate(_order({"amount": "1.00", "currency": "US"}))
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Order.model_validate(_order({"amount": "1.00", "currency": "USD", "note": "x"}))


def test_many_different_amounts_keep_a_bounded_table() -> None:
    for n in range(money._VALIDATED_KEPT + 50):
        Order.model_validate(_order({"amount": f"{n}.01", "currency": "USD"}, lines=2))
        assert len(money._VALIDATED) <= money._VALIDATED_KEPT
