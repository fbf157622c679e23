"""A generated month of orders for the accounting tests: three channels, two currencies, discounts, named and
unnamed taxes, prices with tax included (EUR), refunds (some keeping a restocking fee), partial shipments."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hub.canonical import Order
from hub.db.models import ShipmentRecord
from hub.db.session import Database
from hub.delivery.accounts import save_account
from hub.ids import new_id
from hub.orders.store import add_order

CHANNELS = (("shopify", "main", "USD"), ("woocommerce", "eu", "EUR"), ("amazon", "us", "USD"))
CENT = Decimal("0.01")
MAPPING = """\
accounts:
  revenue: 4000
  discounts: "4050"
  shipping_income: "4100"
  channel_fees: "6100"
  cost_of_goods: "5000"
  accounts_payable: "2000"
  restocking_fees: "4300"
tax:
  default: "2200"
  CA State Tax: "2210"
clearing:
  default: "1200"
  shopify: "1210"
  woocommerce:eu: "1220"
"""


def money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": str(amount.quantize(CENT)), "currency": currency}


def order_document(rng: random.Random, channel: str, currency: str, number: int, placed: datetime) -> dict[str, Any]:
    incl = currency == "EUR"  # EU shop: prices include 20 % VAT
    lines, subtotal, tax_total, discount_total = [], Decimal(0), Decimal(0), Decimal(0)
    for index in range(rng.randint(1, 3)):
        quantity, price = rng.randint(1, 4), Decimal(rng.randint(500, 9000)) / 100
        discount = (price * quantity * Decimal("0.1")).quantize(CENT) if rng.random() < 0.3 else Decimal(0)
        total = price * quantity - discount
        tax = (total - total / Decimal("1.2")).quantize(CENT) if incl else (total * Decimal("0.0725")).quantize(CENT)
        line: dict[str, Any] = {
            "line_id": str(index + 1),
            "sku": f"SKU-{rng.randint(1, 20)}",
            "name": f"Product {index + 1}",
            "quantity": quantity,
            "unit_price": money(price, currency),
            "total": money(total, currency),
            "tax": money(tax, currency),
        }
        if discount:
            line["discount"] = money(discount, currency)
        lines.append(line)
        subtotal, tax_total, discount_total = subtotal + total, tax_total + tax, discount_total + discount
    shipping = Decimal(rng.choice(["0", "4.99", "9.50"]))
    grand = subtotal + shipping + (Decimal(0) if incl else tax_total)
    document: dict[str, Any] = {
        "channel": channel,
        "channel_order_id": f"{channel}-{number}",
        "number": f"#{number}",
        "placed_at": placed.isoformat(),
        "currency": currency,
        "payment_status": "paid",
        "taxes_included": incl,
        "customer": {"name": f"Buyer {number}", "email": f"buyer{number}@example.com"},
        "lines": lines,
        "shipping_lines": [{"title": "Standard", "price": money(shipping, currency)}] if shipping else [],
        "totals": {
            "subtotal": money(subtotal, currency),
            "discount": money(discount_total, currency),
            "shipping": money(shipping, currency),
            "tax": money(tax_total, currency),
            "total": money(grand, currency),
        },
    }
    if channel == "shopify" and number % 2:  # the channel names its tax: one named charge for the whole order
        charge = {"kind": "tax", "description": "CA State Tax", "amount": money(tax_total, currency), "percent": "7.25"}
        document["charges"] = [charge]
    return document


@dataclass
class Month:
    orders: dict[str, Order] = field(default_factory=dict)  # hub id -> order
    refunds: int = 0
    shipped: dict[str, int] = field(default_factory=dict)  # hub id -> shipments recorded


def generate_month(database: Database, *, seed: int = 7, per_channel: int = 12, start: datetime | None = None) -> Month:
    rng, month = random.Random(seed), Month()
    start = start or datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    with database.session() as session:
        number = 1000
        for channel, account, currency in CHANNELS:
            for _ in range(per_channel):
                number += 1
                placed = start + timedelta(days=rng.randint(0, 25), hours=rng.randint(0, 12))
                order = Order.model_validate(order_document(rng, channel, currency, number, placed))
                stored = add_order(session, order, account=account)
                assert stored.id is not None
                month.orders[stored.id] = stored
                if rng.random() < 0.3:
                    session.add(refund_event(stored, placed + timedelta(days=2), rng, month.refunds))
                    month.refunds += 1
                month.shipped[stored.id] = add_shipments(session, stored, placed, rng)
    return month


def refund_event(order: Order, when: datetime, rng: random.Random, serial: int) -> Any:
    """A refund of the first line; every other one keeps back a restocking fee of 2.00."""
    line = order.lines[0]
    amount = line.total.amount
    kept = Decimal("2.00") if serial % 2 and amount > 5 else Decimal(0)
    refund = {
        "channel_order_id": order.channel_order_id,
        "channel_refund_id": f"r{serial}",
        "created_at": when.isoformat(),
        "currency": order.currency,
        "lines": [{"line_id": line.line_id, "quantity": line.quantity, "amount": money(amount, order.currency)}],
        "total": money(amount - kept, order.currency),
        "reason": "customer changed mind",
    }
    assert order.id is not None
    return record_event_row(order.id, refund)


def record_event_row(order_id: str, refund: dict[str, Any]) -> Any:
    from hub.db.models import OrderEvent

    return OrderEvent(order_id=order_id, type="order.refund_recorded", source="test", data=refund)


def add_shipments(session: Any, order: Order, placed: datetime, rng: random.Random) -> int:
    """None, all units in one shipment, or the first line first and the rest later (a partial shipment)."""
    choice = rng.random()
    if choice < 0.2:
        return 0
    assert order.id is not None
    parts = [{line.line_id: line.quantity for line in order.lines}]
    if choice < 0.6 and (len(order.lines) > 1 or order.lines[0].quantity > 1):
        first = order.lines[0]
        half = (
            {first.line_id: max(first.quantity // 2, 1)} if len(order.lines) == 1 else {first.line_id: first.quantity}
        )
        rest = {k: v - half.get(k, 0) for k, v in parts[0].items() if v - half.get(k, 0) > 0}
        parts = [half, rest]
    for index, units in enumerate(parts):
        shipped = placed + timedelta(days=1 + index * 3)
        session.add(
            ShipmentRecord(
                id=new_id("shp"),
                order_id=order.id,
                source="test",
                key=f"{order.id}-{index}",
                units=units,
                shipped_at=shipped,
                tracking_numbers=[],
                document={},
            )
        )
    return len(parts)


def add_destination(database: Database, tmp_path: Path, account: str, **settings: Any) -> Path:
    """A csv-journal account writing to its own directory, with the test mapping file."""
    directory = tmp_path / f"journal-{account}"
    directory.mkdir(exist_ok=True)
    mapping = tmp_path / "mapping.yaml"
    if not mapping.exists():
        mapping.write_text(MAPPING)
    values = {"directory": str(directory), "mapping_file": str(mapping), **settings}
    with database.session() as session:
        save_account(session, "csv-journal", account, values, {})
    return directory


def journal_rows_of(directory: Path) -> dict[str, list[dict[str, str]]]:
    """Each journal file in ``directory`` as its rows (by column name)."""
    files = {}
    for path in sorted(directory.glob("journal-*.csv")):
        body = path.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("utf-8")
        files[path.name] = list(csv.DictReader(io.StringIO(body, newline="")))
    return files
