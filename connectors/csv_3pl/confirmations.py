"""Shipment confirmations the warehouse drops in the inbox, read into shipment notices.

A confirmation is a CSV file with a header row; columns are found by name (any order, any case, spaces
taken for underscores; unknown columns ignored), one row per fulfillment order line shipped. The
delimiter is whatever the header row uses: comma, semicolon (Excel in many European locales) or tab. The
text is UTF-8 with or without a byte order mark; a file that is not UTF-8 is read as Windows-1252, the
code page Excel's plain "CSV" save writes.

Rows are grouped into one shipment per fulfillment order and ``shipment_id`` (else ``tracking_number``);
a shipment's key is that fulfillment order and id, not the file name, so a warehouse that reports the same
shipment again in a later export is recorded once. Rows with neither share a shipment keyed by the file's
content.

A file is taken whole or not at all: one bad row refuses the file, and the error lists every bad row by
number (the header is row 1, as a spreadsheet counts) and column, so the operator fixes the file and drops
it again. Recording half a file would leave the other half to be re-sent by hand, with no record of which.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from pydantic import ValidationError

from hub.canonical import Carrier, Shipment, ShipmentItem
from hub.sdk import PermanentError, ShipmentNotice

from .layout import BOM, FORMULA_STARTS

REQUIRED = ("fulfillment_order_id", "quantity")
OPTIONAL = (
    "line_id",
    "sku",
    "carrier",
    "service",
    "tracking_number",
    "tracking_url",
    "ship_date",
    "shipment_id",
    "order_reference",
)
LIMITS = {  # what the hub can store, so a long value is refused here, by row and column
    "fulfillment_order_id": 64,
    "line_id": 64,
    "sku": 128,
    "carrier": 128,
    "service": 128,
    "tracking_number": 100,
    "shipment_id": 100,
    "order_reference": 128,
    "tracking_url": 1024,
}
MAX_LISTED = 20
SHORTENED_NUMBER = re.compile(r"\d(\.\d+)?E\+\d+", re.IGNORECASE)  # 1.23457E+21: Excel ate the digits
WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
# A day without a time stands for midday UTC: the same calendar day in every zone from UTC-12 to UTC+11.
MIDDAY = time(12, 0, tzinfo=UTC)


@dataclass
class _Group:
    """Rows of one shipment of one fulfillment order."""

    fulfillment_order_id: str
    key: str
    reference: str = ""
    carrier: str = ""
    service: str = ""
    tracking: list[str] = field(default_factory=list)
    tracking_url: str = ""
    shipped_at: datetime | None = None
    units: dict[tuple[str, str], int] = field(default_factory=dict)


def decode(body: bytes) -> str:
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text": UTF-16 with its byte order mark
        text = body.decode("utf-16", errors="replace")
    elif _is_utf8(body):
        text = body.decode("utf-8")
    else:
        text = body.decode("cp1252", errors="replace")
    return text[1:] if text.startswith(BOM) else text


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {mark: header.count(mark) for mark in (",", ";", "\t")}
    best = max(counts, key=lambda mark: counts[mark])
    return best if counts[best] else ","


def _column_name(cell: str) -> str:
    return re.sub(r"[\s-]+", "_", cell.strip().strip("'").lower())


def _unquote(value: str) -> str:
    """A cell as the hub wrote it before neutralising a formula-like start (a warehouse may echo it back)."""
    value = value.strip()
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def _header(name: str, row: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(row):
        column = _column_name(cell)
        if column in columns and column:
            raise PermanentError(f"{name}: the header names column {column!r} twice")
        columns[column] = index
    missing = [column for column in REQUIRED if column not in columns]
    if "line_id" not in columns and "sku" not in columns:
        missing.append("line_id or sku")
    if missing:
        raise PermanentError(
            f"{name}: the header row has no {', '.join(missing)} column; a confirmation needs fulfillment_order_id,"
            f" line_id or sku, and quantity (found: {_shown(columns)})"
        )
    return columns


def _shown(columns: dict[str, int]) -> str:
    names = [repr(column[:40]) for column in columns if column][:12]
    return ", ".join(names) + (" ..." if len(columns) > 12 else "") if names else "no column names"


def _ship_date(value: str) -> datetime:
    if DATE_ONLY.fullmatch(value):
        return datetime.combine(date.fromisoformat(value), MIDDAY)
    moment = datetime.fromisoformat(value)  # ValueError for anything else
    if moment.tzinfo is None:
        raise ValueError("naive")
    return moment


class _Row:
    """One data row's cells by column name, and the problems found in it."""

    def __init__(self, number: int, cells: dict[str, str]) -> None:
        self.number, self.cells, self.problems = number, cells, list[str]()

    def get(self, column: str) -> str:
        return self.cells.get(column, "")

    def problem(self, column: str, text: str) -> None:
        self.problems.append(f"row {self.number}, column {column}: {text}")

    def check(self) -> None:
        for column, limit in LIMITS.items():
            if len(self.get(column)) > limit:
                self.problem(column, f"longer than {limit} characters")
        if not self.get("fulfillment_order_id"):
            self.problem("fulfillment_order_id", "empty; every row names the fulfillment order it ships")
        if not self.get("line_id") and not self.get("sku"):
            self.problem("sku", "empty, and so is line_id; every row names the line or SKU shipped")
        for column in ("sku", "tracking_number"):
            if SHORTENED_NUMBER.fullmatch(self.get(column)):
                self.problem(
                    column,
                    f"{self.get(column)!r} is a number a spreadsheet shortened; format the column"
                    " as text and export again",
                )
        self._check_quantity()
        self._check_date_and_url()

    def _check_quantity(self) -> None:
        text = self.get("quantity")
        if not WHOLE_NUMBER.fullmatch(text) or int(text) == 0:
            self.problem("quantity", f"{text[:20]!r} is not a whole number of units above zero")

    def _check_date_and_url(self) -> None:
        if self.get("ship_date"):
            try:
                _ship_date(self.get("ship_date"))
            except ValueError:
                self.problem(
                    "ship_date",
                    f"{self.get('ship_date')!r} is not a date as 2026-12-05 or a time with its offset as"
                    " 2026-12-05T14:30:00-05:00",
                )
        url = self.get("tracking_url")
        if url and not url.lower().startswith(("https://", "http://")):
            self.problem("tracking_url", f"{url[:60]!r} is not an http(s) address")


def _rows(name: str, text: str) -> list[_Row]:
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as exc:
        raise PermanentError(f"{name}: not readable as CSV ({exc})") from None
    records = [record for record in records if any(cell.strip() for cell in record)]
    if not records:
        raise PermanentError(f"{name}: the file is empty; a confirmation starts with a header row")
    columns = _header(name, records[0])
    rows = []
    for number, record in enumerate(records[1:], start=2):
        cells = {column: _unquote(record[index]) for column, index in columns.items() if index < len(record)}
        row = _Row(number, cells)
        if any(cell.strip() for cell in record[len(columns) :]):
            row.problem("(beyond the header)", "more cells than the header row names")
        row.check()
        rows.append(row)
    return rows


def _refuse(name: str, problems: list[str]) -> PermanentError:
    listed = "; ".join(problems[:MAX_LISTED])
    more = f"; and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
    return PermanentError(
        f"{name}: {len(problems)} problem(s), nothing in the file was recorded; fix them and drop the file"
        f" again: {listed}{more}"
    )


def _group_key(row: _Row, content_key: str) -> str:
    fo = row.get("fulfillment_order_id")
    if row.get("shipment_id"):
        return f"{fo}:shipment:{row.get('shipment_id')}"
    if row.get("tracking_number"):
        return f"{fo}:tracking:{row.get('tracking_number')}"
    return f"{fo}:file:{content_key}"


def _add(group: _Group, row: _Row) -> None:
    group.reference = group.reference or row.get("order_reference")
    group.carrier = group.carrier or row.get("carrier")
    group.service = group.service or row.get("service")
    group.tracking_url = group.tracking_url or row.get("tracking_url")
    tracking = row.get("tracking_number")
    if tracking and tracking not in group.tracking:
        group.tracking.append(tracking)
    if row.get("ship_date") and group.shipped_at is None:
        group.shipped_at = _ship_date(row.get("ship_date"))
    unit = (row.get("line_id"), row.get("sku"))
    group.units[unit] = group.units.get(unit, 0) + int(row.get("quantity"))


def _notice(group: _Group) -> ShipmentNotice:
    carrier = None
    if group.carrier or group.service:
        carrier = Carrier(name=group.carrier or None, service=group.service or None)
    items = [
        ShipmentItem(line_id=line_id or None, sku=sku or None, quantity=quantity)
        for (line_id, sku), quantity in group.units.items()
    ]
    shipment = Shipment(
        # The file names no hub order; the echoed reference (or the fulfillment order id) fills the reference
        # a shipment must carry. The hub matches the shipment by ``fulfillment_order_id``.
        channel_order_id=group.reference or group.fulfillment_order_id,
        shipment_number=group.key.split(":shipment:", 1)[1] if ":shipment:" in group.key else None,
        shipped_at=group.shipped_at,
        carrier=carrier,
        tracking_numbers=group.tracking,
        items=items,
    )
    return ShipmentNotice(key=group.key, shipment=shipment, fulfillment_order_id=group.fulfillment_order_id)


def read_confirmation(name: str, body: bytes) -> list[ShipmentNotice]:
    """The shipments a confirmation file reports, one per fulfillment order and shipment; ``PermanentError``
    naming the file, and each bad row and column, when any row is wrong."""
    rows = _rows(name, decode(body))
    problems = [problem for row in rows for problem in row.problems]
    if problems:
        raise _refuse(name, problems)
    if not rows:
        raise PermanentError(f"{name}: the file has a header row and no shipments")
    content_key = hashlib.sha256(body).hexdigest()[:24]
    groups: dict[str, _Group] = {}
    for row in rows:
        key = _group_key(row, content_key)
        group = groups.setdefault(key, _Group(row.get("fulfillment_order_id"), key))
        _add(group, row)
    try:
        return [_notice(group) for group in groups.values()]
    except ValidationError as exc:  # what the row checks do not cover; still named, never a crash
        raise PermanentError(f"{name}: {_first_problem(exc)}") from None


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return f"{'.'.join(str(part) for part in error['loc']) or 'shipment'}: {error['msg']}"
