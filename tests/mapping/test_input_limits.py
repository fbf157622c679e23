"""Numbers and values past what an order can hold are input errors that name the field, never an exception
from Python's decimal, float or datetime code, and never a runaway (a billion-digit amount, a megabyte message)."""

from __future__ import annotations

from typing import Any

import pytest

from hub.mapping import MappingInputError, parse_mapping
from hub.mapping.functions import get_function, to_decimal


def run(field: str, data: dict[str, Any]) -> Any:
    """One output field ``value`` built by ``field`` (a mapping operation in YAML) from ``data``."""
    mapping = parse_mapping("limits", f"document: order.v1\nfields:\n  value: {field}\n")
    return mapping.run(data).get("value")


@pytest.mark.parametrize(
    ("field", "data", "problem"),
    [
        ("{sum: [a, b]}", {"a": "9e999999", "b": "9e999999"}, "is out of range"),
        ("{copy: a, as: decimal}", {"a": "1e400"}, "'1e400' is out of range"),
        ("{copy: a, as: decimal}", {"a": "0.1" + "0" * 30 + "1"}, "is out of range"),
        ("{copy: a, as: integer}", {"a": "1" * 5000}, "expected a number, found text 5000 characters long"),
        ("{copy: a, as: integer}", {"a": 1e30}, "is out of range"),
        ("{copy: a, as: integer}", {"a": 10**19}, "has more than 18 digits"),
        ("{money: a, currency: {const: USD}}", {"a": "-1e-999999"}, "is out of range"),
        (
            "{call: line_unit_price, args: [a, b]}",
            {"a": "123456789012345678901234.5", "b": 1},
            "line_unit_price: the numbers are out of range",
        ),
        ("{call: epoch_millis, args: [a]}", {"a": 1e30}, "epoch_millis: the number 1e+30 is out of range"),
        ("{call: epoch_millis, args: [a]}", {"a": 10**18}, "is not a date between the years 1 and 9999"),
        ("{call: bigcommerce_id, args: [a]}", {"a": {"id": 1}}, "bigcommerce_id: expected an id, found dict"),
        ("{call: woocommerce_id, args: [a]}", {"a": [1]}, "woocommerce_id: expected an id, found list"),
    ],
    ids=[
        "sum overflow",
        "decimal past 24 digits",
        "decimal past 24 places",
        "integer text of 5000 digits",
        "integer 1e30",
        "integer past 64 bits",
        "money of a tiny number",
        "unit price precision",
        "epoch overflow",
        "epoch past year 9999",
        "bigcommerce id object",
        "woocommerce id list",
    ],
)
def test_out_of_range_input_is_a_mapping_input_error(field: str, data: dict[str, Any], problem: str) -> None:
    with pytest.raises(MappingInputError) as info:
        run(field, data)
    assert problem in str(info.value) and str(info.value).startswith("field value")
    assert len(str(info.value)) < 300


def test_messages_never_echo_a_huge_input() -> None:
    for field in ("{date: a}", "{lookup: {x: y}, from: a, strict: true}", "{copy: a, as: boolean}"):
        with pytest.raises(MappingInputError) as info:
            run(field, {"a": "z" * 100_000})
        assert len(str(info.value)) < 300, field


def test_to_decimal_keeps_ordinary_amounts() -> None:
    assert str(to_decimal("12.50")) == "12.50" and str(to_decimal(0.1)) == "0.1"
    assert str(to_decimal(10**23)) == str(10**23) and str(to_decimal("0E-100000")) == "0"
    with pytest.raises(ValueError, match="out of range"):
        to_decimal(10**24)


def test_walmart_lines_of_the_wrong_shape_read_as_no_statuses() -> None:
    line = {"orderLineQuantity": {"amount": "2"}, "orderLineStatuses": ["Shipped"], "statusDate": 1e300}
    assert get_function("walmart_payment_status")([line]) == "authorized"
    assert get_function("walmart_all_cancelled")([line]) is False
    with pytest.raises(ValueError, match="out of range"):
        get_function("walmart_last_status_date")([line])


def test_x12_digits_are_ascii_digits() -> None:
    assert get_function("x12_sscc")("\u00b2" * 18) is None
    with pytest.raises(ValueError, match="is not a count of line items"):
        get_function("x12_check_line_count")("\u00b2", [])
    with pytest.raises(ValueError, match="expected a date CCYYMMDD"):
        get_function("x12_datetime")("\u00b2" * 8)
