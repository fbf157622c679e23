"""X12 846 -> inventory_advice.v1 and 945 -> shipment.v1 end to end, and the x12_warehouse mapping functions.

The sets are not in ``hub.edi.documents.DOCUMENTS`` yet, so the mappings are loaded by name and fed what
``to_documents`` would feed them: ``document_input`` (the tree of ``hub.edi.tree.transaction_tree`` plus the
``envelope`` object).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub.mapping import MappingInputError, load_mapping
from hub.mapping.functions import get_function
from hub.mapping.functions.x12_warehouse import x12_concat, x12_pairs_at, x12_references
from tests.edi.mapped import mapping_inputs

HERE = Path(__file__).parent
CASES = HERE.parents[1] / "mappings" / "x12"


def _inputs(data: bytes) -> list[dict[str, Any]]:
    return mapping_inputs(data)


def _sample(name: str) -> bytes:
    return (HERE / "spec_samples" / name).read_bytes()


def _as_5010(data: bytes) -> bytes:
    return data.replace(b"*U*00401*", b"*U*00501*").replace(b"*X*004010~", b"*X*005010~")


def test_846_sample_to_inventory_advice() -> None:
    (data,) = _inputs(_sample("846_4010.x12"))
    advice = load_mapping("x12/846")(data)
    assert advice.schema_version == "inventory_advice.v1"
    assert advice.advice_id == "INV20240116"
    assert advice.as_of.isoformat() == "2024-01-16T08:00:00+00:00"
    assert advice.location_id == "SUP1"
    assert advice.party is not None
    assert (advice.party.role.value, advice.party.name, advice.party.id_qualifier, advice.party.id) == (
        "supplier",
        "ACME SUPPLY",
        "92",
        "SUP1",
    )
    first, second = advice.items
    assert (first.sku, first.quantity_available, first.quantity_on_order, first.uom) == ("ABC-1", 120, None, "EA")
    assert first.identifiers == {"upc": "012345678905", "vendor_part": "ABC-1"}
    assert str(first.available_date) == "2024-02-01"
    # QTY 02 (40 CA) is not the available quantity: QTY 33 is, and its unit wins
    assert (second.sku, second.identifiers, second.quantity_available, second.uom) == (
        None,
        {"upc": "012345678912"},
        0,
        "EA",
    )
    assert second.available_date is None


def test_945_sample_to_shipment() -> None:
    (data,) = _inputs(_sample("945_4010.x12"))
    shipment = load_mapping("x12/945")(data)
    assert shipment.schema_version == "shipment.v1"
    assert (shipment.shipment_number, shipment.channel_order_id, shipment.po_number) == (
        "SHIP7788",
        "ORD5566",
        "PO12345",
    )
    assert shipment.shipped_at is not None and shipment.shipped_at.isoformat() == "2024-01-17T00:00:00+00:00"
    assert shipment.carrier is not None and (shipment.carrier.scac, shipment.carrier.name) == ("UPSN", "UPS GROUND")
    assert shipment.bill_of_lading == "BOL998877" and shipment.tracking_numbers == []
    assert shipment.ship_to is not None
    assert (shipment.ship_to.name, shipment.ship_to.city, shipment.ship_to.country) == ("JOHN SMITH", "AUSTIN", "US")
    assert shipment.ship_from is None
    (package,) = shipment.packages
    assert package.sscc == "012345678901234567" and package.package_id == "00012345678901234567"
    assert [(i.line_id, i.sku, i.quantity, i.uom) for i in package.items] == [("1", "ABC-1", 12, "EA")]
    # LX 2 has no MAN: its line is a shipment item, and W1203 (shipped) is the quantity, not W1202 (ordered)
    assert [(i.line_id, i.sku, i.quantity, i.uom) for i in shipment.items] == [(None, "XYZ-9", 3, "CA")]


@pytest.mark.parametrize(
    ("sample", "case"),
    [("846_4010.x12", "846.cases/supplier_sample"), ("945_4010.x12", "945.cases/sample_mixed")],
)
def test_golden_inputs_are_the_sample_trees(sample: str, case: str) -> None:
    (data,) = _inputs(_sample(sample))
    assert data == json.loads((CASES / f"{case}.in.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("sample", "mapping"), [("846_4010.x12", "x12/846"), ("945_4010.x12", "x12/945")])
def test_5010_maps_like_4010(sample: str, mapping: str) -> None:
    (old,) = _inputs(_sample(sample))
    (new,) = _inputs(_as_5010(_sample(sample)))
    assert new["envelope"]["version"] == "005010"
    run = load_mapping(mapping)
    assert run(new) == run(old)


def test_846_bad_quantity_names_the_field() -> None:
    (data,) = _inputs(_sample("846_4010.x12").replace(b"QTY*33*120*EA~", b"QTY*33*12.5*EA~"))
    with pytest.raises(MappingInputError, match=r"items\[0\]\.quantity_available"):
        load_mapping("x12/846")(data)


def test_945_bad_scac_is_refused() -> None:
    (data,) = _inputs(_sample("945_4010.x12").replace(b"W27*M*UPSN*", b"W27*M*UPS1*"))
    with pytest.raises(MappingInputError, match=r"carrier\.scac"):
        load_mapping("x12/945")(data)


def test_x12_references() -> None:
    n9 = [{"01": "2I", "02": "1Z1"}, {"01": "BM", "02": "BOL"}, {"01": "CN", "02": "PRO"}, {"01": "2I", "02": "1Z1"}]
    assert x12_references(n9, qualifiers=["2I", "CN"]) == ["1Z1", "PRO"]
    assert x12_references(n9, qualifiers=["CN", "2I"]) == ["1Z1", "PRO"]  # file order, not qualifier order
    assert x12_references({"01": "BM", "02": " BOL "}, qualifiers=["BM"]) == ["BOL"]
    assert x12_references([{"01": "2I", "02": "  "}], qualifiers=["2I"]) is None
    assert x12_references(None, qualifiers=["2I"]) is None
    assert x12_references([{"01": "X", "03": "a"}], qualifiers=["X"], element="03") == ["a"]
    with pytest.raises(ValueError, match="expected X12 segments"):
        x12_references("N9", qualifiers=["2I"])


def test_x12_pairs_at() -> None:
    w12 = {"01": "CP", "03": "8", "07": "VN", "08": "V-1", "09": "LOT", "10": "12.5", "17": "UP", "18": "0123"}
    assert x12_pairs_at(w12, positions=[7, 17]) == {"01": "VN", "02": "V-1", "03": "UP", "04": "0123"}
    assert x12_pairs_at({"07": "VN", "17": "UP", "18": "0123"}, positions=[7, 17]) == {"01": "UP", "02": "0123"}
    assert x12_pairs_at({"01": "CC"}, positions=[7, 17]) is None
    assert x12_pairs_at(None, positions=[7]) is None
    with pytest.raises(ValueError, match="expected an X12 segment"):
        x12_pairs_at([w12], positions=[7])
    # read by the x12 functions with start 1
    ids = get_function("x12_identifiers")(x12_pairs_at(w12, positions=[7, 17]), start=1)
    assert ids == {"vendor_part": "V-1", "upc": "0123"}


def test_x12_concat() -> None:
    assert x12_concat([[1, 2], None, [], [3]]) == [1, 2, 3]
    assert x12_concat([]) is None
    assert x12_concat([None]) is None
    assert x12_concat(None) is None
    with pytest.raises(ValueError, match="list of lists"):
        x12_concat("ab")
    with pytest.raises(ValueError, match="an item of type dict"):
        x12_concat([[1], {"a": 1}])


def test_functions_are_registered() -> None:
    assert get_function("x12_references") is x12_references
    assert get_function("x12_pairs_at") is x12_pairs_at
    assert get_function("x12_concat") is x12_concat
