"""Identifiers longer than the hub can store are refused when a document is validated, naming the field, and
every limit is the width of the columns the field fills (so a document that validates can be stored)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Column

from hub.canonical import DOCUMENTS, Money, Order, OrderLine, Shipment, generate_schema
from hub.db.models import Base
from hub.mapping import MappingInputError, load_mapping
from tests.canonical.conftest import LoadExample

CASES = Path(__file__).resolve().parents[2] / "mappings"
TABLES = Base.metadata.tables


def column(name: str) -> Column[Any]:
    table, column_name = name.split(".")
    return TABLES[table].c[column_name]


def test_a_line_id_longer_than_its_column_is_refused_naming_the_field(order_data: dict[str, Any]) -> None:
    order_data["lines"][1]["line_id"] = "9" * 65
    with pytest.raises(ValidationError) as refused:
        Order.model_validate(order_data)
    (error,) = refused.value.errors()
    assert error["loc"] == ("lines", 1, "line_id")
    assert error["msg"] == "at most 64 characters, the longest the hub can store (this one has 65)"
    order_data["lines"][1]["line_id"] = "9" * 64  # as long as the store holds: accepted
    assert Order.model_validate(order_data).lines[1].line_id == "9" * 64


def test_a_reference_in_another_document_is_held_to_the_same_limit(example: LoadExample) -> None:
    shipment = example("shipment.v1")
    shipment["packages"][0]["items"][0]["sku"] = "S" * 129
    with pytest.raises(ValidationError, match="at most 128 characters"):
        Shipment.model_validate(shipment)


@pytest.mark.parametrize(
    ("mapping", "case", "set_line_id"),
    [
        ("shopify/order", "plain", lambda data, value: data["line_items"][0].update(id=value)),
        (
            "amazon/order",
            "unshipped_multi_line_promotion",
            lambda data, value: data["items"][0].update(OrderItemId=value),
        ),
    ],
)
def test_a_channel_line_id_of_65_characters_is_a_mapping_error_naming_the_field(
    mapping: str, case: str, set_line_id: Any
) -> None:
    data = json.loads((CASES / f"{mapping}.cases" / f"{case}.in.json").read_text(encoding="utf-8"))
    set_line_id(data, "1" * 65)
    with pytest.raises(MappingInputError) as refused:
        load_mapping(mapping)(data)
    assert "lines[0].line_id: at most 64 characters, the longest the hub can store (this one has 65)" in str(
        refused.value
    )


def test_every_way_of_validating_words_a_long_text_the_same(order_data: dict[str, Any]) -> None:
    order_data["lines"][0]["sku"] = "S" * 130
    expected = "at most 128 characters, the longest the hub can store (this one has 130)"
    attempts = {
        "model_validate": lambda: Order.model_validate(order_data),
        "keywords": lambda: Order(**order_data),
        "json": lambda: Order.model_validate_json(json.dumps(order_data)),
        "a line alone": lambda: OrderLine.model_validate(order_data["lines"][0]),
    }
    for how, attempt in attempts.items():
        with pytest.raises(ValidationError) as refused:
            attempt()
        (error,) = refused.value.errors()
        assert (error["type"], error["msg"]) == ("too_long", expected), how
        assert error["loc"][-1] == "sku", how


def test_a_long_text_beside_other_faults_leaves_their_errors_as_they_were(order_data: dict[str, Any]) -> None:
    order_data["lines"][0]["quantity"] = "3.5"  # a validator's own error
    order_data["lines"][0]["uom"] = "each"  # another, with its context
    order_data["lines"][1]["name"] = ""  # one of pydantic's own
    with pytest.raises(ValidationError) as before:
        Order.model_validate(order_data)
    order_data["lines"][1]["line_id"] = "9" * 70
    with pytest.raises(ValidationError) as refused:
        Order.model_validate(order_data)
    errors = [(e["loc"], e["type"], e["msg"]) for e in refused.value.errors()]
    message = "at most 64 characters, the longest the hub can store (this one has 70)"
    long = (("lines", 1, "line_id"), "too_long", message)
    assert long in errors
    errors.remove(long)
    assert errors == [(e["loc"], e["type"], e["msg"]) for e in before.value.errors()]
    assert "'each' is not a unit of measure code" in str(refused.value)


# Each bounded field, and the columns its values end up in (hub.db.models): the canonical limit must be the
# narrowest of them, or a document that validates could still fail to be stored.
FILLS = [
    ("order.v1", "id", ["orders.id"]),
    ("order.v1", "channel", ["orders.channel"]),
    ("order.v1", "channel_order_id", ["orders.channel_order_id"]),
    ("order.v1", "number", ["orders.number"]),
    ("order.v1", "po_number", ["orders.po_number"]),
    (
        "order.v1",
        "lines.line_id",
        [
            "order_lines.line_id",
            "line_quantities.line_id",
            "fulfillment_order_lines.line_id",
            "inventory_allocations.line_id",
            "inventory_ledger.line_id",
        ],
    ),
    ("order.v1", "lines.channel_line_id", ["order_lines.channel_line_id"]),
    (
        "order.v1",
        "lines.sku",
        [
            "order_lines.sku",
            "line_quantities.sku",
            "fulfillment_order_lines.sku",
            "order_routing_skus.sku",
            "inventory_levels.sku",
            "inventory_allocations.sku",
        ],
    ),
    ("order.v1", "lines.name", ["order_lines.name"]),
    ("order.v1", "charges.line_id", ["order_lines.line_id"]),
    ("shipment.v1", "id", ["shipments.id"]),
    ("shipment.v1", "order_id", ["orders.id"]),
    ("shipment.v1", "channel_order_id", ["orders.channel_order_id"]),
    ("shipment.v1", "po_number", ["orders.po_number"]),
    ("shipment.v1", "items.line_id", ["order_lines.line_id"]),
    ("shipment.v1", "items.sku", ["inventory_levels.sku"]),
    ("shipment.v1", "packages.items.line_id", ["order_lines.line_id"]),
    ("shipment.v1", "packages.items.sku", ["inventory_levels.sku"]),
    ("shipment.v1", "carrier.name", ["shipments.carrier"]),
    ("shipment.v1", "carrier.service", ["shipments.service"]),
    ("return.v1", "id", ["return_authorizations.id"]),
    ("return.v1", "order_id", ["orders.id"]),
    ("return.v1", "channel_order_id", ["orders.channel_order_id"]),
    ("return.v1", "rma_number", ["return_authorizations.rma_number"]),
    ("return.v1", "lines.line_id", ["return_lines.line_id"]),
    ("return.v1", "lines.sku", ["return_lines.sku"]),
    ("return.v1", "lines.condition", ["return_lines.condition"]),
    ("refund.v1", "order_id", ["orders.id"]),
    ("refund.v1", "channel_order_id", ["orders.channel_order_id"]),
    ("refund.v1", "lines.line_id", ["order_lines.line_id"]),
    ("purchase_order_ack.v1", "order_id", ["orders.id"]),
    ("purchase_order_ack.v1", "po_number", ["orders.po_number"]),
    ("purchase_order_ack.v1", "lines.line_id", ["order_lines.line_id"]),
    ("purchase_order_ack.v1", "lines.sku", ["inventory_levels.sku"]),
    ("invoice.v1", "order_id", ["orders.id"]),
    ("invoice.v1", "po_number", ["orders.po_number"]),
    ("invoice.v1", "lines.line_id", ["order_lines.line_id"]),
    ("invoice.v1", "lines.sku", ["inventory_levels.sku"]),
    ("inventory_advice.v1", "advice_id", ["inventory_ledger.reference", "inventory_counts.reference"]),
    ("inventory_advice.v1", "location_id", ["inventory_locations.external_id"]),
    ("inventory_advice.v1", "items.sku", ["inventory_levels.sku", "inventory_ledger.sku"]),
]


def _max_length(document: str, path: str) -> int | None:
    schema = generate_schema(document)
    node: dict[str, Any] = schema
    for part in path.split("."):
        node = _resolved(schema, node)["properties"][part]
    return _resolved(schema, node).get("maxLength")


def _resolved(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """The node behind $ref, the non-null branch of anyOf, and the items of an array."""
    while True:
        if "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in node:
            node = next(branch for branch in node["anyOf"] if branch.get("type") != "null")
        elif node.get("type") == "array":
            node = node["items"]
        else:
            return node


@pytest.mark.parametrize(("document", "path", "columns"), FILLS, ids=[f"{d}:{p}" for d, p, _ in FILLS])
def test_each_limit_is_the_width_of_the_columns_the_field_fills(document: str, path: str, columns: list[str]) -> None:
    widths = {name: column(name).type.length for name in columns}  # type: ignore[attr-defined]
    assert _max_length(document, path) == min(widths.values()), widths


def test_models_inside_a_document_are_built_by_pydantic_core_not_through_init() -> None:
    # CanonicalModel.__init__ only rewords refusals; were pydantic to see it as a custom __init__, every line,
    # amount and address of every document would be validated a second time through it (a third slower).
    models = [Order, OrderLine, Shipment, Money, *DOCUMENTS.values()]
    assert [model.__name__ for model in models if model.__pydantic_custom_init__] == []
