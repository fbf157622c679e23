"""The Shopify channel end to end: signed webhooks over real HTTP into the receiver, processed the way the
worker does it, and reconciliation against a fake Admin API on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from hub.canonical import Order
from hub.channels.accounts import AccountContext
from hub.channels.base import Action
from hub.channels.normalize import normalize
from hub.channels.pull import pull_account
from hub.channels.registry import get_channel
from hub.channels.sources.shopify import Shopify
from hub.db.models import ComplianceRequest, InboxMessage, OrderEvent, OrderRecord
from hub.db.models.base import as_utc
from hub.mapping.functions import get_function
from hub.sdk.errors import ConfigurationError, PermanentError, TransientError
from tests.channels.conftest import Receiver, watermark
from tests.channels.signing import body_hmac
from tests.fakes.shopify import FakeShopify

SECRET = "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"
OLD_SECRET = "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"
TOKEN = "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"
PATH = "/webhooks/shopify/shop1"
SAMPLES = Path(__file__).resolve().parent / "samples" / "shopify"
GOLDEN = Path(__file__).resolve().parents[2] / "mappings" / "shopify" / "order.cases"
ORDER_ID = "5912345678901"  # orders_create.json


def sample(file: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / f"{file}.json").read_text(encoding="utf-8"))
    data.update(changes)
    return data


def encoded(data: dict[str, Any]) -> bytes:
    return json.dumps(data).encode()


def shopify_headers(
    topic: str, body: bytes, event_id: str, *, secret: str = SECRET, prefix: str = "X-"
) -> dict[str, str]:
    """What Shopify sends with a delivery (``prefix=""``: the newer Events spelling)."""
    return {
        "Content-Type": "application/json",
        f"{prefix}Shopify-Topic": topic,
        f"{prefix}Shopify-Hmac-Sha256": body_hmac(secret, body),
        f"{prefix}Shopify-Shop-Domain": "northwind-goods.myshopify.com",
        f"{prefix}Shopify-API-Version": "2025-10",
        f"{prefix}Shopify-Event-Id": event_id,
        f"{prefix}Shopify-Webhook-Id": f"wh-{event_id}-{topic.replace('/', '-')}",
        f"{prefix}Shopify-Triggered-At": "2026-11-20T14:14:06.123456Z",
    }


def deliver(hub: Receiver, topic: str, data: dict[str, Any], event_id: str, **options: Any) -> requests.Response:
    body = encoded(data)
    return hub.post(PATH, body, shopify_headers(topic, body, event_id, **options))


def accepted(hub: Receiver, topic: str, data: dict[str, Any], event_id: str) -> int:
    response = deliver(hub, topic, data, event_id)
    assert response.status_code == 200 and response.json()["status"] == "accepted", response.text
    return int(response.json()["id"])


def deliver_and_process(hub: Receiver, topic: str, data: dict[str, Any], event_id: str) -> str:
    outcome = hub.process(accepted(hub, topic, data, event_id))
    assert outcome.status == "processed", outcome.detail
    return outcome.detail


def stored(hub: Receiver, channel_order_id: str = ORDER_ID) -> tuple[OrderRecord, Order, list[OrderEvent]]:
    with hub.database.session() as session:
        record = session.scalars(select(OrderRecord).where(OrderRecord.channel_order_id == channel_order_id)).one()
        session.expunge(record)
        events = list(
            session.scalars(select(OrderEvent).where(OrderEvent.order_id == record.id).order_by(OrderEvent.id))
        )
        for event in events:
            session.expunge(event)
    return record, Order.model_validate(record.document), events


def kinds(events: list[OrderEvent]) -> list[str]:
    return [event.type for event in events]


@pytest.fixture
def fake() -> Iterator[FakeShopify]:
    with FakeShopify(token=TOKEN) as server:
        yield server


@pytest.fixture
def hub(receiver: Receiver, fake: FakeShopify, monkeypatch: pytest.MonkeyPatch) -> Receiver:
    monkeypatch.setenv("SHOPIFY_SECRET", SECRET)
    monkeypatch.setenv("SHOPIFY_OLD_SECRET", OLD_SECRET)
    monkeypatch.setenv("SHOPIFY_TOKEN", TOKEN)
    receiver.add_account(
        "shopify",
        "shop1",
        webhook_secrets=["env:SHOPIFY_SECRET", "env:SHOPIFY_OLD_SECRET"],
        base_url=fake.base_url,
        access_token="env:SHOPIFY_TOKEN",
        shop_domain="northwind-goods.myshopify.com",  # base_url is the fake's: the shop is named here
    )
    return receiver


# -- webhooks: signature, headers, duplicates ----------------------------------------------------------


def test_signed_order_becomes_the_canonical_order_with_one_event(hub: Receiver) -> None:
    detail = deliver_and_process(hub, "orders/create", sample("orders_create"), "evt-1")
    assert detail.startswith("created order ord_")
    record, order, events = stored(hub)
    assert (order.number, order.status.value, order.payment_status.value) == ("#1051", "received", "paid")
    assert [line.line_id for line in order.lines] == ["13508470800541", "13508470833309"]
    assert (str(order.totals.total.amount), order.currency, record.test) == ("46.98", "USD", False)
    assert order.ship_to is not None and order.ship_to.region == "NY"
    assert kinds(events) == ["order.received"] and events[0].data == {"topic": "orders/create"}
    (message,) = hub.messages()
    assert (message.topic, message.dedupe_key) == ("orders/create", "orders/create:evt-1")
    assert "x-shopify-hmac-sha256" not in message.headers  # the signature is checked, not kept
    assert message.headers["x-shopify-shop-domain"] == "northwind-goods.myshopify.com"


def _tampered(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    return body.replace(b'"46.98"', b'"0.01"'), headers


def _wrong_secret(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    return body, headers | {"X-Shopify-Hmac-Sha256": body_hmac("shpss_someone_elses_app_secret", body)}


def _unsigned(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    return body, {name: value for name, value in headers.items() if name != "X-Shopify-Hmac-Sha256"}


@pytest.mark.parametrize("mutate", [_tampered, _wrong_secret, _unsigned], ids=["tampered", "wrong-secret", "unsigned"])
def test_bad_signatures_are_401_and_store_nothing(hub: Receiver, mutate: Any) -> None:
    body = encoded(sample("orders_create"))
    sent, headers = mutate(body, shopify_headers("orders/create", body, "evt-bad"))
    response = hub.post(PATH, sent, headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"
    assert hub.messages() == []


def test_unprefixed_header_spellings_are_accepted(hub: Receiver) -> None:
    body = encoded(sample("orders_create"))
    response = hub.post(PATH, body, shopify_headers("orders/create", body, "evt-2", prefix=""))
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    (message,) = hub.messages()
    assert (message.topic, message.dedupe_key) == ("orders/create", "orders/create:evt-2")
    assert hub.process(message.id).detail.startswith("created order")
    assert stored(hub)[1].number == "#1051"


def test_old_secret_is_still_accepted_during_a_rotation(hub: Receiver) -> None:
    response = deliver(hub, "orders/create", sample("orders_create"), "evt-3", secret=OLD_SECRET)
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert hub.process(response.json()["id"]).status == "processed"


def test_duplicate_delivery_is_answered_duplicate_and_changes_nothing(hub: Receiver) -> None:
    first = deliver(hub, "orders/create", sample("orders_create"), "evt-4")
    again = deliver(hub, "orders/create", sample("orders_create"), "evt-4")
    assert first.json()["status"] == "accepted"
    assert again.status_code == 200 and again.json() == {"status": "duplicate", "id": first.json()["id"]}
    assert len(hub.messages()) == 1
    for _ in range(2):  # the parse task may run twice as well
        hub.process(first.json()["id"])
    assert kinds(stored(hub)[2]) == ["order.received"]
    # one merchant action fires several topics under one event id: each topic is its own delivery,
    # and the same order version arriving under another topic records nothing new
    paid = deliver(hub, "orders/paid", sample("orders_create"), "evt-4")
    assert paid.json()["status"] == "accepted"
    assert hub.process(paid.json()["id"]).detail.startswith("unchanged order")
    with hub.database.session() as session:
        assert len(session.scalars(select(OrderRecord)).all()) == 1
    assert kinds(stored(hub)[2]) == ["order.received"]


# -- order versions: out of order, stale, cancelled, test ------------------------------------------------


def test_update_before_create_ends_on_the_newer_version(hub: Receiver) -> None:
    newer = sample("orders_create", updated_at="2026-11-20T09:30:00-05:00", tags="wholesale, repeat, rush")
    assert deliver_and_process(hub, "orders/updated", newer, "evt-5").startswith("created order")
    assert deliver_and_process(hub, "orders/create", sample("orders_create"), "evt-6").startswith("stale order")
    _, order, events = stored(hub)
    assert order.tags == ["wholesale", "repeat", "rush"]
    assert order.updated_at == datetime.fromisoformat("2026-11-20T09:30:00-05:00")
    assert kinds(events) == ["order.received"] and events[0].data["topic"] == "orders/updated"


def test_a_stale_retry_does_not_move_the_order_back(hub: Receiver) -> None:
    deliver_and_process(hub, "orders/create", sample("orders_create"), "evt-7")
    latest = sample("orders_create", updated_at="2026-11-20T09:40:00-05:00", note="Ring the bell")
    assert deliver_and_process(hub, "orders/updated", latest, "evt-8").startswith("updated order")
    # Shopify retries carry the payload from when the event fired: this one is older than what we hold
    late = sample("orders_create", updated_at="2026-11-20T09:20:00-05:00", note="Leave at the back door")
    assert deliver_and_process(hub, "orders/updated", late, "evt-9").startswith("stale order")
    _, order, events = stored(hub)
    assert order.notes == "Ring the bell"
    assert kinds(events) == ["order.received", "order.updated"]
    assert events[1].data["changed"] == ["notes", "updated_at"]


def test_orders_cancelled_cancels_the_order_with_an_event(hub: Receiver) -> None:
    deliver_and_process(hub, "orders/create", sample("orders_create"), "evt-10")
    cancelled = sample(
        "orders_create",
        updated_at="2026-11-21T08:00:05-05:00",
        cancelled_at="2026-11-21T08:00:00-05:00",
        cancel_reason="customer",
        financial_status="voided",
    )
    assert deliver_and_process(hub, "orders/cancelled", cancelled, "evt-11").startswith("cancelled order")
    record, order, events = stored(hub)
    assert (record.status, order.status.value, order.payment_status.value) == ("cancelled", "cancelled", "voided")
    assert order.attributes["cancel_reason"] == "customer"
    assert kinds(events) == ["order.received", "order.cancelled"]


def test_test_orders_keep_the_test_flag(hub: Receiver) -> None:
    deliver_and_process(hub, "orders/create", sample("orders_create_test"), "evt-12")
    deliver_and_process(hub, "orders/create", sample("orders_create"), "evt-13")
    test_record, test_order, _ = stored(hub, "5620117831903")
    real_record, real_order, _ = stored(hub, ORDER_ID)
    assert (test_record.test, test_order.test) == (True, True)
    assert (real_record.test, real_order.test) == (False, False)


# -- refunds and fulfillments ------------------------------------------------------------------------------


def test_refund_is_recorded_on_the_order_timeline(hub: Receiver) -> None:
    deliver_and_process(hub, "orders/create", sample("orders_create"), "evt-14")
    assert deliver_and_process(hub, "refunds/create", sample("refunds_create"), "evt-15").startswith("recorded order")
    _, order, events = stored(hub)
    assert kinds(events) == ["order.received", "order.refund_recorded"]
    refund = events[1].data
    assert (refund["channel_refund_id"], refund["total"]) == ("932044341471", {"amount": "15.12", "currency": "USD"})
    assert refund["lines"][0]["line_id"] in {line.line_id for line in order.lines}
    assert refund["lines"][0]["restock"] is True


def test_a_refund_whose_lines_carry_only_the_original_line_item_is_recorded(hub: Receiver) -> None:
    """Some API versions and apps send refund lines with the whole original line_item and no subtotal: the
    amount is derived from the line item, the total is what the successful refund transaction paid back."""
    deliver_and_process(hub, "orders/create", sample("orders_create"), "evt-30")
    refund = sample("refunds_create")
    for line in refund["refund_line_items"]:
        for key in ("subtotal", "subtotal_set", "total_tax", "total_tax_set"):
            line.pop(key)
    failed_attempt = dict(refund["transactions"][0], id=7200000000000, status="failure", error_code="processing_error")
    refund["transactions"].insert(0, failed_attempt)
    assert deliver_and_process(hub, "refunds/create", refund, "evt-31").startswith("recorded order")
    _, _, events = stored(hub)
    assert kinds(events) == ["order.received", "order.refund_recorded"]
    recorded = events[1].data
    assert recorded["lines"] == [
        {"line_id": "13508470800541", "quantity": 1, "amount": {"amount": "14.00", "currency": "USD"}, "restock": True}
    ]
    assert recorded["total"] == {"amount": "15.12", "currency": "USD"}


def test_refund_before_its_order_waits_and_applies_on_replay(hub: Receiver) -> None:
    refund_id = accepted(hub, "refunds/create", sample("refunds_create"), "evt-16")
    outcome = hub.process(refund_id)
    assert outcome.status == "received"
    (message,) = hub.messages()
    assert message.status == "received"
    assert message.error == f"order '{ORDER_ID}' of shopify/shop1 has not been received yet"
    deliver_and_process(hub, "orders/create", sample("orders_create"), "evt-17")
    assert hub.process(refund_id, replay=True).status == "processed"
    assert kinds(stored(hub)[2]) == ["order.received", "order.refund_recorded"]


def test_fulfillment_is_reported_on_the_order_timeline(hub: Receiver) -> None:
    deliver_and_process(hub, "orders/create", sample("orders_create"), "evt-18")
    detail = deliver_and_process(hub, "fulfillments/create", sample("fulfillments_create"), "evt-19")
    assert detail.startswith("recorded order")
    updated = sample("fulfillments_create", shipment_status="delivered", updated_at="2026-11-23T12:00:00-05:00")
    deliver_and_process(hub, "fulfillments/update", updated, "evt-20")
    _, order, events = stored(hub)
    assert kinds(events) == ["order.received", "order.shipment_reported", "order.shipment_reported"]
    shipped, delivered = events[1].data, events[2].data
    assert shipped["tracking_numbers"] == ["1Z999AA10123456784"] and shipped["carrier"]["name"] == "UPS"
    assert [item["line_id"] for item in shipped["items"]] == [line.line_id for line in order.lines]
    assert (shipped["status"], delivered["status"]) == ("shipped", "delivered")


def test_fulfillment_topics_map_to_shipments() -> None:
    channel = get_channel("shopify")
    for topic in ("fulfillments/create", "fulfillments/update"):
        normalized = normalize(channel, topic, encoded(sample("fulfillments_create")))
        assert normalized.action is Action.SHIPMENT
        (shipment,) = normalized.documents
        assert shipment.model_dump()["channel_order_id"] == ORDER_ID


# -- privacy-law compliance ---------------------------------------------------------------------------------


COMPLIANCE = ["customers/data_request", "customers/redact", "shop/redact"]


@pytest.mark.parametrize("topic", COMPLIANCE)
def test_compliance_topics_with_a_bad_hmac_are_401(hub: Receiver, topic: str) -> None:
    body = encoded(sample(topic.replace("/", "_")))
    headers = shopify_headers(topic, body, "evt-c", secret="shpss_not_this_app")
    assert hub.post(PATH, body, headers).status_code == 401
    assert hub.messages() == []


def test_compliance_requests_are_recorded_and_redaction_removes_pii(hub: Receiver) -> None:
    deliver_and_process(hub, "orders/create", sample("orders_create"), "evt-21")
    deliver_and_process(hub, "orders/create", sample("orders_create_test"), "evt-22")
    for number, topic in enumerate(COMPLIANCE[:2]):
        deliver_and_process(hub, topic, sample(topic.replace("/", "_")), f"evt-c{number}")
    with hub.database.session() as session:
        requests_ = {row.topic: row for row in session.scalars(select(ComplianceRequest))}
        bodies = {message.id: message.body for message in session.scalars(select(InboxMessage))}
    assert requests_["customers/data_request"].status == "open"
    assert requests_["customers/data_request"].subject["orders_requested"] == [int(ORDER_ID)]
    due = as_utc(requests_["customers/data_request"].due_at)
    assert due is not None and due - datetime.now(UTC) > timedelta(days=29)
    assert requests_["customers/redact"].status == "done"
    assert (requests_["customers/redact"].outcome or "").startswith("redacted 1 order(s), emptied 1 inbox message(s)")
    _, named, named_events = stored(hub)
    assert named.customer is None and named.notes is None and named.attributes == {}
    assert named.ship_to is not None and named.ship_to.model_dump(exclude_none=True) == {"country": "US"}
    assert [str(line.total.amount) for line in named.lines] == ["28.00", "9.50"]  # the order itself stays
    assert kinds(named_events)[-1] == "order.redacted"
    assert bodies[named_events[0].inbox_message_id or 0] == b""  # the raw delivery is emptied as well
    _, other, other_events = stored(hub, "5620117831903")
    assert other.customer is not None and other.customer.email == "dana@whitfield.example"
    assert bodies[other_events[0].inbox_message_id or 0] != b""

    deliver_and_process(hub, "shop/redact", sample("shop_redact"), "evt-c2")
    with hub.database.session() as session:
        shop = session.scalars(select(ComplianceRequest).where(ComplianceRequest.topic == "shop/redact")).one()
    assert shop.status == "done" and (shop.outcome or "").startswith("redacted 2 order(s)")
    assert stored(hub, "5620117831903")[1].customer is None


# -- reconciliation through the Admin API -----------------------------------------------------------------


def listed_order(order_id: int, updated_at: str, **changes: Any) -> dict[str, Any]:
    return sample("orders_create", id=order_id, name=f"#{order_id % 10000}", updated_at=updated_at, **changes)


def test_reconciliation_pulls_missed_orders_page_by_page(hub: Receiver, fake: FakeShopify) -> None:
    fake.page_size = 2
    deliver_and_process(hub, "orders/create", sample("orders_create"), "evt-23")  # one order did arrive by webhook
    fake.add_order(sample("orders_create"))  # 09:14:05-05:00
    for number, minute in enumerate((20, 25, 30, 35), start=1):
        fake.add_order(listed_order(5912345670000 + number, f"2026-11-20T09:{minute}:00-05:00"))

    result = pull_account(hub.database, "shopify", "shop1")
    assert (result.read, result.stored) == (5, 5)
    newest = datetime.fromisoformat("2026-11-20T09:35:00-05:00")
    assert result.watermark == newest and watermark(hub) == newest
    with hub.database.session() as session:
        assert len(session.scalars(select(OrderRecord)).all()) == 5
    assert kinds(stored(hub)[2]) == ["order.received"]  # the webhooked order read again changed nothing
    first, *pages = [seen.args for seen in fake.order_requests()]
    assert first == {"status": "any", "order": "updated_at asc", "limit": "250"}
    assert len(pages) == 2 and all(set(args) == {"limit", "page_info"} for args in pages)

    again = pull_account(hub.database, "shopify", "shop1")
    assert (again.read, again.stored, again.watermark) == (1, 0, newest)  # updated_at_min is inclusive
    assert fake.order_requests()[-1].args["updated_at_min"] == "2026-11-20T14:35:00+00:00"

    fake.add_order(listed_order(5912345670002, "2026-11-20T10:05:00-05:00", tags="late-edit"))
    third = pull_account(hub.database, "shopify", "shop1")
    assert (third.read, third.stored) == (2, 1)
    assert watermark(hub) == datetime.fromisoformat("2026-11-20T10:05:00-05:00")
    _, edited, events = stored(hub, "5912345670002")
    assert edited.tags == ["late-edit"] and kinds(events) == ["order.received", "order.updated"]


def test_rate_limit_is_transient_with_retry_after_and_keeps_the_watermark(hub: Receiver, fake: FakeShopify) -> None:
    fake.page_size = 2
    for number, minute in enumerate((20, 25, 30), start=1):
        fake.add_order(listed_order(5912345670000 + number, f"2026-11-20T09:{minute}:00-05:00"))
    fake.fail_next(429, retry_after="7")
    with pytest.raises(TransientError) as info:
        pull_account(hub.database, "shopify", "shop1")
    assert (info.value.status_code, info.value.retry_after) == (429, 7.0)
    assert watermark(hub) is None

    fake.fail_next(500, after=1)  # the first page arrives, the second fails
    with pytest.raises(TransientError) as info:
        pull_account(hub.database, "shopify", "shop1")
    assert info.value.status_code == 500
    assert watermark(hub) is None  # a partial pull never advances it
    with hub.database.session() as session:
        assert len(session.scalars(select(OrderRecord)).all()) == 2  # what was read is kept, though

    result = pull_account(hub.database, "shopify", "shop1")
    assert (result.read, result.stored) == (3, 1)
    assert watermark(hub) == datetime.fromisoformat("2026-11-20T09:30:00-05:00")


def test_a_wrong_access_token_is_a_configuration_error(hub: Receiver, fake: FakeShopify) -> None:
    fake.token = "shpat_rotated_elsewhere"
    fake.add_order(sample("orders_create"))
    with pytest.raises(ConfigurationError, match="HTTP 401"):
        pull_account(hub.database, "shopify", "shop1")
    assert watermark(hub) is None and hub.messages() == []


def test_fulfillment_orders_are_read_from_the_admin_api(fake: FakeShopify, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPIFY_TOKEN", TOKEN)
    fake.add_order(sample("orders_create"))
    assigned = [
        {
            "id": 6251881578653,
            "order_id": int(ORDER_ID),
            "assigned_location_id": 71234567901,
            "status": "open",
            "request_status": "unsubmitted",
            "line_items": [{"id": 13880172707997, "line_item_id": 13508470800541, "quantity": 2}],
        }
    ]
    fake.fulfillment_orders[ORDER_ID] = assigned
    account = AccountContext("shopify", "shop1", {"base_url": fake.base_url, "access_token": "env:SHOPIFY_TOKEN"})
    channel = get_channel("shopify")
    assert isinstance(channel, Shopify)
    assert channel.fulfillment_orders(account, ORDER_ID) == assigned
    with pytest.raises(PermanentError, match="HTTP 404"):
        channel.fulfillment_orders(account, 1)


# -- the command line -------------------------------------------------------------------------------------


def orderhub(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    env["HUB_DATA_DIR"] = str(cwd / "var")
    return subprocess.run(
        [sys.executable, "-m", "hub", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=60
    )


def test_normalize_prints_the_canonical_order(tmp_path: Path) -> None:
    shown = orderhub(
        "normalize", "shopify", str(SAMPLES / "orders_create.json"), "--topic", "orders/create", cwd=tmp_path
    )
    assert shown.returncode == 0, shown.stderr
    printed = json.loads(shown.stdout)
    assert (printed["topic"], printed["action"]) == ("orders/create", "order")
    assert printed["documents"] == [json.loads((GOLDEN / "plain.out.json").read_text(encoding="utf-8"))]


def test_normalize_of_a_broken_payload_exits_2_naming_the_field(tmp_path: Path) -> None:
    broken = SAMPLES / "orders_create_broken.json"
    shown = orderhub("normalize", "shopify", str(broken), "--topic", "orders/create", cwd=tmp_path)
    assert shown.returncode == 2 and shown.stdout == ""
    assert shown.stderr.splitlines() == [
        f"orderhub: {broken}: field lines[1].unit_price: expected a number, found '9,50'"
    ]


# -- Shopify mapping functions ------------------------------------------------------------------------------


def test_name_values_turns_pairs_into_attributes() -> None:
    name_values = get_function("shopify_name_values")
    pairs = [
        {"name": "gift", "value": "yes"},
        {"name": "empty", "value": ""},
        {"name": "n", "value": 3},
        {"value": "x"},
    ]
    assert name_values(pairs) == {"gift": "yes", "n": "3"}
    assert name_values(pairs, "cancel_reason", "fraud", "skipped", None) == {
        "gift": "yes",
        "n": "3",
        "cancel_reason": "fraud",
    }
    assert name_values([{"name": "a", "value": "1"}, {"name": "a", "value": "2"}]) == {"a": "2"}
    assert name_values([]) is None and name_values(None) is None
    with pytest.raises(ValueError, match="expected a list of name/value pairs, found str"):
        name_values("gift=yes")


def test_rate_carrier_names_carriers_but_not_merchant_rates() -> None:
    rate_carrier = get_function("shopify_rate_carrier")
    assert rate_carrier("canada_post") == "canada_post"
    assert rate_carrier("shopify") is None and rate_carrier("Shopify") is None
    assert rate_carrier(None) is None and rate_carrier("  ") is None


def test_custom_item_key_only_for_lines_without_sku_or_variant() -> None:
    key = get_function("shopify_custom_item_key")
    assert key(14011587870943, "Gift wrapping", None, None) == "14011587870943-gift-wrapping"
    assert key("14011587870943", "  Gift  Wrapping! ", "", "") == "14011587870943-gift-wrapping"  # same line, same key
    assert key(7, "Gravur: Straße", None, None) == "7-gravur-straße"
    assert key(7, None, None, None) == "7"
    assert key(7, "Mug", "MUG-1", None) is None and key(7, "Mug", None, 4471) is None
    with pytest.raises(ValueError, match="no id"):
        key(None, "Gift wrapping", None, None)
