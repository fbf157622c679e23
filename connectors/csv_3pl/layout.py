"""The files the hub writes for the warehouse: fulfillment orders and cancellations, as CSV.

One row per fulfillment order line, the order's columns repeated on each row, so that a spreadsheet filter
or a pivot on ``fulfillment_order_id`` gives the whole order. Files are RFC 4180 CSV (comma, CRLF, quotes
where needed), UTF-8 with a byte order mark unless the account turns it off: without the mark Excel reads
UTF-8 as the local code page and mangles every accented name.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a leading
single quote, so a spreadsheet shows it as text instead of running it as a formula (a buyer controls names
and addresses). The cost is a visible quote on such values (a phone number written ``+1 555 ...``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from hub.canonical import Address, FulfillmentRequest, Order

ORDER_COLUMNS = (
    "fulfillment_order_id",
    "order_reference",
    "order_date",
    "ship_to_name",
    "company",
    "address1",
    "address2",
    "city",
    "state",
    "postal_code",
    "country",
    "phone",
    "email",
    "shipping_method",
    "line_id",
    "sku",
    "name",
    "quantity",
    "test",
)
CANCEL_COLUMNS = ("fulfillment_order_id", "order_reference", "cancel_requested_at")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SAFE_NAME = re.compile(r"[A-Za-z0-9_.-]+")
BOM = "\ufeff"


def neutralise(value: str) -> str:
    """The cell as written: a quote in front of anything a spreadsheet would take for a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _file_part(identifier: str) -> str:
    """An id as a file name part that is safe on every file system; an id that had to be changed gets a short
    hash of the original, so two ids never share a file."""
    if SAFE_NAME.fullmatch(identifier) and not identifier.startswith("."):
        return identifier
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", identifier).strip("-")[:80]
    return f"{cleaned}-{hashlib.sha256(identifier.encode()).hexdigest()[:10]}"


def order_file_name(fulfillment_order_id: str) -> str:
    return f"order-{_file_part(fulfillment_order_id)}.csv"


def batch_file_name(fulfillment_order_ids: Iterable[str]) -> str:
    """Named for the set of fulfillment orders it holds: the same batch sent again replaces its file."""
    digest = hashlib.sha256("\n".join(sorted(fulfillment_order_ids)).encode()).hexdigest()[:20]
    return f"orders-{digest}.csv"


def cancel_file_name(fulfillment_order_id: str) -> str:
    return f"cancel-{_file_part(fulfillment_order_id)}.csv"


def _text(rows: Iterable[Sequence[str]], header: Sequence[str], bom: bool) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return ((BOM if bom else "") + out.getvalue()).encode("utf-8")


def _contact(order: Order, address: Address | None) -> tuple[str, str]:
    phone = (address.phone if address else None) or (order.customer.phone if order.customer else None)
    email = (address.email if address else None) or (order.customer.email if order.customer else None)
    return phone or "", email or ""


def _shipping_method(order: Order) -> str:
    if order.shipping_method:
        return order.shipping_method
    return order.shipping_lines[0].title if order.shipping_lines else ""


def order_rows(request: FulfillmentRequest) -> list[list[str]]:
    """The rows of one fulfillment order, one per line it asks the warehouse to ship."""
    order, to = request.order, request.order.ship_to
    phone, email = _contact(order, to)
    head = [
        request.id,
        request.reference,
        order.placed_at.date().isoformat(),  # the day as the channel dated it, in its own offset
        (to.name if to else None) or (order.customer.name if order.customer else None) or "",
        (to.company if to else None) or "",
        (to.line1 if to else None) or "",
        (to.line2 if to else None) or "",
        (to.city if to else None) or "",
        (to.region if to else None) or "",
        (to.postal_code if to else None) or "",
        to.country if to else "",
        phone,
        email,
        _shipping_method(order),
    ]
    rows = []
    for line in request.lines:
        name = request.order_line(line.line_id).name
        tail = [line.line_id, line.sku or "", name, str(line.quantity), "true" if request.test else "false"]
        rows.append(head + tail)
    return rows


def orders_csv(requests: Sequence[FulfillmentRequest], *, bom: bool = True) -> bytes:
    return _text((row for request in requests for row in order_rows(request)), ORDER_COLUMNS, bom)


def cancel_csv(request: FulfillmentRequest, requested_at: datetime, *, bom: bool = True) -> bytes:
    row = [request.id, request.reference, requested_at.isoformat(timespec="seconds")]
    return _text([row], CANCEL_COLUMNS, bom)
