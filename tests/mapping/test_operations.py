"""The mapping vocabulary, one behaviour at a time, through small mappings as a user would write them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub.mapping import MappingFileError, MappingInputError, parse_mapping
from hub.mapping.loader import render_mapping_schema
from hub.mapping.paths import parse_path, read_path

ORDER_SKELETON = """
document: order.v1
fields:
  channel: {const: test}
  channel_order_id: {copy: id, as: string}
  placed_at: {date: at, assume_tz: UTC}
  currency: {const: USD}
  lines:
    each: items
    fields:
      line_id: {copy: n, as: string}
      name: {first: [title, {const: Untitled}]}
      sku: sku
      quantity: {copy: qty, as: integer}
      unit_price: {fields: {amount: {copy: price, as: decimal}, currency: {const: USD}}}
      total: {money: {call: multiply, args: [price, qty]}, currency: {const: USD}}
  totals:
    fields:
      subtotal: {money: {sum: [{each: items, value: {call: multiply, args: [price, qty]}}]}, currency: {const: USD}}
      discount: {money: {const: "0"}, currency: {const: USD}}
      shipping: {money: {const: "0"}, currency: {const: USD}}
      tax: {money: {const: "0"}, currency: {const: USD}}
      total: {money: {sum: [{each: items, value: {call: multiply, args: [price, qty]}}]}, currency: {const: USD}}
"""


def order_input(**changes: Any) -> dict[str, Any]:
    data = {
        "id": 7,
        "at": "2026-11-20 10:00:00",
        "items": [{"n": 1, "title": "Tee", "sku": "", "qty": "2", "price": 9.99}],
    }
    data.update(changes)
    return data


def test_a_small_order_mapping_end_to_end() -> None:
    order = parse_mapping("t", ORDER_SKELETON)(order_input())
    assert order.channel_order_id == "7"
    assert order.placed_at.isoformat() == "2026-11-20T10:00:00+00:00"  # assume_tz applied
    line = order.lines[0]
    assert (line.sku, line.quantity, str(line.unit_price.amount), str(line.total.amount)) == (None, 2, "9.99", "19.98")
    assert str(order.totals.total.amount) == "19.98"


def test_where_filters_items_and_first_falls_back() -> None:
    mapping = parse_mapping(
        "t",
        ORDER_SKELETON.replace("    each: items\n", "    each: items\n    where: {path: qty, not_equals: '0'}\n"),
    )
    items = [{"n": 1, "qty": "0", "price": 1}, {"n": 2, "qty": "1", "price": 1}]
    order = mapping(order_input(items=items))
    assert [line.line_id for line in order.lines] == ["2"] and order.lines[0].name == "Untitled"


def test_lookup_split_call_and_modifiers() -> None:
    mapping = parse_mapping(
        "t",
        ORDER_SKELETON
        + """  payment_status: {lookup: pay, from: status, default: unknown}
  tags: {split: tags}
  notes: {call: join, args: [a, b], options: {separator: " / "}}
  test: {copy: is_test, as: boolean, default: false}
tables:
  pay: {paid: paid, refunded: refunded}
""",
    )
    order = mapping(order_input(status="paid", tags="a, b,,c ", a="x", b="", is_test="true"))
    assert (order.payment_status.value, order.tags, order.notes, order.test) == ("paid", ["a", "b", "c"], "x", True)
    assert mapping(order_input(status="weird")).payment_status.value == "unknown"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"at": "yesterday"}, "field placed_at: 'yesterday' is not a date/time"),
        ({"items": [{"n": 1, "qty": "2.5", "price": 1}]}, "field lines[0].quantity: '2.5' is not a whole number"),
        (
            {"items": [{"n": 1, "qty": "1", "price": "abc"}]},
            "field lines[0].unit_price.amount: expected a number, found 'abc'",
        ),
        ({"items": "not a list"}, "field lines (from items): expected a list, found str"),
        ({"items": []}, "the result is not a valid order.v1: lines: Field required"),
    ],
)
def test_bad_input_names_the_field(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(MappingInputError) as info:
        parse_mapping("t", ORDER_SKELETON)(order_input(**changes))
    assert message in str(info.value)
    assert str(info.value).count("field ") <= 1  # located once, however deep the failing operation


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("document: order.v1\nfields:\n  a: {cpy: x}\n", "fields.a: expected a path or an object with one of"),
        ("document: order.v1\nfields:\n  a: {lookup: nope, from: x}\n", "lookup names table 'nope'"),
        ("document: order.v1\nfields:\n  a: {call: eval, args: [x]}\n", "unknown function 'eval'; known functions:"),
        ("document: order.v9\nfields: {}\n", "order.v9"),
        ("document: order.v1\nfields:\n  a: {copy: x, colour: red}\n", "colour"),
        ("document: [order.v1\n", "not valid YAML"),
    ],
)
def test_malformed_mapping_files_are_refused_at_load(text: str, message: str) -> None:
    with pytest.raises(MappingFileError, match="mapping bad: ") as info:
        parse_mapping("bad", text)
    assert message in str(info.value)


def test_paths() -> None:
    assert parse_path("$.a.b[0].c") == (True, ("a", "b", 0, "c"))
    assert parse_path("line_items[-1]") == (False, ("line_items", -1))
    data = {"a": {"b": [{"c": 1}]}, "x": None}
    assert read_path(data, data["a"], "b[0].c") == 1
    assert read_path(data, {}, "$.a.b[5].c") is None and read_path(data, data, "x.y") is None
    with pytest.raises(MappingInputError, match="expected an object with key 'b'"):
        read_path({"a": 3}, {"a": 3}, "a.b")
    with pytest.raises(MappingFileError, match="malformed"):
        parse_path("a..[x]")


def test_published_mapping_schema_is_current() -> None:
    published = Path(__file__).resolve().parents[2] / "schemas" / "mapping.schema.json"
    assert published.read_text() == render_mapping_schema(), "run `orderhub schema export` and commit schemas/"
    assert "copy" in json.dumps(json.loads(published.read_text()))


def test_a_function_failing_inside_money_is_located_once() -> None:
    mapping = parse_mapping(
        "t",
        ORDER_SKELETON.replace(
            "{call: multiply, args: [price, qty]}, currency: {const: USD}}\n  totals",
            "{call: multiply, args: [price, cost]}, currency: {const: USD}}\n  totals",
            1,
        ),
    )
    with pytest.raises(MappingInputError) as info:
        mapping(order_input(items=[{"n": 1, "qty": "2", "price": 1, "cost": "n/a"}]))
    assert str(info.value) == "field lines[0].total: multiply: expected a number, found 'n/a'"
