"""What the outbound tests share: partner profiles, counting control numbers, reading an interchange back the way
the hub reads a partner's, the mappings' golden documents, and hand-made canonical documents."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from hub.canonical import CanonicalModel, Order, document_class
from hub.edi.control_numbers import Kind
from hub.edi.documents import to_documents
from hub.edi.partners import PartnerProfile, parse_profile
from hub.edi.reader import read_interchanges
from hub.edi.validate import validate_interchange

MAPPINGS = Path(__file__).resolve().parents[3] / "mappings" / "x12"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
# (ISA12, GS08): both control versions, with and without the retail variant the profile may name.
VERSIONS = [("00401", "004010"), ("00401", "004010VICS"), ("00501", "005010"), ("00501", "005010VICS")]


def make_profile(control_version: str = "00401", gs_version: str = "004010", **changes: Any) -> PartnerProfile:
    data: dict[str, Any] = {
        "theirs": {"qualifier": "ZZ", "id": "SUPPLIER", "gs_id": "SUPPLIERGS"},
        "ours": {"qualifier": "ZZ", "id": "ORDERHUB", "gs_id": "ORDERHUBGS"},
        "control_version": control_version,
        "gs_version": gs_version,
    }
    data.update(changes)
    return parse_profile(data)


class Numbers:
    """Fresh control numbers counting from given starts (the database-backed source has its own test)."""

    def __init__(self, isa13: int = 100, gs06: int = 20, st02: int = 1) -> None:
        self.next = {Kind.ISA13: isa13, Kind.GS06: gs06, Kind.ST02: st02}
        self.drawn: Counter[Kind] = Counter()

    def __call__(self, kind: Kind) -> int:
        self.drawn[kind] += 1
        self.next[kind] += 1
        return self.next[kind] - 1


def read_back(text: str) -> list[CanonicalModel]:
    """The documents the hub's own intake reads from ``text``: reader, validation, inbound mappings."""
    interchanges = read_interchanges(text.encode("ascii"))
    documents: list[CanonicalModel] = []
    for interchange in interchanges:
        assert validate_interchange(interchange) == []
        for group in interchange.groups:
            for transaction in group.transactions:
                documents += to_documents(transaction, group, interchange)
    return documents


def segments(text: str) -> list[str]:
    """The segments of ``text`` without their terminators (default delimiters, one segment a line)."""
    return [line.removesuffix("~") for line in text.splitlines()]


def golden(set_id: str) -> list[tuple[str, CanonicalModel]]:
    """The canonical documents of the inbound mapping's golden cases for ``set_id``."""
    out = []
    for path in sorted((MAPPINGS / f"{set_id}.cases").glob("*.out.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        out.append((f"{set_id}/{path.name.removesuffix('.out.json')}", document_class(data["schema_version"])(**data)))
    return out


def money(amount: str, currency: str = "USD") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


def drop_ship_order(**changes: Any) -> Order:
    """An order the hub places with a drop-ship supplier: a web shop's order, with the PO number the hub gave it."""
    data: dict[str, Any] = {
        "channel": "shopify",
        "channel_order_id": "5432109876",
        "number": "#1001",
        "po_number": "HUB-PO-1001",
        "placed_at": "2026-03-01T22:15:00-05:00",
        "currency": "USD",
        "customer": {"name": "Ana Müller", "email": "ana@example.com", "phone": "+1 555 0100"},
        "ship_to": {
            "name": "Ana Müller",
            "company": "Acme Labs",
            "line1": "12 Harbor St",
            "line2": "Apt 4",
            "city": "Portland",
            "region": "OR",
            "postal_code": "97201",
            "country": "US",
            "phone": "+1 555 0100",
        },
        "lines": [
            {
                "line_id": "1",
                "channel_line_id": "1111",
                "sku": "ABC-1",
                "name": "Red Widget",
                "quantity": 2,
                "unit_price": money("19.99"),
                "discount": money("4.00"),
                "total": money("35.98"),
                "identifiers": {"upc": "012345678905"},
            },
            {
                "line_id": "2",
                "channel_line_id": "2222",
                "sku": "XYZ-9",
                "name": "Blue Widget",
                "quantity": 1,
                "unit_price": money("5.50"),
                "total": money("5.50"),
            },
        ],
        "shipping_lines": [{"title": "Ground", "carrier": "UPSN", "price": money("7.00")}],
        "totals": {
            "subtotal": money("41.48"),
            "discount": money("4.00"),
            "shipping": money("7.00"),
            "tax": money("0"),
            "total": money("48.48"),
        },
        "requested_ship_date": date(2026, 3, 3),
        "shipping_method": "Ground",
        "notes": "Leave at the back door, please.",
    }
    data.update(changes)
    return Order(**data)
