"""X12 856 ship notices carrying several orders and pallets (tares) to shipment.v1 end to end: one shipment per
order level (hub.edi.documents.split_orders), sharing the shipment-level facts; and the test flag (ISA15 T) on
every X12 document."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from hub.canonical import Shipment, validate_document
from hub.edi.documents import split_orders
from hub.mapping import MappingInputError, load_mapping
from hub.mapping.functions.x12_shipment import x12_hl_segments, x12_packages, x12_weight
from tests.edi.mapped import mapped_documents, mapping_inputs

HERE = Path(__file__).parent
MULTI_4010 = HERE / "samples/856_4010_multi_order_tares.x12"
TWO_5010 = HERE / "samples/856_5010_two_orders_pallet_without_label.x12"


def _documents(data: bytes) -> list[Any]:
    return mapped_documents(data)


def _tree(data: bytes) -> dict[str, Any]:
    (tree,) = mapping_inputs(data)
    return tree


def _contents(shipment: Shipment) -> list[tuple[str | None, str | None, str | None, list[tuple[str | None, int]]]]:
    return [
        (p.package_id, p.kind and p.kind.value, p.parent_package_id, [(i.sku, i.quantity) for i in p.items])
        for p in shipment.packages
    ]


def test_a_notice_with_two_orders_gives_two_shipments_sharing_the_shipment_facts() -> None:
    first, second = _documents(MULTI_4010.read_bytes())

    assert (first.po_number, second.po_number) == ("4500012345", "4500012346")
    shared = ("shipment_number", "shipped_at", "expected_delivery_at", "carrier", "bill_of_lading", "weight")
    assert {name: getattr(first, name) for name in shared} == {name: getattr(second, name) for name in shared}
    assert first.shipment_number == "ASN20240305A"
    assert first.shipped_at is not None and first.shipped_at.isoformat() == "2024-03-05T16:45:00+00:00"
    assert first.carrier is not None
    assert (first.carrier.scac, first.carrier.name, first.carrier.service) == (
        "ODFL",
        "OLD DOMINION",
        "Standard Ground",
    )
    assert (first.bill_of_lading, first.package_count) == ("BOL0305A", 2)
    assert first.weight is not None and (str(first.weight.value), first.weight.unit.value) == ("1260.4", "lb")
    for shipment in (first, second):
        validate_document("shipment.v1", shipment.model_dump(mode="json"))


def test_each_order_keeps_its_own_pallets_cartons_and_items() -> None:
    first, second = _documents(MULTI_4010.read_bytes())

    pallet = "00614141000000000017"
    assert _contents(first) == [
        (pallet, "pallet", None, []),
        ("00614141000000000024", "carton", pallet, [("WG-100-BLU", 24)]),
        ("00614141000000000031", "carton", pallet, [("WG-100-BLU", 24)]),
        ("00614141000000000048", "carton", None, [("WG-200-RED", 5)]),  # a loose carton beside the pallet
    ]
    assert first.packages[0].sscc == "614141000000000017"
    assert first.packages[3].tracking_number == "1Z999AA10123456784"
    assert [p.weight and str(p.weight.value) for p in first.packages] == ["640.2", "22.5", None, None]
    assert _contents(second) == [
        ("00614141000000000055", "pallet", None, []),
        ("00614141000000000062", "carton", "00614141000000000055", [("WG-300-GRN", 12)]),
        ("00614141000000000079", "carton", "00614141000000000055", [("WG-100-BLU", 6)]),
    ]
    assert first.items == second.items == []


def test_an_order_level_ship_to_and_references_override_or_add_to_the_shipment_level() -> None:
    first, second = _documents(MULTI_4010.read_bytes())

    assert first.ship_to is not None and first.ship_to.name == "ACME DC 4"  # its N1 BY is a mark-for, not ST
    assert second.ship_to is not None
    assert (second.ship_to.name, second.ship_to.city, second.ship_to.postal_code) == (
        "ACME STORE 207",
        "AKRON",
        "44308",
    )
    assert first.ship_from == second.ship_from
    assert first.ship_from is not None and first.ship_from.city == "DAYTON"
    assert first.tracking_numbers == ["PRO77881234"]
    assert second.tracking_numbers == ["PRO77881234", "PRO77881299"]


def test_5010_a_pallet_without_label_is_named_by_its_hl_and_an_order_without_packs_lists_items() -> None:
    palletised, loose = _documents(TWO_5010.read_bytes())

    assert (palletised.po_number, loose.po_number) == ("PO-9001", "PO-9002")
    assert _contents(palletised) == [
        ("HL-3", "pallet", None, []),
        ("00614141000000000086", "carton", "HL-3", [("WG-100-BLU", 24)]),
        ("00614141000000000093", "carton", "HL-3", [("WG-200-RED", 2)]),
    ]
    assert palletised.packages[0].sscc is None
    assert palletised.weight is not None and palletised.weight.unit.value == "kg"
    assert loose.packages == []
    assert [(i.line_id, i.sku, i.quantity) for i in loose.items] == [("1", "WG-300-GRN", 6), ("2", "WG-100-BLU", 3)]
    assert palletised.carrier is not None and palletised.carrier.service == "Ground"


@pytest.mark.parametrize(
    ("sample", "cases"),
    [
        (MULTI_4010, ["multi_order_pallets", "multi_order_ship_to_override"]),
        (TWO_5010, ["pallet_without_label_5010", "order_without_packs_5010"]),
    ],
)
def test_golden_inputs_are_the_split_sample_trees(sample: Path, cases: list[str]) -> None:
    folder = HERE.parents[1] / "mappings" / "x12" / "856.cases"
    golden = [json.loads((folder / f"{case}.in.json").read_text(encoding="utf-8")) for case in cases]

    assert json.loads(json.dumps(split_orders(_tree(sample.read_bytes())))) == golden


def test_a_single_order_notice_is_mapped_as_it_is() -> None:
    tree = _tree((HERE / "samples/856_4010.x12").read_bytes())

    assert split_orders(tree) == [tree]
    (shipment,) = _documents((HERE / "samples/856_4010.x12").read_bytes())
    assert [(p.kind and p.kind.value, p.parent_package_id) for p in shipment.packages] == [
        ("carton", None),
        ("carton", None),
    ]


def test_splitting_leaves_the_read_tree_as_it_was() -> None:
    tree = _tree(MULTI_4010.read_bytes())
    before = json.dumps(tree, sort_keys=True)

    first, second = split_orders(tree)

    assert json.dumps(tree, sort_keys=True) == before
    assert [entry["id"] for entry in first["HL_loop"]] == ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
    assert [entry["id"] for entry in second["HL_loop"]] == ["1", "10", "11", "12", "13", "14", "15"]
    assert [child["id"] for child in second["HL_loop"][0]["children"]] == ["10"]
    assert first["BSN"] == second["BSN"] == tree["BSN"] and first["envelope"] == tree["envelope"]


def test_a_pack_under_no_order_is_refused_not_dropped() -> None:
    tree = _tree(MULTI_4010.read_bytes())
    stray = copy.deepcopy(tree["HL_loop"][7])  # the loose carton of the first order ...
    stray.update(parent="1", parent_level="S", index=len(tree["HL_loop"]) + 1, id="16")
    tree["HL_loop"].append(stray)  # ... hung on the shipment level instead

    with pytest.raises(MappingInputError) as caught:
        split_orders(tree)

    assert caught.value.field == "packages"
    assert "HL 16 (level P, HL loop 16) is under none of the 2 order levels" in str(caught.value)


def test_the_mapping_refuses_a_tree_holding_several_orders() -> None:
    with pytest.raises(MappingInputError, match=r"field po_number: .*the tree holds 2 order levels \(HL 2, 10\)"):
        load_mapping("x12/856")(_tree(MULTI_4010.read_bytes()))


def test_an_unknown_weight_unit_names_the_field() -> None:
    data = MULTI_4010.read_bytes().replace(b"TD1*PLT94*2****G*1260.4*LB", b"TD1*PLT94*2****G*1260.4*TN")

    with pytest.raises(MappingInputError, match=r"field weight: x12_weight: TD108 'TN' is not a weight unit"):
        _documents(data)


# --- ISA15 T: every X12 document says it is a test ----------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "samples/850_4010_crlf.x12",
        "spec_samples/855_4010.x12",
        "samples/856_4010_multi_order_tares.x12",
        "spec_samples/810_4010.x12",
        "spec_samples/846_4010.x12",
        "spec_samples/945_4010.x12",
    ],
)
def test_a_test_interchange_marks_every_document_as_test(path: str) -> None:
    data = (HERE / path).read_bytes()
    production = data.replace(b"*0*T*>", b"*0*P*>")
    test = production.replace(b"*0*P*>", b"*0*T*>")
    assert production != test

    assert [document.test for document in _documents(production)] == [False] * len(_documents(production))
    marked = _documents(test)
    assert marked and all(document.test for document in marked)


# --- the shipment mapping functions -------------------------------------------------------------------------


def test_x12_packages_orders_by_position_and_links_inner_packs() -> None:
    pallets = [{"hl": "2", "parent_hl": "1", "position": 2, "kind": "pallet"}]
    packs = [
        {"hl": "4", "parent_hl": "3", "position": 4, "package_id": "INNER", "kind": "carton"},
        {"hl": "3", "parent_hl": "2", "position": 3, "package_id": "OUTER", "kind": "carton"},
    ]

    assert x12_packages(pallets, packs, None) == [
        {"kind": "pallet", "package_id": "HL-2"},
        {"package_id": "OUTER", "kind": "carton", "parent_package_id": "HL-2"},
        {"package_id": "INNER", "kind": "carton", "parent_package_id": "OUTER"},
    ]
    assert x12_packages(None, []) is None
    with pytest.raises(ValueError, match="expected lists of package objects"):
        x12_packages(["HL-2"])


def test_x12_weight_reads_the_gross_weight_only() -> None:
    td1 = [{"01": "CTN25", "02": "2", "06": "N", "07": "50", "08": "LB"}, {"06": "G", "07": "61.5", "08": "LB"}]

    assert x12_weight(td1, units={"LB": "lb"}) == {"value": "61.5", "unit": "lb"}
    assert x12_weight({"01": "CTN25", "02": "2"}, units={"LB": "lb"}) is None
    assert x12_weight({"07": "3", "08": "KG"}, units={"KG": "kg"}) == {"value": "3", "unit": "kg"}


def test_x12_hl_segments_collects_the_levels_asked_for() -> None:
    loop = [
        {"level": "S", "REF": [{"01": "BM", "02": "B1"}]},
        {"level": "O", "REF": [{"01": "CN", "02": "C1"}], "N1_loop": [{"N1": {"01": "ST"}}]},
        {"level": "P", "REF": [{"01": "CN", "02": "P1"}]},
    ]

    assert x12_hl_segments(loop, levels=["S", "O"], segment="REF") == [
        {"01": "BM", "02": "B1"},
        {"01": "CN", "02": "C1"},
    ]
    assert x12_hl_segments(loop, levels=["O"], segment="N1_loop") == [{"N1": {"01": "ST"}}]
    assert x12_hl_segments(loop, levels=["T"], segment="REF") is None
