"""Amounts as a ledger keeps them: rounded to the currency's minor unit, and months as accounting periods."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from hub.errors import InputRejected

# ISO 4217 currencies whose minor unit is not the cent; every other one has two decimals.
_EXPONENTS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND"), 0),
    **dict.fromkeys(("VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}
ZERO = Decimal(0)


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def rounded(amount: Decimal, currency: str) -> Decimal:
    """``amount`` to the currency's minor unit, halves away from zero (as channels round)."""
    return amount.quantize(Decimal(1).scaleb(-exponent(currency)), rounding=ROUND_HALF_UP)


def text(amount: Decimal, currency: str) -> str:
    """The decimal string a journal line carries ("12.50", "1200" for yen)."""
    return str(rounded(amount, currency))


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def parse_period(value: str) -> tuple[date, date]:
    """``2026-11`` -> (2026-11-01, 2026-11-30); ``InputRejected`` naming the expected form."""
    try:
        year, month = (int(part) for part in value.split("-"))
        start = date(year, month, 1)
    except ValueError:
        raise InputRejected(f"period {value!r} is not a month written YYYY-MM (for example 2026-11)") from None
    return start, next_month(start).fromordinal(next_month(start).toordinal() - 1)


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
