"""The committed JSON Schemas: in step with the models, and strict about canonical JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hub.canonical import (
    DOCUMENTS,
    DocumentValidationError,
    Order,
    UnknownDocumentError,
    document_class,
    export_schemas,
    generate_schema,
    load_schema,
    render_schema,
    schema_dir,
    validate_document,
)

REGENERATE = "run `orderhub schema export` and commit schemas/canonical/"


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_committed_schema_matches_the_models(name: str) -> None:
    path = schema_dir() / f"{name}.json"

    assert path.is_file(), f"{path} is missing; {REGENERATE}"
    committed = json.loads(path.read_text(encoding="utf-8"))
    assert committed == generate_schema(name), f"{path} is out of date with hub/canonical; {REGENERATE}"
    assert path.read_text(encoding="utf-8") == render_schema(name), f"{path} is not formatted; {REGENERATE}"


def test_no_stale_schema_files_are_committed() -> None:
    committed = {path.name for path in schema_dir().glob("*.json")}

    assert committed == {f"{name}.json" for name in DOCUMENTS}, f"stale or missing files; {REGENERATE}"


def test_schema_declares_dialect_and_id() -> None:
    schema = load_schema("order.v1")

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://orderhub.dev/schemas/canonical/order.v1.json"
    assert schema["properties"]["placed_at"]["description"] == "When the buyer placed the order."


def test_export_writes_one_sorted_indented_file_per_document(tmp_path: Path) -> None:
    written = export_schemas(tmp_path / "out")

    assert [path.name for path in written] == sorted(f"{name}.json" for name in DOCUMENTS)
    order_text = (tmp_path / "out" / "order.v1.json").read_text(encoding="utf-8")
    assert order_text.startswith('{\n  "$defs": {')
    assert order_text.endswith("}\n")
    assert json.loads(order_text) == load_schema("order.v1")


def test_registry_names_each_document_by_its_version() -> None:
    assert document_class("order.v1") is Order
    assert set(DOCUMENTS) == {
        "order.v1",
        "shipment.v1",
        "invoice.v1",
        "inventory_advice.v1",
        "purchase_order_ack.v1",
        "return.v1",
        "refund.v1",
        "fulfillment_request.v1",
        "functional_ack.v1",
    }


def test_unknown_document_lists_the_known_ones() -> None:
    with pytest.raises(KeyError) as caught:
        document_class("order.v9")

    assert isinstance(caught.value, UnknownDocumentError)
    assert str(caught.value).startswith("unknown canonical document 'order.v9'; known documents: ")
    assert "order.v1" in str(caught.value)
    with pytest.raises(UnknownDocumentError):
        load_schema("orders")


Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        del target[last]

    return mutate


@pytest.mark.parametrize(
    ("mutate", "where", "why"),
    [
        (_set("lines.0.unit_price.amount", 25.0), "lines[0].unit_price.amount", "is not of type 'string'"),
        (_set("lines.0.unit_price.amount", "1e3"), "lines[0].unit_price.amount", "does not match"),
        (_delete("totals.total.currency"), "totals.total", "'currency' is a required property"),
        (_set("lines.0.unit_price.currency", "usd"), "lines[0].unit_price.currency", "does not match"),
        (_set("placed_at", "2024-11-29T14:03:27"), "placed_at", "is not a 'date-time'"),
        (_set("lines.1.quantity", 1.5), "lines[1].quantity", "is not of type 'integer'"),
        (_set("lines.1.quantity", "1"), "lines[1].quantity", "is not of type 'integer'"),
        (_set("ship_to.country", "fr"), "ship_to.country", "does not match"),
        (_set("status", "lost"), "status", "is not one of"),
        (_set("colour", "red"), "<document>", "'colour' was unexpected"),
        (_set("schema_version", "order.v2"), "schema_version", "'order.v1' was expected"),
        (_set("lines", []), "lines", "should be non-empty"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_committed_schema_rejects_bad_order_json(
    order_data: dict[str, Any], mutate: Mutation, where: str, why: str
) -> None:
    data = Order.model_validate(order_data).model_dump(mode="json")
    mutate(data)

    with pytest.raises(DocumentValidationError) as caught:
        validate_document("order.v1", data)

    assert any(path == where and why in message for path, message in caught.value.problems), str(caught.value)
    assert f"  {where}: " in str(caught.value)
