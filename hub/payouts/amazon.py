"""Amazon's settlement report (V2 flat file): tab-separated, one header line, then a summary row carrying the
settlement id, its dates and the total deposited, then one row per amount (an order's principal, its
commission, a refund's principal, a subscription fee ...).

Rows are summed per order and transaction type: amounts whose ``amount-type`` is a fee (``ItemFees``, or a
description naming a commission or fee) are the fee Amazon kept, positive; the rest is what the buyer paid
or was paid back. Fees not tied to an order are lines of kind ``fee``.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal

from hub.payouts.model import LineKind, Payout, PayoutLine, PayoutRejected, date_of, decimal_of

COLUMNS = (
    "settlement-id",
    "settlement-start-date",
    "settlement-end-date",
    "deposit-date",
    "total-amount",
    "currency",
    "transaction-type",
    "order-id",
    "amount-type",
    "amount-description",
    "amount",
)
KINDS = {"order": LineKind.SALE, "refund": LineKind.REFUND}


def is_fee(amount_type: str, description: str) -> bool:
    text = f"{amount_type} {description}".lower()
    return amount_type == "ItemFees" or "commission" in text or "fee" in text


def read_settlement(text: str, account: str) -> Payout:
    """The settlement in ``text``; PayoutRejected naming the line when it cannot be read."""
    rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    if not rows or [name.strip() for name in rows[0][: len(COLUMNS)]] != list(COLUMNS):
        raise PayoutRejected(f"line 1: not an Amazon settlement report (expected the columns {', '.join(COLUMNS)})")
    summary: tuple[str, date, str, Decimal] | None = None
    sums: dict[tuple[str | None, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(COLUMNS):
            raise PayoutRejected(f"line {number}: {len(row)} columns, expected {len(COLUMNS)}")
        cells = dict(zip(COLUMNS, (cell.strip() for cell in row), strict=False))
        if summary is None:
            summary = _summary(cells, number)
            continue
        if not cells["amount"]:
            raise PayoutRejected(f"line {number}: no amount")
        amount = decimal_of(cells["amount"], f"line {number}")
        key = (cells["order-id"] or None, cells["transaction-type"])
        if is_fee(cells["amount-type"], cells["amount-description"]):
            sums[key][1] -= amount  # Amazon lists fees as negative amounts; a fee kept is positive here
        else:
            sums[key][0] += amount
    if summary is None:
        raise PayoutRejected("line 2: the settlement summary row (settlement id, total) is missing")
    settlement_id, day, currency, total = summary
    lines = tuple(_line(order_id, kind, amount, fee) for (order_id, kind), (amount, fee) in sums.items())
    return Payout("amazon", account, settlement_id, day, currency, total, lines)


def _summary(cells: dict[str, str], number: int) -> tuple[str, date, str, Decimal]:
    if not cells["settlement-id"] or not cells["total-amount"]:
        raise PayoutRejected(f"line {number}: the summary row has no settlement-id or total-amount")
    currency = cells["currency"]
    if len(currency) != 3 or not currency.isalpha():
        raise PayoutRejected(f"line {number}: currency {currency!r} is not an ISO 4217 code")
    day = date_of(cells["deposit-date"] or cells["settlement-end-date"], f"line {number}")
    return cells["settlement-id"], day, currency.upper(), decimal_of(cells["total-amount"], f"line {number}")


def _line(order_id: str | None, transaction_type: str, amount: Decimal, fee: Decimal) -> PayoutLine:
    kind = KINDS.get(transaction_type.lower())
    if kind is None:
        kind = LineKind.FEE if order_id is None and not amount else LineKind.ADJUSTMENT
    return PayoutLine(order_id, kind, amount, fee)
