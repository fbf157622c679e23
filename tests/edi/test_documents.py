"""X12 files to canonical documents end to end (hub.edi.documents), and the x12 mapping functions."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.edi.documents import DOCUMENTS, to_documents
from hub.edi.reader import read_interchanges
from hub.mapping import MappingInputError
from hub.mapping.functions import x12
from tests.edi.mapped import mapped_documents

HERE = Path(__file__).parent


def _documents(path: str) -> list:
    return mapped_documents((HERE / path).read_bytes())


def test_850_to_order() -> None:
    first, second = _documents("samples/850_4010_crlf.x12")
    assert first.po_number == first.channel_order_id == "4500012345"
    assert second.po_number == "4500012346"
    assert first.channel == "x12" and first.source_partner == "ACMERETAIL"
    assert first.placed_at.isoformat() == "2024-01-05T00:00:00+00:00"
    assert str(first.requested_delivery_date) == "2024-01-15"
    assert [(ln.line_id, ln.quantity, ln.uom, str(ln.unit_price.amount)) for ln in first.lines] == [
        ("1", 24, "EA", "4.75"),
        ("2", 12, "CA", "38.40"),
    ]
    assert first.lines[0].identifiers == {"upc": "012345678905", "vendor_part": "WG-100-BLU"}
    assert first.lines[0].sku == "WG-100-BLU"
    assert first.lines[1].name == "WIDGET RED 200MM CASE OF 12"
    assert str(first.totals.total.amount) == "574.80"
    assert first.ship_to is not None
    assert (first.ship_to.name, first.ship_to.city, first.ship_to.postal_code) == ("ACME DC 4", "COLUMBUS", "43215")


def test_850_5010_with_bill_to_and_parties() -> None:
    (order,) = _documents("spec_samples/850_5010.x12")
    assert order.bill_to is not None and order.bill_to.name == "ACME RETAIL"
    assert [(p.role.value, p.id_qualifier, p.id) for p in order.parties] == [
        ("ship_to", "92", "0042"),
        ("bill_to", "1", "123456789"),
    ]
    assert str(order.requested_ship_date) == "2024-01-25"
    assert order.attributes == {"purpose": "original", "po_type": "SA"}


def test_856_to_shipment() -> None:
    (shipment,) = _documents("samples/856_4010.x12")
    assert shipment.shipment_number == "SHP0045567" and shipment.po_number == "4500012345"
    assert shipment.shipped_at.isoformat() == "2024-01-08T14:15:00+00:00"
    assert shipment.carrier is not None and shipment.carrier.scac == "UPSN"
    assert shipment.bill_of_lading == "1Z999AA10123456784"
    assert [p.sscc for p in shipment.packages] == ["001234500000000018", "001234500000000025"]
    assert [(i.sku, i.quantity, i.uom) for p in shipment.packages for i in p.items] == [
        ("WG-100-BLU", 24, "EA"),
        ("WG-200-RED", 12, "CA"),
    ]
    assert shipment.items == []


def test_sets_without_mapping_give_no_document() -> None:
    assert "940" not in DOCUMENTS  # the hub writes 940s; one received is validated and acknowledged only
    assert _documents("spec_samples/940_4010.x12") == []


def test_bad_data_names_the_field() -> None:
    data = (HERE / "samples/850_4010_crlf.x12").read_bytes().replace(b"PO1*1*24*EA*4.75", b"PO1*1*24*EA*4,75")
    interchange = read_interchanges(data)[0]
    group = interchange.groups[0]
    with pytest.raises(MappingInputError, match=r"lines\[0\]\.unit_price"):
        to_documents(group.transactions[0], group, interchange)


# --- the mapping functions ---------------------------------------------------------------------------------


def test_x12_qualified_and_first() -> None:
    dtm = [{"01": "002", "02": "20240201"}, {"01": "010", "02": "20240125"}]
    assert x12.x12_qualified(dtm, "010") == "20240125"
    assert x12.x12_qualified(dtm, "001") is None
    assert x12.x12_qualified({"01": "F", "05": "NAME"}, "F", element="05") == "NAME"
    assert x12.x12_qualified(None, "F") is None
    assert x12.x12_first(["a", "b"]) == "a" and x12.x12_first([]) is None


def test_x12_identifiers_and_product_id() -> None:
    po1 = {"01": "1", "06": "UP", "07": "0123", "08": "ZZ", "09": "x", "10": "VN", "11": "V-1"}
    assert x12.x12_identifiers(po1) == {"upc": "0123", "x12_zz": "x", "vendor_part": "V-1"}
    assert x12.x12_identifiers(po1, others=False) == {"upc": "0123", "vendor_part": "V-1"}
    assert x12.x12_identifiers({"01": "1"}) is None
    assert x12.x12_product_id(po1, qualifiers=["SK", "VN"]) == "V-1"
    assert x12.x12_product_id(po1) == "0123"
    lin = {"01": "1", "02": "SK", "03": "S-9"}
    assert x12.x12_identifiers(lin, start=2) == {"sku": "S-9"}


def test_id_pairs_are_read_in_element_order_whatever_the_key_order_or_other_keys() -> None:
    """The tree writes keys in element order; data from elsewhere may not, or may carry other keys."""
    tree = {"01": "1", "02": "6", "06": "UP", "07": " 0123 ", "08": "ZZ", "10": "VN", "11": "V-1", "12": "BP"}
    expected = {"upc": "0123", "vendor_part": "V-1"}  # ZZ has no id after it, BP is the last element
    assert x12.x12_identifiers(tree) == expected
    assert x12.x12_identifiers(dict(reversed(tree.items()))) == expected
    assert x12.x12_product_id(dict(reversed(tree.items()))) == "0123"  # the first pair by position
    assert x12.x12_identifiers({**tree, "index": 3, "1": "x"}) == expected
    assert x12.x12_identifiers({"06": 12, "07": 345, "08": "SK", "09": 6}) == {"x12_12": "345", "sku": "6"}
    assert x12.x12_identifiers({"998": "UP", "999": "0123", "05": "VN", "06": "V"}, start=5) == {"vendor_part": "V"}
    assert x12.x12_identifiers({"998": "UP", "999": "0123", "05": "VN", "06": "V"}, start=4) == {"upc": "0123"}


def test_id_pairs_of_segments_with_the_same_keys_are_each_their_own() -> None:
    """The lines of a file fill the same elements: each line still gets its own ids, blanks and nulls left out."""
    lines = [{"01": str(n), "06": "UP", "07": f"0{n}", "08": "VN", "09": f"V-{n}"} for n in range(3)]
    expected = [{"upc": f"0{n}", "vendor_part": f"V-{n}"} for n in range(3)]
    assert [x12.x12_identifiers(line) for line in lines] == expected
    assert [x12.x12_product_id(line, qualifiers=["VN"]) for line in lines] == ["V-0", "V-1", "V-2"]
    assert x12.x12_identifiers({"01": "9", "06": "UP", "07": "  ", "08": "VN", "09": None}) is None
    assert x12.x12_identifiers({"01": "9", "06": "UP", "07": 7, "08": " VN ", "09": "V"}) == {
        "upc": "7",
        "vendor_part": "V",
    }


def test_x12_implied_decimal_datetime_sscc() -> None:
    assert x12.x12_implied_decimal("24438") == "244.38"
    assert x12.x12_implied_decimal("-500") == "-5.00"
    assert x12.x12_implied_decimal("7", places=0) == "7"
    with pytest.raises(ValueError):
        x12.x12_implied_decimal("12.5")
    assert x12.x12_datetime("20240108", "1415") == "2024-01-08T14:15:00"
    assert x12.x12_datetime("240108", "141530") == "2024-01-08T14:15:30"
    assert x12.x12_datetime("20240108") == "2024-01-08T00:00:00"
    with pytest.raises(ValueError):
        x12.x12_datetime("2024-01-08")
    assert x12.x12_sscc("00001234500000000018") == "001234500000000018"
    assert x12.x12_sscc("001234500000000018") == "001234500000000018"
    assert x12.x12_sscc("ABC") is None


def test_x12_address_and_parties() -> None:
    loop = [
        {"N1": {"01": "ST", "02": "STORE", "03": "92", "04": "7"}, "N3": [{"01": "1 A ST", "02": "STE 2"}]},
        {"N1": {"01": "Z7", "02": "MARK FOR"}},
        {"N1": {"01": "BY", "02": "BUYER"}, "N4": [{"01": "TORONTO", "02": "ON", "04": "CA"}]},
    ]
    assert x12.x12_address(loop, "ST") == {"name": "STORE", "line1": "1 A ST", "line2": "STE 2", "country": "US"}
    assert x12.x12_address(loop, "BT") is None
    parties = x12.x12_parties(loop, roles={"ST": "ship_to", "BY": "buyer"})
    assert parties == [
        {"role": "ship_to", "name": "STORE", "id": "7", "id_qualifier": "92", "address": x12.x12_address(loop, "ST")},
        {
            "role": "buyer",
            "name": "BUYER",
            "address": {"name": "BUYER", "city": "TORONTO", "region": "ON", "country": "CA"},
        },
    ]
