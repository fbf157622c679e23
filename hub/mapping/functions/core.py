"""General-purpose mapping functions: text, arithmetic on decimals, epochs, presence tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.mapping.functions.registry import mapping_function


def to_decimal(value: Any) -> Decimal | None:
    """Decimal from a JSON number or numeric string; floats go through their shortest repr."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"expected a number, found {value!r}")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"expected a number, found {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"expected a finite number, found {value!r}")
    return number


def decimal_text(value: Decimal) -> str:
    """Plain notation, never exponent form (Decimal('1E+2') -> '100')."""
    return format(value, "f")


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


@mapping_function("epoch_millis")
def epoch_millis(value: Any) -> str | None:
    """Milliseconds since the epoch (Walmart) -> ISO 8601 UTC."""
    number = to_decimal(value)
    if number is None:
        return None
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
