"""Field rules shared by every document: quantities, datetimes, codes, unknown fields, immutability."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from hub.canonical import Address, OrderLine, Return, ShipmentItem


def _line(**changes: Any) -> OrderLine:
    fields: dict[str, Any] = {
        "line_id": "1",
        "sku": "TEE-BLK-M",
        "name": "Organic Tee",
        "quantity": 1,
        "unit_price": {"amount": "25.00", "currency": "USD"},
        "total": {"amount": "25.00", "currency": "USD"},
    }
    return OrderLine.model_validate(fields | changes)


@pytest.mark.parametrize(("value", "expected"), [(3, 3), ("3", 3), (" 12 ", 12), (0, 0), ("0", 0)])
def test_quantity_accepts_integers_and_strings_of_digits(value: object, expected: int) -> None:
    assert _line(quantity=value).quantity == expected
    assert _line(quantity=value).model_dump(mode="json")["quantity"] == expected


@pytest.mark.parametrize("value", [3.5, 3.0, "3.5", "three", True, None, "1e2"])
def test_quantity_rejects_fractions_floats_and_booleans(value: object) -> None:
    with pytest.raises(ValidationError, match="whole number") as caught:
        _line(quantity=value)
    assert caught.value.errors()[0]["loc"] == ("quantity",)


@pytest.mark.parametrize("value", [-1, "-2"])
def test_quantity_cannot_be_negative(value: object) -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        _line(quantity=value)


def _return(requested_at: object) -> Return:
    return Return.model_validate(
        {"rma_number": "RMA-1", "requested_at": requested_at, "lines": [{"sku": "TEE", "quantity": 1}]}
    )


@pytest.mark.parametrize("naive", ["2024-12-10T11:20:00", datetime(2024, 12, 10, 11, 20)])
def test_naive_datetimes_are_rejected_with_a_hint(naive: object) -> None:
    with pytest.raises(ValidationError) as caught:
        _return(naive)
    error = caught.value.errors()[0]
    assert error["loc"] == ("requested_at",)
    assert "no timezone" in error["msg"]
    assert "2024-05-01T09:30:00Z" in error["msg"]


def test_aware_datetimes_keep_their_offset_in_json() -> None:
    paris = timezone(timedelta(hours=1))

    assert _return("2024-12-10T11:20:00+01:00").requested_at == datetime(2024, 12, 10, 11, 20, tzinfo=paris)
    assert _return("2024-12-10T11:20:00+01:00").model_dump(mode="json")["requested_at"] == ("2024-12-10T11:20:00+01:00")
    assert _return(datetime(2024, 12, 10, 10, 20, tzinfo=UTC)).model_dump(mode="json")["requested_at"] == (
        "2024-12-10T10:20:00Z"
    )


def test_calendar_days_are_dates() -> None:
    line = _line(requested_ship_date="2024-12-02")

    assert line.requested_ship_date == date(2024, 12, 2)
    assert line.model_dump(mode="json")["requested_ship_date"] == "2024-12-02"


@pytest.mark.parametrize(("given", "stored"), [("us", "US"), (" de ", "DE"), ("Fr", "FR"), ("GB", "GB")])
def test_country_is_normalised_to_uppercase_alpha_2(given: str, stored: str) -> None:
    assert Address(country=given).country == stored


@pytest.mark.parametrize("bad", ["USA", "U", "1A", ""])
def test_country_that_is_not_alpha_2_is_rejected_with_the_expected_form(bad: str) -> None:
    with pytest.raises(ValidationError, match="ISO 3166-1 alpha-2"):
        Address(country=bad)


def test_unit_of_measure_defaults_to_each_and_is_upper_cased() -> None:
    assert _line().uom == "EA"
    assert _line(uom="ca").uom == "CA"


def test_identifier_qualifiers_are_lowercase_names() -> None:
    assert _line(identifiers={"gtin": "00012345678905"}).identifiers == {"gtin": "00012345678905"}
    with pytest.raises(ValidationError) as caught:
        _line(identifiers={"GTIN": "00012345678905"})
    assert caught.value.errors()[0]["loc"] == ("identifiers", "GTIN", "[key]")


def test_unknown_fields_are_rejected_not_dropped() -> None:
    with pytest.raises(ValidationError) as caught:
        Address(country="US", street="1 Main St")  # type: ignore[call-arg]
    assert caught.value.errors()[0]["type"] == "extra_forbidden"
    assert caught.value.errors()[0]["loc"] == ("street",)

    with pytest.raises(ValidationError) as nested:
        _line(unit_price={"amount": "25.00", "currency": "USD", "amount_cents": 2500})
    assert nested.value.errors()[0]["loc"] == ("unit_price", "amount_cents")


def test_models_are_frozen() -> None:
    address = Address(country="US", city="Reno")

    with pytest.raises(ValidationError, match="frozen"):
        address.city = "Sparks"  # type: ignore[misc]
    assert address.model_copy(update={"city": "Sparks"}).city == "Sparks"
    assert address.city == "Reno"


def test_items_must_name_what_they_refer_to() -> None:
    assert ShipmentItem(identifiers={"upc": "012345678905"}, quantity=1).identifiers["upc"] == "012345678905"
    with pytest.raises(ValidationError, match="line_id, a sku or at least one identifier"):
        ShipmentItem(quantity=1)
