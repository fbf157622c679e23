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
from tests.edi import x12text as x12
from tests.edi.mapped import mapped_documents, mapping_inputs

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
    with pytest.raises(MappingInputError, match=r"field lines\[1\].acks\[1\].status: 'IW' is not one of"):
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


# -- every id pair, quantity and answer of realistic retail layouts ---------------------------------------


def _invoice_of(*lines: str, version: str = "004010") -> Invoice:
    body = [
        "BIG*20261203*INV-55012*20261120*PO-778812",
        "CUR*SE*USD",
        "N1*RE*WIDGET SUPPLY CO*92*SUP1",
        "N3*500 MILL ST",
        "N4*DAYTON*OH*45402",
        "N1*ST*ACME DC 4*92*0004",
        "ITD*01*3*2**30**60",
        "DTM*011*20261125",
        *lines,
        "TDS*0",
        f"CTT*{sum(1 for line in lines if line.startswith('IT1'))}",
    ]
    isa = "00501" if version >= "005010" else "00401"
    data = x12.interchange(x12.group("IN", 7, x12.transaction("810", "0001", *body), version=version), version=isa)
    (invoice,) = mapped_documents(data)
    assert isinstance(invoice, Invoice)
    return invoice


def test_810_lines_keep_every_product_id_pair() -> None:
    invoice = _invoice_of(
        "IT1*1*24*EA*4.75**UP*012345678905*VN*WID-100*IN*887766",
        "PID*F****BLUE WIDGET",
        "IT1*2*6*CA*28.50**UK*10012345678902*VN*WID-200*VP*WID-200-CS*BP*BUY-200",
        "IT1*3*10*EA*1.25**EN*4006381333931*PI*PUR-77*CB*CAT-12*ZZ*SEASON-FALL",
    )
    assert [(ln.line_id, ln.quantity, ln.uom, ln.sku) for ln in invoice.lines] == [
        ("1", 24, "EA", "WID-100"),
        ("2", 6, "CA", "WID-200"),
        ("3", 10, "EA", None),
    ]
    assert [ln.identifiers for ln in invoice.lines] == [
        {"upc": "012345678905", "vendor_part": "WID-100", "buyer_item": "887766"},
        # VN and VP are both vendor part numbers: the second, different one keeps its qualifier
        {"gtin": "10012345678902", "vendor_part": "WID-200", "x12_vp": "WID-200-CS", "buyer_part": "BUY-200"},
        {"ean": "4006381333931", "purchaser_item": "PUR-77", "buyer_catalog": "CAT-12", "x12_zz": "SEASON-FALL"},
    ]


def test_810_5010_line_with_all_ten_id_pairs() -> None:
    pairs = "UP*012345678905*UK*00012345678905*EN*0012345678905*VN*WID-1*VP*WID-1-EA*BP*B-1*IN*I-1*SK*S-1*MG*M-1*UA*C-1"
    invoice = _invoice_of(f"IT1*1*3*CA*10.00*PE*{pairs}", version="005010")
    (line,) = invoice.lines
    assert (line.quantity, line.uom, line.sku) == (3, "CA", "WID-1")
    assert line.identifiers == {
        "upc": "012345678905",
        "gtin": "00012345678905",
        "ean": "0012345678905",
        "vendor_part": "WID-1",
        "x12_vp": "WID-1-EA",
        "buyer_part": "B-1",
        "buyer_item": "I-1",
        "sku": "S-1",
        "manufacturer_part": "M-1",
        "case_upc": "C-1",
    }


def _ack_of(*body: str, header: str = "BAK*00*AC*PO-778812*20261120****SO-5521*20261121") -> PurchaseOrderAck:
    segments = [header, "N1*ST*ACME DC 4*92*0004", *body, f"CTT*{sum(1 for s in body if s.startswith('PO1'))}"]
    data = x12.interchange(x12.group("PR", 9, x12.transaction("855", "0001", *segments)))
    (ack,) = mapped_documents(data)
    assert isinstance(ack, PurchaseOrderAck)
    return ack


def _rows(ack: PurchaseOrderAck) -> list[tuple[object, ...]]:
    return [
        (
            ln.line_id,
            ln.status.value,
            ln.status_code,
            ln.quantity,
            ln.uom,
            ln.scheduled_ship_date and str(ln.scheduled_ship_date),
        )
        for ln in ack.lines
    ]


def test_855_po1_without_ack_is_answered_by_the_acknowledgment_as_a_whole() -> None:
    body = (
        "PO1*1*24*EA*4.75**UP*012345678905*VN*WID-100",
        "ACK*IA*24*EA*068*20261201",
        "PO1*2*8*CA*1.00**UP*012345678929*BP*BUY-2",
    )
    ack = _ack_of(*body)
    assert _rows(ack) == [("1", "accepted", "IA", 24, "EA", "2026-12-01"), ("2", "accepted", None, 8, "CA", None)]
    assert ack.lines[1].identifiers == {"upc": "012345678929", "buyer_part": "BUY-2"}
    rejected = _ack_of(*body[2:], header="BAK*00*RJ*PO-778812*20261120")
    assert _rows(rejected) == [("2", "rejected", None, 8, "CA", None)]


def test_855_ack_without_quantity_covers_what_the_other_acks_leave() -> None:
    ack = _ack_of(
        "PO1*1*10*EA*3.00**BP*BUY-200*VP*WID-200",
        "ACK*IA*6*EA*068*20261201",
        "ACK*IB**EA*068*20261215",
        "PO1*2*5*EA*2.00**VN*WID-300",
        "ACK*IR",
    )
    assert _rows(ack) == [
        ("1", "accepted", "IA", 6, "EA", "2026-12-01"),
        ("1", "backordered", "IB", 4, "EA", "2026-12-15"),
        ("2", "rejected", "IR", 5, "EA", None),
    ]
    with pytest.raises(MappingInputError, match=r"lines\[1\]\.quantity"):
        _ack_of("PO1*1*10*EA*3.00**VP*WID-200", "ACK*IA**EA", "ACK*IB**EA")  # two unknown shares


def test_855_ack_ids_and_delivery_dates_are_kept() -> None:
    ack = _ack_of(
        "PO1*1*3*EA*1.50**VN*WID-500*UP*012345678936",
        "ACK*IS*3*EA*067*20261203**VN*WID-501*UP*012345678943",
        "PO1*2*4*EA*2.50**UP*012345678950",
        "ACK*IA*4*EA*069*20261205**UP*012345678950*VN*WID-600",
    )
    substituted, echoed = ack.lines
    assert (substituted.status.value, substituted.status_code, substituted.sku) == ("changed", "IS", "WID-501")
    assert substituted.identifiers == {
        "vendor_part": "WID-501",
        "upc": "012345678943",
        "ordered_vendor_part": "WID-500",
        "ordered_upc": "012345678936",
    }
    assert (echoed.sku, echoed.identifiers) == ("WID-600", {"upc": "012345678950", "vendor_part": "WID-600"})
    assert [str(ln.scheduled_delivery_date) for ln in ack.lines] == ["2026-12-03", "2026-12-05"]
    assert [ln.scheduled_ship_date for ln in ack.lines] == [None, None]
