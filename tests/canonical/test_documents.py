"""Every registered document: a realistic example validates, round-trips and matches the committed schema;
and each document's own consistency rules refuse what a partner could get wrong."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from hub.canonical import (
    DOCUMENTS,
    InventoryAdvice,
    Invoice,
    Package,
    Party,
    PurchaseOrderAck,
    Refund,
    Return,
    Shipment,
    validate_document,
)

LoadExample = Callable[[str], dict[str, Any]]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_example_document_round_trips_and_matches_committed_schema(name: str, example: LoadExample) -> None:
    cls = DOCUMENTS[name]
    document = cls.model_validate(example(name))

    dumped = document.model_dump(mode="json")

    assert dumped["schema_version"] == name
    assert cls.model_validate(dumped) == document
    assert cls.model_validate(dumped).model_dump(mode="json") == dumped
    validate_document(name, dumped)


def _refused(cls: type[Any], data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        cls.model_validate(data)
    return str(caught.value)


def test_shipment_keeps_packages_tracking_and_weights(example: LoadExample) -> None:
    shipment = Shipment.model_validate(example("shipment.v1"))

    package = shipment.model_dump(mode="json")["packages"][0]
    assert package["weight"] == {"value": "1.25", "unit": "lb"}
    assert package["items"][0] == {
        "line_id": "1",
        "sku": "TEE-BLK-M",
        "quantity": 2,
        "uom": "EA",
        "identifiers": {},
    }
    assert shipment.carrier is not None and shipment.carrier.scac == "UPSN"


def test_shipment_must_name_its_order(example: LoadExample) -> None:
    data = example("shipment.v1")
    del data["order_id"], data["channel_order_id"]

    assert "at least one of order_id, channel_order_id, po_number is required" in _refused(Shipment, data)
    assert Shipment.model_validate(data | {"po_number": "PO-448812"}).po_number == "PO-448812"


def test_shipment_without_packages_lists_items_directly() -> None:
    shipment = Shipment.model_validate(
        {
            "po_number": "PO-448812",
            "shipped_at": "2024-12-02T16:40:00Z",
            "bill_of_lading": "BOL-5512",
            "pro_number": "0412887",
            "carrier": {"scac": "odfl"},
            "items": [{"identifiers": {"buyer_part": "884410"}, "quantity": "24", "uom": "CA"}],
        }
    )

    assert shipment.items[0].quantity == 24
    assert shipment.carrier is not None and shipment.carrier.scac == "ODFL"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sscc": "12345"}, "sscc"),
        ({"weight": {"value": "-1", "unit": "kg"}}, "weight cannot be negative"),
        ({"weight": {"value": "2", "unit": "stone"}}, "unit"),
    ],
)
def test_package_fields_are_checked(changes: dict[str, Any], message: str) -> None:
    assert message in _refused(Package, {"package_id": "CTN-1"} | changes)


def test_invoice_amounts_must_be_in_the_invoice_currency(example: LoadExample) -> None:
    data = example("invoice.v1")
    data["lines"][0]["total"]["currency"] = "CAD"
    data["shipping"]["currency"] = "CAD"

    message = _refused(Invoice, data)

    assert "lines[0].total is in CAD" in message
    assert "shipping is in CAD" in message
    assert "invoice currency USD" in message


def test_invoice_terms_and_remit_to_are_checked(example: LoadExample) -> None:
    data = example("invoice.v1")
    terms = Invoice.model_validate(data).terms
    assert terms is not None and terms.discount_percent is not None and terms.net_days == 30

    half_terms = copy.deepcopy(data)
    del half_terms["terms"]["discount_days"]
    assert "give both or neither" in _refused(Invoice, half_terms)

    over = copy.deepcopy(data)
    over["terms"]["discount_percent"] = "120"
    assert "between 0 and 100" in _refused(Invoice, over)

    wrong_role = copy.deepcopy(data)
    wrong_role["remit_to"]["role"] = "seller"
    assert "remit_to must have role remit_to, not seller" in _refused(Invoice, wrong_role)


def test_inventory_item_needs_a_sku_or_identifier(example: LoadExample) -> None:
    data = example("inventory_advice.v1")
    data["items"].append({"quantity_available": 5})

    assert "sku or at least one identifier" in _refused(InventoryAdvice, data)


def test_acknowledgment_may_split_a_line_between_statuses(example: LoadExample) -> None:
    ack = PurchaseOrderAck.model_validate(example("purchase_order_ack.v1"))

    assert [(line.line_id, line.status.value, line.quantity) for line in ack.lines] == [
        ("1", "accepted", 20),
        ("1", "backordered", 4),
    ]
    assert "ack_type" in _refused(PurchaseOrderAck, example("purchase_order_ack.v1") | {"ack_type": "maybe"})


def test_return_must_be_matchable(example: LoadExample) -> None:
    data = example("return.v1")
    del data["order_id"], data["rma_number"]

    assert "at least one of order_id, channel_order_id, rma_number is required" in _refused(Return, data)


def test_refund_amounts_currency_and_lines_are_checked(example: LoadExample) -> None:
    data = example("refund.v1")
    data["total"]["currency"] = "EUR"
    data["lines"].append(copy.deepcopy(data["lines"][0]))

    message = _refused(Refund, data)

    assert "total is in EUR" in message
    assert "line_id must be unique within the refund; repeated: 1" in message


def test_party_qualifier_needs_an_id() -> None:
    assert Party(role="supplier", id_qualifier="92", id="WW01").id == "WW01"
    with pytest.raises(ValidationError, match="id_qualifier is set but id is missing"):
        Party(role="supplier", id_qualifier="92")


def _palletised(**changes: Any) -> dict[str, Any]:
    item = {"sku": "TEE-BLK-M", "quantity": 6}
    return {
        "po_number": "PO-448812",
        "weight": {"value": "612.5", "unit": "lb"},
        "package_count": 1,
        "packages": [
            {"package_id": "000123450000000094", "kind": "pallet"},
            {"package_id": "CTN-1", "kind": "carton", "parent_package_id": "000123450000000094", "items": [item]},
            {"package_id": "CTN-2", "kind": "carton", "parent_package_id": "000123450000000094", "items": [item]},
        ],
    } | changes


def test_cartons_name_the_pallet_they_are_loaded_on() -> None:
    shipment = Shipment.model_validate(_palletised())

    pallet, first, second = shipment.packages
    assert pallet.kind is not None and pallet.kind.value == "pallet" and pallet.items == []
    assert first.parent_package_id == second.parent_package_id == pallet.package_id
    assert shipment.weight is not None and str(shipment.weight.value) == "612.5"
    assert shipment.test is False
    validate_document("shipment.v1", shipment.model_dump(mode="json"))


@pytest.mark.parametrize(
    "parents",
    [
        ["PLT-9", None, None],  # names no package
        [None, "CTN-1", None],  # names itself
        ["CTN-1", "000123450000000094", None],  # pallet and carton hold each other
    ],
)
def test_a_parent_package_must_exist_once_without_loops(parents: list[str | None]) -> None:
    data = _palletised()
    for package, parent in zip(data["packages"], parents, strict=True):
        package["parent_package_id"] = parent

    assert "parent_package_id must name exactly one other package" in _refused(Shipment, data)


def test_a_parent_package_id_shared_by_two_packages_is_ambiguous() -> None:
    data = _palletised()
    data["packages"][2]["package_id"] = "000123450000000094"

    assert "packages[1] ('000123450000000094')" in _refused(Shipment, data)
