"""A settlement as every channel's reader produces it, before it is stored.

Amounts are what the channel says it paid for a line (a sale positive, a refund negative) and the fee it
kept for it (positive when the channel charged one); ``net`` is what reached the bank account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from hub.errors import InputRejected


class LineKind(StrEnum):
    SALE = "sale"
    REFUND = "refund"
    FEE = "fee"
    ADJUSTMENT = "adjustment"


class PayoutRejected(InputRejected):
    """A settlement document the hub cannot read; the message names the line or field."""


@dataclass(frozen=True)
class PayoutLine:
    channel_order_id: str | None
    kind: LineKind
    amount: Decimal
    fee: Decimal

    def as_json(self) -> dict[str, Any]:
        return {
            "channel_order_id": self.channel_order_id,
            "kind": self.kind.value,
            "amount": str(self.amount),
            "fee": str(self.fee),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PayoutLine:
        return cls(data.get("channel_order_id"), LineKind(data["kind"]), Decimal(data["amount"]), Decimal(data["fee"]))


@dataclass(frozen=True)
class Payout:
    channel: str
    account: str
    payout_id: str
    day: date
    currency: str
    net: Decimal
    lines: tuple[PayoutLine, ...]

    @property
    def gross(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def fees(self) -> Decimal:
        return sum((line.fee for line in self.lines), Decimal(0))


def decimal_of(value: Any, where: str) -> Decimal:
    try:
        return Decimal(str(value).strip().replace(",", ""))
    except ArithmeticError:
        raise PayoutRejected(f"{where}: {value!r} is not an amount") from None


def date_of(value: Any, where: str) -> date:
    text = str(value or "").strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    for separator in (".", "/"):  # Amazon writes some reports as DD.MM.YYYY
        parts = text[:10].split(separator)
        if len(parts) == 3 and all(part.isdigit() for part in parts):
            day, month, year = (int(part) for part in parts)
            try:
                return date(year, month, day)
            except ValueError:
                break
    raise PayoutRejected(f"{where}: {value!r} is not a date")
