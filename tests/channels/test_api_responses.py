"""``orderhub normalize CHANNEL FILE`` on bodies exactly as the channels' APIs answer them, with no ``--topic``:
each documented shape is recognised and becomes its orders (one per order of a listing), or, for a fragment that
is not a whole order, a clearly marked partial with what it carries; never a made-up order. ``--topic`` still
names a body. Errors are one line on stderr, exit 2.

The bodies are the documented-response golden cases (``mappings/<channel>/responses.cases``), written for these
tests; ``tests/mapping/test_golden.py`` checks every one field by field, these check what a user sees."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hub.cli import main

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"


def case(channel: str, name: str) -> Path:
    return MAPPINGS / channel / "responses.cases" / f"{name}.in.json"


def normalize(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    """``orderhub normalize ARGS`` in this process: exit code, the JSON printed, stderr."""
    try:
        main(["normalize", *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, json.loads(out.out) if out.out else None, out.err


# channel, case, topic recognised, action shown, what the output holds (documents or partials, and how many)
WHOLE_ORDERS = [
    ("walmart", "get_an_order", "getAnOrder", ["108829376451093"]),
    ("walmart", "get_all_orders_two", "getAllOrders", ["108829376451093", "108829376451117"]),
    ("walmart", "order_as_read_back", "order", ["108829376451093"]),
    ("amazon", "stored_bundle", "order", ["113-2047765-9183410"]),
    ("bigcommerce", "stored_bundle", "order", ["30417"]),
    ("shopify", "order_single", "order", None),
    ("woocommerce", "list_orders", "order", None),
]


@pytest.mark.parametrize(
    ("channel", "name", "topic", "order_ids"), WHOLE_ORDERS, ids=[f"{c}:{n}" for c, n, *_ in WHOLE_ORDERS]
)
def test_a_documented_order_response_becomes_its_orders(
    capsys: pytest.CaptureFixture[str], channel: str, name: str, topic: str, order_ids: list[str] | None
) -> None:
    code, shown, err = normalize(capsys, channel, str(case(channel, name)))
    assert (code, err) == (0, "")
    assert (shown["topic"], shown["action"]) == (topic, "order")
    assert all(document["schema_version"] == "order.v1" for document in shown["documents"])
    if order_ids is not None:
        assert [document["channel_order_id"] for document in shown["documents"]] == order_ids
    assert "partial" not in shown and "partials" not in shown


FRAGMENTS = [
    ("amazon", "get_order_items_cancel_requested", "getOrderItems", {"channel_order_id", "lines"}),
    ("amazon", "get_order_address", "getOrderAddress", {"channel_order_id", "ship_to"}),
    ("amazon", "get_order_unshipped", "getOrder", {"channel_order_id", "placed_at", "ship_to", "payment_status"}),
    ("bigcommerce", "v2_order_alone", "v2/orders/{id}", {"channel_order_id", "totals", "bill_to"}),
    ("bigcommerce", "v2_order_products", "v2/orders/{id}/products", {"channel_order_id", "lines"}),
    ("bigcommerce", "v2_order_shipping_addresses", "v2/orders/{id}/shipping_addresses", {"ship_to"}),
    ("shopify", "fulfillment_order_single", "fulfillment_order", {"channel_order_id", "lines", "ship_to"}),
]


@pytest.mark.parametrize(("channel", "name", "topic", "carried"), FRAGMENTS, ids=[f"{c}:{n}" for c, n, *_ in FRAGMENTS])
def test_a_fragment_shows_what_it_carries_as_a_partial_and_no_order(
    capsys: pytest.CaptureFixture[str], channel: str, name: str, topic: str, carried: set[str]
) -> None:
    code, shown, err = normalize(capsys, channel, str(case(channel, name)))
    assert (code, err) == (0, "")
    assert (shown["topic"], shown["action"]) == (topic, "partial")
    assert "documents" not in shown and shown["note"]
    assert carried <= set(shown["partial"])
    assert "schema_version" not in shown["partial"]  # not dressed up as an order.v1 document


def test_items_alone_keep_their_ids_quantities_and_the_buyers_cancel_request(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, shown, _ = normalize(capsys, "amazon", str(case("amazon", "get_order_items_cancel_requested")))
    lines = shown["partial"]["lines"]
    assert [(line["sku"], line["quantity"], line["total"]["amount"]) for line in lines] == [
        ("MUG-STONE-12OZ-SAGE", 2, "37.98"),
        ("COASTER-CORK-4PK", 1, "17.99"),
    ]
    assert lines[1]["attributes"] == {"buyer_cancel_requested": "true", "buyer_cancel_reason": "Ordered by mistake"}
    assert set(shown["partial"]) == {"channel", "channel_order_id", "lines"}  # no totals, no dates, no address


def test_shopify_fulfillment_orders_give_one_partial_each_without_skus(capsys: pytest.CaptureFixture[str]) -> None:
    _, shown, _ = normalize(capsys, "shopify", str(case("shopify", "fulfillment_orders_two_locations")))
    assert (shown["topic"], shown["action"]) == ("fulfillment_orders", "partial")
    partials = shown["partials"]
    assert [p["attributes"]["assigned_location"] for p in partials] == ["Laval warehouse", "ShipBob Toronto"]
    assert [[(line["line_id"], line["quantity"]) for line in p["lines"]] for p in partials] == [
        [("15550219862301", 3)],
        [("15550219895069", 1)],
    ]
    assert all("sku" not in line and "unit_price" not in line for p in partials for line in p["lines"])
    assert partials[0]["lines"][0]["identifiers"] == {"channel_variant_id": "46120558903325"}


def test_an_order_change_notification_reads_the_order_back_and_shows_its_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("order_change_sqs", "order_change_eventbridge"):
        _, shown, _ = normalize(capsys, "amazon", str(case("amazon", name)))
        assert (shown["topic"], shown["action"]) == ("ORDER_CHANGE", "read_back")
        assert shown["read_back"]["amazon_order_id"] == "112-5550917-3306641"
        assert shown["read_back"]["notification_id"] == "0b7e4f2a-6c91-4d35-a8e7-3f1c9b2d6e50"
        assert shown["read_back"]["buyer_cancel_requested"] == ["48213977501246"]
        assert shown["partial"]["attributes"]["change_reason"] == "Buyer Requested Cancel"
        assert "documents" not in shown


def test_refunds_read_from_the_api_become_refunds(capsys: pytest.CaptureFixture[str]) -> None:
    _, shown, _ = normalize(capsys, "shopify", str(case("shopify", "refunds_of_an_order")))
    assert (shown["topic"], shown["action"]) == ("refunds", "refund")
    assert [(d["total"]["amount"], len(d["lines"])) for d in shown["documents"]] == [("49.44", 1), ("10.00", 0)]


def test_a_topic_given_still_decides(capsys: pytest.CaptureFixture[str]) -> None:
    code, shown, _ = normalize(capsys, "walmart", str(case("walmart", "get_an_order")), "--topic", "getAnOrder")
    assert code == 0 and shown["topic"] == "getAnOrder" and len(shown["documents"]) == 1
    code, _, err = normalize(capsys, "walmart", str(case("walmart", "get_an_order")), "--topic", "getAllOrders")
    assert code == 2 and err.count("\n") == 1
    assert "is not a Walmart purchase order (getAllOrders): list.elements.order is nothing, not a list" in err


@pytest.mark.parametrize(
    ("channel", "name", "message"),
    [
        ("walmart", "get_all_orders_second_broken", "list.elements.order[1]: field lines[0].quantity"),
        ("amazon", "get_order_items_bad_quantity", "field lines[1].quantity: expected a number, found 'one'"),
        ("bigcommerce", "empty_list", "cannot tell the bigcommerce topic"),
    ],
)
def test_a_body_that_cannot_be_read_is_one_line_naming_where(
    capsys: pytest.CaptureFixture[str], channel: str, name: str, message: str
) -> None:
    code, shown, err = normalize(capsys, channel, str(case(channel, name)))
    assert (code, shown) == (2, None)
    assert err.count("\n") == 1 and message in err


def test_the_installed_command_says_which_documented_responses_it_reads() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hub", "normalize", "amazon", str(case("amazon", "unknown_body"))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "the body is none of the documented responses the hub reads (ORDER_CHANGE, getOrder" in done.stderr
    assert "give --topic" in done.stderr


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("SellerSKU", "S" * 129, "field lines[0].sku: at most 128 characters, the longest the hub can store"),
        ("OrderItemId", "7" * 65, "field lines[0].line_id: at most 64 characters"),
        ("Title", "T" * 513, "field lines[0].name: at most 512 characters"),
    ],
)
def test_a_fragment_is_held_to_the_rules_of_the_whole_document(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, field: str, value: Any, message: str
) -> None:
    """Items alone are checked field by field, with each field's own limits: a SKU too long to store is refused
    in a fragment as it is in an order, never shown as if it were fine."""
    body = json.loads(case("amazon", "get_order_items_cancel_requested").read_text())
    body["payload"]["OrderItems"][0][field] = value
    path = tmp_path / "items.json"
    path.write_text(json.dumps(body))
    code, shown, err = normalize(capsys, "amazon", str(path))
    assert (code, shown) == (2, None), shown
    assert err.count("\n") == 1 and message in err, err
