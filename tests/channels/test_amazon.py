"""Amazon SP-API polling end to end: a fake SP-API and Login with Amazon on loopback, the real pull, inbox,
mapping and order store on SQLite and PostgreSQL; plus the mapping function and the normalize command."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub.channels import oauth
from hub.channels.pull import PullResult, pull_account
from hub.channels.sources import amazon as amazon_source
from hub.db.models import InboxMessage, OrderEvent, OrderRecord
from hub.mapping.functions import get_function
from hub.sdk.errors import ConfigurationError, TransientError
from tests.channels.conftest import Receiver, accounts, watermark
from tests.fakes.amazon import FakeAmazon

SAMPLES = Path(__file__).parent / "samples" / "amazon"
BUNDLES: list[dict[str, Any]] = json.loads((SAMPLES / "orders.json").read_text())
FIRST, PENDING, LAST = (bundle["order"]["AmazonOrderId"] for bundle in BUNDLES)


@pytest.fixture
def fake() -> Iterator[FakeAmazon]:
    with FakeAmazon(page_size=2, items_page_size=1) as server:
        for bundle in BUNDLES:
            server.put(copy.deepcopy(bundle))
        yield server


@pytest.fixture
def hub(receiver: Receiver, fake: FakeAmazon, monkeypatch: pytest.MonkeyPatch) -> Receiver:
    monkeypatch.setattr(amazon_source, "_tokens", oauth.TokenCache())  # no token survives from another test
    monkeypatch.setenv("AMZ_CLIENT_ID", fake.client_id)
    monkeypatch.setenv("AMZ_CLIENT_SECRET", fake.client_secret)
    monkeypatch.setenv("AMZ_REFRESH_TOKEN", fake.refresh_token)
    receiver.add_account(
        "amazon",
        "us1",
        base_url=fake.url,
        lwa_url=fake.url,
        marketplace_ids=[fake.marketplace_id],
        initial_days="700",  # the samples are from March; Amazon keeps two years
        client_id="env:AMZ_CLIENT_ID",
        client_secret="env:AMZ_CLIENT_SECRET",
        refresh_token="env:AMZ_REFRESH_TOKEN",
    )
    return receiver


def pull(hub: Receiver) -> PullResult:
    return pull_account(hub.database, "amazon", "us1", accounts=accounts)


def orders(hub: Receiver) -> dict[str, dict[str, Any]]:
    with hub.database.session() as session:
        return {record.channel_order_id: record.document for record in session.scalars(select(OrderRecord))}


def events(hub: Receiver) -> list[tuple[str, str]]:
    with hub.database.session() as session:
        rows = session.execute(
            select(OrderRecord.channel_order_id, OrderEvent.type)
            .join(OrderEvent, OrderEvent.order_id == OrderRecord.id)
            .order_by(OrderEvent.id)
        ).all()
    return [(row[0], row[1]) for row in rows]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_first_pull_stores_every_order_with_its_items_and_address(hub: Receiver, fake: FakeAmazon) -> None:
    result = pull(hub)
    assert (result.read, result.stored) == (3, 3)
    assert watermark(hub) == at("2026-03-02T12:00:00Z") == result.watermark
    messages = hub.messages()
    assert [(m.source, m.topic, m.status) for m in messages] == [("poll", "order", "processed")] * 3
    # the stored body is the whole bundle: both pages of items, and the address
    assert [json.loads(m.body) for m in messages] == BUNDLES
    assert messages[0].dedupe_key == f"order:{FIRST}:2026-03-02T10:00:00Z"

    stored = orders(hub)
    assert set(stored) == {FIRST, PENDING, LAST}
    first = stored[FIRST]
    assert [line["sku"] for line in first["lines"]] == ["JOURNAL-A5-DOT", "PEN-GEL-BLK-3"]
    assert first["lines"][0]["unit_price"] == {"amount": "12.99", "currency": "USD"}
    assert first["totals"]["total"] == {"amount": "42.76", "currency": "USD"}
    assert first["ship_to"]["city"] == "Tacoma" and first["payment_status"] == "paid"
    assert stored[PENDING]["ship_to"] is None and stored[PENDING]["payment_status"] == "pending"
    assert sorted(events(hub)) == sorted((order_id, "order.received") for order_id in stored)

    # one token for the whole pull; the first page filtered by update time, the next by NextToken alone
    assert fake.token_requests == 1
    pages = fake.api_requests("/orders")
    assert len(pages) == 2
    started = at(pages[0][1]["LastUpdatedAfter"])
    assert abs(started - (datetime.now(UTC) - timedelta(days=700))) < timedelta(minutes=5)
    assert pages[1][1] == {"NextToken": pages[1][1]["NextToken"], "MarketplaceIds": fake.marketplace_id}
    assert len(fake.api_requests("/orderItems")) == 4  # the first order's two items come on two pages


def test_a_second_pull_reads_from_the_watermark_and_stores_nothing(hub: Receiver, fake: FakeAmazon) -> None:
    pull(hub)
    before = (len(hub.messages()), events(hub))
    again = pull(hub)
    assert again.stored == 0 and again.read == 1  # the newest order, re-read in the overlap window
    assert (len(hub.messages()), events(hub)) == before
    assert watermark(hub) == at("2026-03-02T12:00:00Z")
    assert fake.api_requests("/orders")[-1][1]["LastUpdatedAfter"] == "2026-03-02T11:55:00Z"


@pytest.mark.parametrize(("status", "retry_after", "expected_wait"), [(429, "7", 7.0), (500, None, None)])
def test_a_failure_mid_pull_keeps_the_watermark_and_a_retry_completes_it(
    hub: Receiver, fake: FakeAmazon, status: int, retry_after: str | None, expected_wait: float | None
) -> None:
    fake.fail_next(status, retry_after=retry_after, path="/orderItems", after=2)  # the second order's items
    with pytest.raises(TransientError) as info:
        pull(hub)
    assert info.value.retry_after == expected_wait
    assert watermark(hub) is None
    assert set(orders(hub)) == {FIRST}  # what was read before the failure is kept

    result = pull(hub)
    assert (result.read, result.stored) == (3, 2)
    assert set(orders(hub)) == {FIRST, PENDING, LAST}
    assert len(events(hub)) == 3 and len(hub.messages()) == 3
    assert watermark(hub) == at("2026-03-02T12:00:00Z")


def test_newer_versions_update_and_cancel_the_stored_orders(hub: Receiver, fake: FakeAmazon) -> None:
    pull(hub)
    paid = copy.deepcopy(BUNDLES[1])
    paid["order"].update(
        OrderStatus="Unshipped",
        LastUpdateDate="2026-03-02T12:30:00Z",
        OrderTotal={"CurrencyCode": "USD", "Amount": "13.49"},
    )
    paid["items"][0].update(
        ItemPrice={"CurrencyCode": "USD", "Amount": "12.50"}, ItemTax={"CurrencyCode": "USD", "Amount": "0.99"}
    )
    paid["address"]["ShippingAddress"] = {
        "City": "Reno",
        "StateOrRegion": "NV",
        "PostalCode": "89501",
        "CountryCode": "US",
    }
    cancelled = copy.deepcopy(BUNDLES[2])
    cancelled["order"].update(OrderStatus="Canceled", LastUpdateDate="2026-03-02T13:00:00Z")
    fake.put(paid)
    fake.put(cancelled)

    result = pull(hub)
    assert result.stored == 2 and watermark(hub) == at("2026-03-02T13:00:00Z")
    stored = orders(hub)
    assert stored[PENDING]["payment_status"] == "paid" and stored[PENDING]["ship_to"]["city"] == "Reno"
    assert stored[PENDING]["totals"]["total"]["amount"] == "13.49"
    assert stored[LAST]["status"] == "cancelled" and stored[LAST]["payment_status"] == "voided"
    assert events(hub)[-2:] == [(PENDING, "order.updated"), (LAST, "order.cancelled")]
    with hub.database.session() as session:
        changed = session.scalars(select(OrderEvent.data).where(OrderEvent.type == "order.updated")).one()["changed"]
    assert {"payment_status", "ship_to", "totals", "updated_at"} <= set(changed)


def test_an_expired_token_is_refreshed_once(hub: Receiver, fake: FakeAmazon) -> None:
    pull(hub)
    fake.revoke_tokens()
    fake.put({**copy.deepcopy(BUNDLES[0]), "order": {**BUNDLES[0]["order"], "LastUpdateDate": "2026-03-02T14:00:00Z"}})
    result = pull(hub)
    assert result.stored == 1
    assert fake.token_requests == 2


def test_an_api_that_keeps_refusing_fresh_tokens_is_a_configuration_error(hub: Receiver, fake: FakeAmazon) -> None:
    fake.refuse_all_tokens = True
    with pytest.raises(ConfigurationError) as info:
        pull(hub)
    assert info.value.status_code == 403
    assert fake.token_requests == 2  # one refresh, not a loop
    assert watermark(hub) is None and hub.messages() == []


def test_wrong_client_credentials_are_a_configuration_error_without_the_secret(
    hub: Receiver, fake: FakeAmazon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMZ_CLIENT_SECRET", "amzn1.oa2-cs.v1.not-the-right-one")
    with pytest.raises(ConfigurationError) as info:
        pull(hub)
    assert "refused the credentials of account us1" in str(info.value)
    assert "not-the-right-one" not in str(info.value)
    assert fake.api_requests() == []


def test_an_account_without_a_forwarder_secret_takes_no_notifications(hub: Receiver) -> None:
    response = hub.post("/webhooks/amazon/us1", b"{}", {"content-type": "application/json"})
    assert response.status_code == 503 and hub.messages() == []


def orderhub(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hub", *args], capture_output=True, text=True, timeout=60, check=False)


def test_normalize_prints_the_canonical_order() -> None:
    done = orderhub("normalize", "amazon", str(SAMPLES / "order.json"), "--topic", "order")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert (shown["topic"], shown["action"]) == ("order", "order")
    (document,) = shown["documents"]
    assert document["channel_order_id"] == FIRST and document["schema_version"] == "order.v1"
    assert [line["quantity"] for line in document["lines"]] == [2, 1]
    assert document["totals"]["subtotal"] == {"amount": "34.97", "currency": "USD"}


def test_normalize_reports_a_broken_file_in_one_line() -> None:
    done = orderhub("normalize", "amazon", str(SAMPLES / "broken.json"), "--topic", "order")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "body is not valid JSON" in done.stderr


@pytest.mark.parametrize(
    ("amount", "quantity", "unit"),
    [
        ("39.98", 2, "19.99"),
        ("10.00", 3, "3.333333"),
        ("10", "3", "3.3333"),
        ("5", 2, "2.5"),
        ("0.00", 0, "0.00"),  # a cancelled item: no units, nothing to divide
        (None, 2, None),  # a pending item without a price
        (12.5, "1", "12.5"),
    ],
)
def test_line_unit_price(amount: Any, quantity: Any, unit: str | None) -> None:
    assert get_function("line_unit_price")(amount, quantity) == unit


@pytest.mark.parametrize("quantity", [-1, "1.5", 2.5])
def test_line_unit_price_refuses_quantities_that_are_not_whole_units(quantity: Any) -> None:
    with pytest.raises(ValueError, match="whole number"):
        get_function("line_unit_price")("10.00", quantity)


def test_stored_inbox_rows_hold_no_credentials(hub: Receiver, fake: FakeAmazon) -> None:
    pull(hub)
    with hub.database.session() as session:
        rows = session.scalars(select(InboxMessage)).all()
        assert all(not row.headers for row in rows)
        assert all(b"Atza|" not in row.body and fake.client_secret.encode() not in row.body for row in rows)
