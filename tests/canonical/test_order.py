"""The order document: a realistic multi-currency order round-trips exactly; inconsistent ones are refused."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from hub.canonical import Money, Order, OrderStatus, PaymentStatus, validate_document


def test_realistic_order_round_trips_through_json_identically(order_data: dict[str, Any]) -> None:
    order = Order.model_validate(order_data)

    dumped = order.model_dump(mode="json")
    again = Order.model_validate(dumped)

    assert again == order
    assert again.model_dump(mode="json") == dumped
    assert Order.model_validate_json(order.model_dump_json()) == order
    assert Order.model_validate_json(order.model_dump_json()).model_dump_json() == order.model_dump_json()


def test_realistic_order_serializes_the_way_integrators_read_it(order_data: dict[str, Any]) -> None:
    dumped = Order.model_validate(order_data).model_dump(mode="json")

    assert dumped["schema_version"] == "order.v1"
    assert dumped["placed_at"] == "2024-11-29T14:03:27-05:00"
    assert dumped["ship_to"]["country"] == "FR"  # sent lowercase by the channel
    tee, wrapping, gift_card = dumped["lines"]
    assert tee["unit_price"] == {"amount": "25.00", "currency": "USD"}
    assert tee["uom"] == "EA"
    assert wrapping["sku"] is None
    assert gift_card["gift_card"] is True
    assert gift_card["requires_shipping"] is False
    assert dumped["shipping_lines"][0]["discount"] == {"amount": "0.00", "currency": "USD"}
    assert dumped["presentment_totals"]["total"] == {"amount": "103.08", "currency": "EUR"}


def test_realistic_order_validates_against_the_committed_schema(order_data: dict[str, Any]) -> None:
    validate_document("order.v1", Order.model_validate(order_data).model_dump(mode="json"))


def test_line_totals_sum_to_the_subtotal_with_money_helpers(order_data: dict[str, Any]) -> None:
    order = Order.model_validate(order_data)

    line_sum = sum((line.total for line in order.lines), Money.zero(order.currency))

    assert line_sum == order.totals.subtotal
    assert line_sum.model_dump(mode="json")["amount"] == "99.50"


def test_minimal_order_gets_documented_defaults() -> None:
    order = Order.model_validate(
        {
            "channel": "edi",
            "channel_order_id": "PO-448812",
            "placed_at": "2024-11-28T00:00:00Z",
            "currency": "USD",
            "lines": [_usd_line("1")],
            "totals": {name: _usd("18.75") for name in ("subtotal", "total")}
            | {name: _usd("0") for name in ("discount", "shipping", "tax")},
        }
    )

    assert order.schema_version == "order.v1"
    assert order.status is OrderStatus.RECEIVED
    assert order.payment_status is PaymentStatus.UNKNOWN
    assert order.ship_to is None
    assert order.test is False
    assert order.lines[0].requires_shipping is True


def _usd(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "USD"}


def _usd_line(line_id: str) -> dict[str, Any]:
    return {
        "line_id": line_id,
        "name": "Widget",
        "quantity": 1,
        "unit_price": _usd("18.75"),
        "total": _usd("18.75"),
    }


def _error(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        Order.model_validate(data)
    return str(caught.value)


def test_amount_in_another_currency_is_refused_naming_its_path(order_data: dict[str, Any]) -> None:
    data = copy.deepcopy(order_data)
    data["lines"][1]["tax"]["currency"] = "EUR"
    data["shipping_lines"][0]["price"]["currency"] = "GBP"

    message = _error(data)

    assert "lines[1].tax is in EUR" in message
    assert "shipping_lines[0].price is in GBP" in message
    assert "order currency USD" in message


def test_totals_in_another_currency_are_refused(order_data: dict[str, Any]) -> None:
    data = copy.deepcopy(order_data)
    data["totals"]["total"]["currency"] = "EUR"

    assert "totals.total is in EUR" in _error(data)


def test_presentment_totals_must_be_in_the_presentment_currency(order_data: dict[str, Any]) -> None:
    data = copy.deepcopy(order_data)
    data["presentment_totals"]["tax"]["currency"] = "USD"

    assert "presentment_totals.tax is in USD" in _error(data)
    assert "presentment currency EUR" in _error(data)

    data = copy.deepcopy(order_data)
    del data["presentment_currency"]
    assert "presentment_currency is missing" in _error(data)


def test_duplicate_line_ids_are_refused(order_data: dict[str, Any]) -> None:
    data = copy.deepcopy(order_data)
    data["lines"][2]["line_id"] = "1"

    assert "line_id must be unique within the order; repeated: 1" in _error(data)


def test_an_order_needs_at_least_one_line(order_data: dict[str, Any]) -> None:
    data = copy.deepcopy(order_data)
    data["lines"] = []

    assert "lines" in _error(data)
    assert "at least 1 item" in _error(data)


def test_b2b_parties_and_requested_dates() -> None:
    order = Order.model_validate(
        {
            "channel": "edi",
            "channel_order_id": "PO-448812",
            "po_number": "PO-448812",
            "source_partner": "bigbox",
            "placed_at": "2024-11-28T00:00:00-05:00",
            "currency": "USD",
            "parties": [
                {
                    "role": "ship_to",
                    "name": "BigBox DC 12",
                    "id_qualifier": "92",
                    "id": "0012",
                    "address": {"line1": "1 Dock Rd", "city": "Memphis", "region": "TN", "country": "us"},
                },
                {"role": "buyer", "name": "BigBox Stores"},
            ],
            "requested_ship_date": "2024-12-02",
            "cancel_after": "2024-12-09",
            "lines": [_usd_line("1") | {"identifiers": {"buyer_part": "884410", "upc": "012345678905"}}],
            "totals": {name: _usd("18.75") for name in ("subtotal", "total")}
            | {name: _usd("0") for name in ("discount", "shipping", "tax")},
        }
    )

    dumped = order.model_dump(mode="json")
    assert dumped["parties"][0]["role"] == "ship_to"
    assert dumped["parties"][0]["address"]["country"] == "US"
    assert dumped["cancel_after"] == "2024-12-09"
    validate_document("order.v1", dumped)


def _b2b_order(**changes: Any) -> dict[str, Any]:
    """A purchase order of two lines with a 5.00 order-level allowance allocated to the lines, and freight."""
    lines = [
        _usd_line("1") | {"quantity": 4, "unit_price": _usd("10.00"), "discount": _usd("4.00"), "total": _usd("36.00")},
        _usd_line("2") | {"quantity": 1, "unit_price": _usd("10.00"), "discount": _usd("1.00"), "total": _usd("9.00")},
    ]
    data: dict[str, Any] = {
        "channel": "x12",
        "channel_order_id": "PO-1",
        "placed_at": "2024-11-28T00:00:00Z",
        "currency": "USD",
        "lines": lines,
        "charges": [
            {"kind": "discount", "code": "C310", "amount": _usd("5.00"), "percent": "10"},
            {"kind": "shipping", "code": "D240", "amount": _usd("7.50")},
            {"kind": "fee", "code": "H090", "line_id": "2", "amount": _usd("2.00")},
            {"kind": "discount", "code": "A260", "amount": _usd("3.00"), "in_totals": False},
        ],
        "payment_terms": {"net_days": 30, "discount_percent": "2", "discount_days": 10},
        "totals": {
            "subtotal": _usd("45.00"),
            "discount": _usd("5.00"),
            "shipping": _usd("7.50"),
            "tax": _usd("0"),
            "fees": _usd("2.00"),
            "total": _usd("54.50"),
        },
    }
    return data | changes


def test_charges_fees_and_payment_terms_round_trip() -> None:
    order = Order.model_validate(_b2b_order())

    dumped = order.model_dump(mode="json")
    assert Order.model_validate(dumped) == order
    validate_document("order.v1", dumped)
    assert [(c.kind.value, c.code, c.in_totals) for c in order.charges] == [
        ("discount", "C310", True),
        ("shipping", "D240", True),
        ("fee", "H090", True),
        ("discount", "A260", False),
    ]
    assert dumped["charges"][0]["percent"] == "10"
    assert dumped["totals"]["fees"] == _usd("2.00")
    assert order.payment_terms is not None and order.payment_terms.net_days == 30
    counted = sum((c.amount for c in order.charges if c.kind.value == "fee" and c.in_totals), Money.zero("USD"))
    assert order.totals.fees == counted


def test_a_charge_must_name_a_line_of_the_order_and_be_positive() -> None:
    data = _b2b_order()
    data["charges"][2]["line_id"] = "9"
    assert "charges[2] name a line_id that no line of the order has" in _error(data)

    data = _b2b_order()
    data["charges"][1]["amount"] = _usd("-7.50")
    assert "amount must not be negative" in _error(data)

    data = _b2b_order()
    data["charges"][1]["amount"]["currency"] = "CAD"
    assert "charges[1].amount is in CAD" in _error(data)


def test_payment_terms_are_checked_as_on_invoices() -> None:
    data = _b2b_order(payment_terms={"net_days": 30, "discount_percent": "2"})
    assert "discount_percent and discount_days go together" in _error(data)
