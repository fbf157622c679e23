"""Amounts and codes a document repeats read the same every time, and what is kept of them stays small."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hub.canonical import Money, base


def test_a_repeated_amount_reads_the_same_each_time() -> None:
    for _ in range(3):
        assert Money(amount="-0.00", currency="USD").model_dump(mode="json") == {"amount": "0.00", "currency": "USD"}
        assert Money(amount="12.30", currency="usd").model_dump(mode="json") == {"amount": "12.30", "currency": "USD"}
        with pytest.raises(ValidationError, match="decimal number expected"):
            Money(amount="12,30", currency="USD")
        with pytest.raises(ValidationError, match="'US' is not an ISO 4217 currency code"):
            Money(amount="1", currency="US")


def test_many_different_amounts_keep_a_bounded_table() -> None:
    for n in range(3 * base._READ_KEPT):
        text = f"{n}.{n % 100:02d}"
        assert Money(amount=text, currency="EUR").model_dump(mode="json")["amount"] == text
        assert len(base._READ) <= base._READ_KEPT
