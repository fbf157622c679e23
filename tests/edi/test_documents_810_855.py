"""X12 810 and 855 sample files to invoice.v1 and purchase_order_ack.v1 through the mappings x12/810 and x12/855,
and the mapping function they add (hub.mapping.functions.x12_invoice)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.canonical.acknowledgment import PurchaseOrderAck
from hub.canonical.invoice import Invoice
from hub.edi import documents
from hub.edi.reader import read_interchanges
from hub.mapping import MappingInputError, load_mapping
from hub.mapping.functions import get_function
from hub.mapping.functions.x12_invoice import x12_line_rows
from tests.edi.mapped import mapping_inputs

HERE = Path(__file__).parent


def _inputs(path: str, data: bytes | None = None) -> list[dict]:
    return mapping_inputs(data if data is not None else (HERE / path).read_bytes())


def _invoice(data: bytes | None = None) -> Invoice:
    (tree,) = _inputs("spec_samples/810_4010.x12", data)
    invoice = load_mapping("x12/810")(tree)
    assert isinstance(invoice, Invoice)
    return invoice


def _ack(data: bytes | None = None) -> PurchaseOrderAck:
    (tree,) = _inputs("spec_samples/855_4010.x12", data)
    ack = load_mapping("x12/855")(tree)
    assert isinstance(ack, PurchaseOrderAck)
    return ack


def test_810_to_invoice() -> None:
    invoice = _invoice()
    assert (invoice.invoice_number, str(invoice.invoice_date), invoice.po_number) == (
        "INV0001",
        "2024-01-20",
        "PO12345",
    )
    assert invoice.currency == "USD" and invoice.due_date is None
    assert [
        (ln.line_id, ln.quantity, ln.uom, str(ln.unit_price.amount), str(ln.total.amount), ln.sku, ln.description)
        for ln in invoice.lines
    ] == [
        ("1", 12, "EA", "9.99", "119.88", "ABC-1", "RED WIDGET"),
        ("2", 5, "CA", "24.50", "122.50", None, None),
    ]
    assert invoice.lines[0].identifiers == {"upc": "012345678905", "vendor_part": "ABC-1"}
    amounts = {
        name: str(getattr(invoice, name).amount) for name in ("subtotal", "shipping", "tax", "discount", "total")
    }
    assert amounts == {"subtotal": "242.38", "shipping": "15.00", "tax": "12.50", "discount": "5.00", "total": "244.38"}
    assert invoice.terms is not None
    assert (invoice.terms.net_days, str(invoice.terms.discount_percent), invoice.terms.discount_days) == (60, "2", 30)


def test_810_remit_to_is_kept_apart_from_the_parties() -> None:
    invoice = _invoice()
    assert invoice.remit_to is not None and invoice.remit_to.role.value == "remit_to"
    assert (invoice.remit_to.name, invoice.remit_to.id_qualifier, invoice.remit_to.id) == ("ACME SUPPLY", "92", "SUP1")
    assert invoice.remit_to.address is not None
    assert (invoice.remit_to.address.city, invoice.remit_to.address.country) == ("DAYTON", "US")
    assert [(p.role.value, p.name, p.id) for p in invoice.parties] == [("ship_to", "STORE 42", "0042")]


def test_810_line_position_stands_in_for_an_empty_it101() -> None:
    sample = (HERE / "spec_samples/810_4010.x12").read_bytes()
    invoice = _invoice(sample.replace(b"IT1*2*5*CA", b"IT1**5*CA"))
    assert [ln.line_id for ln in invoice.lines] == ["1", "2"]


def test_810_bad_total_names_the_field() -> None:
    sample = (HERE / "spec_samples/810_4010.x12").read_bytes()
    with pytest.raises(MappingInputError, match=r"field total: x12_implied_decimal"):
        _invoice(sample.replace(b"TDS*24438", b"TDS*244.38"))


def test_855_to_acknowledgment_with_a_line_per_status() -> None:
    ack = _ack()
    assert (ack.po_number, ack.ack_number, ack.ack_type.value) == ("PO12345", "SO998877", "accepted_with_changes")
    assert ack.acknowledged_at.isoformat() == "2024-01-16T00:00:00+00:00"
    assert [
        (ln.line_id, ln.status.value, ln.quantity, ln.uom, str(ln.unit_price.amount), str(ln.scheduled_ship_date))
        for ln in ack.lines
        if ln.unit_price is not None
    ] == [
        ("1", "accepted", 12, "EA", "9.99", "2024-02-01"),
        ("2", "changed", 3, "CA", "24.50", "2024-02-01"),
        ("2", "backordered", 2, "CA", "24.50", "2024-02-15"),
    ]
    assert ack.lines[0].sku == "ABC-1" and ack.lines[2].identifiers == {"upc": "012345678912"}


@pytest.mark.parametrize(("code", "expected"), [("AD", "accepted"), ("AT", "accepted"), ("RJ", "rejected")])
def test_855_ack_types(code: str, expected: str) -> None:
    sample = (HERE / "spec_samples/855_4010.x12").read_bytes()
    assert _ack(sample.replace(b"BAK*00*AC*", f"BAK*00*{code}*".encode())).ack_type.value == expected


def test_855_ack_date_and_line_status_rules() -> None:
    sample = (HERE / "spec_samples/855_4010.x12").read_bytes()
    data = (
        sample.replace(b"BAK*00*AC*PO12345*20240116", b"BAK*00*AC*PO12345*20240116****SO1*20240117")
        .replace(b"ACK*IA*12*EA*068*20240201", b"ACK*IR*12*EA*017*20240201")
        .replace(b"ACK*IB*2*CA*068*20240215", b"ACK*IB*2")
    )
    ack = _ack(data)
    assert ack.ack_number == "SO1" and ack.acknowledged_at.isoformat() == "2024-01-17T00:00:00+00:00"
    first, _, last = ack.lines
    assert (first.status.value, first.scheduled_ship_date) == ("rejected", None)  # 017 is not a ship date
    assert (last.uom, last.scheduled_ship_date) == ("CA", None)  # unit from PO103


def test_855_unknown_codes_fail_naming_the_field() -> None:
    sample = (HERE / "spec_samples/855_4010.x12").read_bytes()
    with pytest.raises(MappingInputError, match=r"field ack_type: 'AH' is not one of"):
        _ack(sample.replace(b"BAK*00*AC*", b"BAK*00*AH*"))
    with pytest.raises(MappingInputError, match=r"field lines\[1\]\.rows\[1\]\.status: 'IW' is not one of"):
        _ack(sample.replace(b"ACK*IB*", b"ACK*IW*"))


def test_to_documents_once_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The DOCUMENTS entries the hub needs for these sets, tried without editing hub/edi/documents.py."""
    monkeypatch.setitem(documents.DOCUMENTS, "810", "x12/810")
    monkeypatch.setitem(documents.DOCUMENTS, "855", "x12/855")
    for path, kind in (("spec_samples/810_4010.x12", Invoice), ("spec_samples/855_4010.x12", PurchaseOrderAck)):
        (interchange,) = read_interchanges((HERE / path).read_bytes())
        group = interchange.groups[0]
        (tx,) = group.transactions
        (document,) = documents.to_documents(tx, group, interchange)
        assert isinstance(document, kind)


def test_x12_line_rows() -> None:
    assert get_function("x12_line_rows") is x12_line_rows
    entries = [
        {"line": {"line_id": "1", "uom": "EA"}, "rows": [{"status": "accepted"}]},
        {
            "line": {"line_id": "2", "uom": "CA"},
            "rows": [{"status": "changed", "uom": "EA"}, {"status": "backordered"}],
        },
        {"line": {"line_id": "3"}},
    ]
    assert x12_line_rows(entries) == [
        {"line_id": "1", "uom": "EA", "status": "accepted"},
        {"line_id": "2", "uom": "EA", "status": "changed"},
        {"line_id": "2", "uom": "CA", "status": "backordered"},
    ]
    assert x12_line_rows([{"common": {"a": 1}, "each": [{"b": 2}]}], line="common", rows="each") == [{"a": 1, "b": 2}]
    assert x12_line_rows(None) is None
    assert x12_line_rows([{"line": {"line_id": "3"}}]) is None
    assert x12_line_rows([{"rows": [{"status": "accepted"}]}]) == [{"status": "accepted"}]
    for bad in ("x", ["x"], [{"line": "x", "rows": []}], [{"rows": ["x"]}]):
        with pytest.raises(ValueError):
            x12_line_rows(bad)
