"""Money: exact amounts written as strings, scale kept, currencies never mixed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from hub.canonical import CurrencyMismatchError, Money


@pytest.mark.parametrize("text", ["12.30", "0.125", "-5", "1000.000", "0.00", "123456789012345678.000000000000000001"])
def test_amount_is_a_string_in_json_with_its_scale_kept(text: str) -> None:
    money = Money(amount=text, currency="USD")

    assert money.model_dump(mode="json") == {"amount": text, "currency": "USD"}
    assert money.model_dump()["amount"] == Decimal(text)
    again = Money.model_validate_json(money.model_dump_json())
    assert again.model_dump(mode="json") == {"amount": text, "currency": "USD"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.1, "0.1"), (19.99, "19.99"), (0.1 + 0.2, "0.30000000000000004"), (5.0, "5.0"), (1e-7, "0.0000001")],
)
def test_float_input_becomes_its_shortest_decimal_not_binary_noise(value: float, expected: str) -> None:
    assert Money(amount=value, currency="USD").model_dump(mode="json")["amount"] == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(7, "7"), (Decimal("7.10"), "7.10"), (" 7.10 ", "7.10"), (Decimal("1E+2"), "100"), ("-0.00", "0.00")],
)
def test_int_decimal_and_padded_string_input(value: object, expected: str) -> None:
    assert Money(amount=value, currency="USD").model_dump(mode="json")["amount"] == expected


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        float("inf"),
        Decimal("NaN"),
        Decimal("-Infinity"),
        "NaN",
        True,
        False,
        "12,30",
        "1e3",
        "",
        None,
    ],
)
def test_non_amounts_are_rejected(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Money(amount=value, currency="USD")
    assert caught.value.errors()[0]["loc"] == ("amount",)
    assert "decimal number expected" in str(caught.value)


def test_amounts_beyond_18_digits_either_side_are_rejected() -> None:
    with pytest.raises(ValidationError, match="at most 18 digits before"):
        Money(amount="1" * 19, currency="USD")
    with pytest.raises(ValidationError, match="at most 18 digits after"):
        Money(amount="0." + "1" * 19, currency="USD")


def test_currency_is_normalised_to_uppercase_iso_4217() -> None:
    assert Money(amount="1", currency=" usd").currency == "USD"
    for bad in ("US", "US$", "DOLLAR", ""):
        with pytest.raises(ValidationError, match="ISO 4217"):
            Money(amount="1", currency=bad)


def test_zero_and_addition_keep_currency_and_scale() -> None:
    parts = [Money(amount="1.50", currency="EUR"), Money(amount="2.255", currency="EUR")]

    total = sum(parts, Money.zero("EUR"))

    assert total.model_dump(mode="json") == {"amount": "3.755", "currency": "EUR"}
    assert Money.zero("eur").model_dump(mode="json") == {"amount": "0", "currency": "EUR"}


def test_addition_is_exact_for_large_amounts_with_many_decimals() -> None:
    big = Money(amount="123456789012345678.123456789012345678", currency="USD")
    tiny = Money(amount="0.000000000000000001", currency="USD")

    assert (big + tiny).amount == Decimal("123456789012345678.123456789012345679")


def test_subtraction_and_negation() -> None:
    price = Money(amount="25.00", currency="USD")
    discount = Money(amount="2.50", currency="USD")

    assert (price - discount).model_dump(mode="json") == {"amount": "22.50", "currency": "USD"}
    assert (-discount).model_dump(mode="json") == {"amount": "-2.50", "currency": "USD"}


def test_mixed_currency_arithmetic_is_refused() -> None:
    usd = Money(amount="10", currency="USD")
    eur = Money(amount="3", currency="EUR")

    with pytest.raises(CurrencyMismatchError, match="cannot add EUR 3 and USD 10"):
        usd + eur
    with pytest.raises(CurrencyMismatchError, match="subtract"):
        usd - eur
