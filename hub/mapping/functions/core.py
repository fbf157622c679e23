"""General-purpose mapping functions: text, arithmetic on decimals, epochs, presence tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from hub.mapping.functions.registry import mapping_function

# The numbers an order can hold: amounts, quantities, rates, epoch times. Anything past these is a broken or
# hostile input, and refused here because Decimal would carry it on: "1e999999999" formats as a billion digits
# and overflows the first sum.
MAX_WHOLE_DIGITS = 24
MAX_DECIMAL_PLACES = 24


# Numbers already read from text, by that text: quantities, prices and codes repeat from line to line and
# order to order, and reading one costs several checks. A Decimal is immutable, so sharing it is safe; the
# table is emptied when full, so it stays small whatever the input.
_READ: dict[str, Decimal] = {}
_READ_KEPT = 1024


def to_decimal(value: Any) -> Decimal | None:
    """Decimal from a JSON number or numeric string; floats go through their shortest repr. ValueError for
    anything else, and for numbers beyond ``MAX_WHOLE_DIGITS`` digits or ``MAX_DECIMAL_PLACES`` places."""
    if type(value) is str:
        number = _READ.get(value)
        if number is None:
            number = _read_decimal(value)
            if number is not None:
                if len(_READ) >= _READ_KEPT:
                    _READ.clear()
                _READ[value] = number
        return number
    return _read_decimal(value)


def _read_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError(f"expected a number, found {shown(value)}")
    if isinstance(value, str) and len(value) > MAX_WHOLE_DIGITS + MAX_DECIMAL_PLACES + 8:
        raise ValueError(f"expected a number, found text {len(value)} characters long")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"expected a number, found {shown(value)}") from None
    if not number.is_finite():
        raise ValueError(f"expected a finite number, found {shown(value)}")
    exponent = number.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if number and (number.adjusted() >= MAX_WHOLE_DIGITS or places > MAX_DECIMAL_PLACES):
        raise ValueError(
            f"the number {shown(value)} is out of range (at most {MAX_WHOLE_DIGITS} digits before the decimal "
            f"point and {MAX_DECIMAL_PLACES} after)"
        )
    return number if number or places <= MAX_DECIMAL_PLACES else Decimal(0)


def shown(value: Any) -> str:
    """``repr(value)`` for an error message, cut short: input can be megabytes of text or a huge number."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**40:
        return "a number of more than 40 digits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def decimal_text(value: Decimal) -> str:
    """Plain notation, never exponent form (Decimal('1E+2') -> '100')."""
    return format(value, "f")


# An amount's text as a money object carries it, by the text read: the same prices repeat from line to line.
_AMOUNT_TEXTS: dict[str, str] = {}


def amount_text(value: Any) -> str | None:
    """``decimal_text(to_decimal(value))``, None when ``to_decimal`` gives None; ValueError as it raises."""
    if type(value) is str:
        text = _AMOUNT_TEXTS.get(value)
        if text is not None:
            return text
    number = to_decimal(value)
    if number is None:
        return None
    text = format(number, "f")
    if type(value) is str:
        if len(_AMOUNT_TEXTS) >= _READ_KEPT:
            _AMOUNT_TEXTS.clear()
        _AMOUNT_TEXTS[value] = text
    return text


@mapping_function("join")
def join(*parts: Any, separator: str = " ") -> str | None:
    """Non-empty parts joined: join(first_name, last_name) -> "Ines Moreau"."""
    words = [str(part).strip() for part in parts if part is not None and str(part).strip()]
    return separator.join(words) or None


@mapping_function("multiply")
def multiply(*factors: Any) -> str | None:
    numbers = [to_decimal(factor) for factor in factors]
    if any(number is None for number in numbers):
        return None
    product = Decimal(1)
    for number in numbers:
        product *= number  # type: ignore[operator]
    return decimal_text(product)


@mapping_function("subtract")
def subtract(minuend: Any, *subtrahends: Any) -> str | None:
    start = to_decimal(minuend)
    if start is None:
        return None
    for value in subtrahends:
        start -= to_decimal(value) or Decimal(0)
    return decimal_text(start)


@mapping_function("minor_units")
def minor_units(amount: Any, divisor: Any) -> str | None:
    """An amount given in minor units with its divisor (Etsy: {amount: 1999, divisor: 100}) -> "19.99"."""
    value, scale = to_decimal(amount), to_decimal(divisor)
    if value is None or scale is None:
        return None
    if scale <= 0:
        raise ValueError(f"divisor must be positive, found {divisor!r}")
    places = max(0, len(str(int(scale))) - 1) if scale == scale.to_integral_value() else 2
    return decimal_text((value / scale).quantize(Decimal(1).scaleb(-places)))


# 0001-01-01 .. 9999-12-31 in epoch milliseconds: what a datetime can hold.
EPOCH_MILLIS_RANGE = (-62_135_596_800_000, 253_402_300_799_999)


@mapping_function("epoch_millis")
def epoch_millis(value: Any) -> str | None:
    """Milliseconds since the epoch (Walmart) -> ISO 8601 UTC."""
    number = to_decimal(value)
    if number is None:
        return None
    if not EPOCH_MILLIS_RANGE[0] <= number <= EPOCH_MILLIS_RANGE[1]:
        raise ValueError(f"{shown(value)} milliseconds since 1970 is not a date between the years 1 and 9999")
    return datetime.fromtimestamp(float(number) / 1000, tz=UTC).isoformat()


@mapping_function("negate")
def negate(value: Any) -> bool | None:
    return None if value is None else not bool(value)


@mapping_function("is_present")
def is_present(value: Any) -> bool:
    """True when the value is there and not empty (a shipping address, a cancellation time ...)."""
    return value not in (None, "", [], {})


@mapping_function("count")
def count(value: Any) -> int:
    return len(value) if isinstance(value, list | dict) else 0


# When a line amount does not divide evenly by its quantity, the unit price keeps this many digits more than
# the amount had; the line total stays the channel's figure and is what money is reconciled against.
EXTRA_UNIT_DIGITS = 4


@mapping_function("line_unit_price")
def line_unit_price(line_amount: Any, quantity: Any) -> str | None:
    """Price of one unit from a line amount for ``quantity`` units: ("39.98", 2) -> "19.99".

    The result keeps the amount's scale, with up to four more decimals where the division needs them, rounded
    half-even: ("10.00", 3) -> "3.333333", ("5", 2) -> "2.5". A line with no units (Amazon reports a cancelled
    item with QuantityOrdered 0) has no per-unit price to derive, so its amount, normally zero, stands in.
    """
    amount = to_decimal(line_amount)
    if amount is None:
        return None
    count = to_decimal(quantity)
    if count is None or count == 0:
        return decimal_text(amount)
    if count < 0 or count != count.to_integral_value():
        raise ValueError(f"quantity must be a whole number of units, found {quantity!r}")
    exponent = amount.as_tuple().exponent
    scale = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    digits = scale + EXTRA_UNIT_DIGITS
    unit = (amount / count).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)
    # Drop the extra digits again where they are zeros: ("5", 2) -> "2.5", ("39.98", 2) -> "19.99".
    while digits > scale and unit == unit.quantize(Decimal(1).scaleb(-(digits - 1))):
        digits -= 1
        unit = unit.quantize(Decimal(1).scaleb(-digits))
    return decimal_text(unit)
