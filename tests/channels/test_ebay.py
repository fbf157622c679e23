"""eBay polling end to end: a fake eBay (OAuth refresh and Sell Fulfillment getOrders) on loopback, the real
pull, inbox, mapping and order store on SQLite and PostgreSQL; plus eBay's mapping function."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub.channels import oauth
from hub.channels.pull import PullResult, pull_account
from hub.channels.sources import ebay as ebay_source
from hub.db.models import ChannelAccount
from hub.mapping.functions import get_function
from hub.sdk.errors import ConfigurationError, TransientError
from tests.channels.conftest import Receiver, accounts, event_types, stored_documents, watermark
from tests.fakes.ebay import FakeEbay

SAMPLES = Path(__file__).parent / "samples" / "ebay"
ORDERS: list[dict[str, Any]] = json.loads((SAMPLES / "orders.json").read_text())
FIRST, SECOND, THIRD = (order["orderId"] for order in ORDERS)


@pytest.fixture
def fake() -> Iterator[FakeEbay]:
    with FakeEbay(page_size=2) as server:
        for order in ORDERS:
            server.put(copy.deepcopy(order))
        yield server


@pytest.fixture
def hub(receiver: Receiver, fake: FakeEbay, monkeypatch: pytest.MonkeyPatch) -> Receiver:
    monkeypatch.setattr(ebay_source, "_tokens", oauth.TokenCache())
    monkeypatch.setenv("EBAY_CLIENT_ID", fake.client_id)
    monkeypatch.setenv("EBAY_CLIENT_SECRET", fake.client_secret)
    monkeypatch.setenv("EBAY_REFRESH_TOKEN", fake.refresh_token)
    receiver.add_account(
        "ebay",
        "store1",
        base_url=fake.url,
        identity_url=fake.url,
        client_id="env:EBAY_CLIENT_ID",
        client_secret="env:EBAY_CLIENT_SECRET",
        refresh_token="env:EBAY_REFRESH_TOKEN",
        initial_days="700",  # the samples are from March
    )
    return receiver


def pull(hub: Receiver) -> PullResult:
    return pull_account(hub.database, "ebay", "store1", accounts=accounts)


def set_settings(hub: Receiver, **changes: Any) -> None:
    with hub.database.session() as session:
        row = session.scalars(select(ChannelAccount).where(ChannelAccount.channel == "ebay")).one()
        row.settings = {**row.settings, **changes}


def test_first_pull_pages_through_every_order(hub: Receiver, fake: FakeEbay) -> None:
    result = pull(hub)
    assert (result.read, result.stored) == (3, 3)
    assert watermark(hub) == datetime(2026, 3, 5, 12, 2, tzinfo=UTC)
    assert [json.loads(message.body) for message in hub.messages()] == ORDERS
    assert hub.messages()[0].dedupe_key == f"order:{FIRST}:2026-03-05T10:02:00.000Z"

    orders = stored_documents(hub)
    assert set(orders) == {FIRST, SECOND, THIRD}
    third = orders[THIRD]
    assert third["lines"][0]["quantity"] == 3 and third["lines"][0]["unit_price"]["amount"] == "3.00"
    assert third["totals"]["total"] == {"amount": "13.13", "currency": "USD"}
    assert third["ship_to"]["postal_code"] == "53703" and third["shipping_method"] == "USPSGroundAdvantage"
    assert event_types(hub) == ["order.received"] * 3

    first_page, second_page = fake.order_requests()
    started = datetime.fromisoformat(first_page["filter"].removeprefix("lastmodifieddate:[").removesuffix("..]"))
    assert abs(started - (datetime.now(UTC) - timedelta(days=700))) < timedelta(minutes=5)
    assert (first_page["limit"], first_page["offset"], second_page["offset"]) == ("200", "0", "2")
    assert fake.token_requests == 1


def test_a_second_pull_starts_at_the_watermark_and_stores_nothing(hub: Receiver, fake: FakeEbay) -> None:
    pull(hub)
    again = pull(hub)
    assert (again.read, again.stored) == (1, 0)
    assert len(hub.messages()) == 3 and event_types(hub) == ["order.received"] * 3
    assert fake.order_requests()[-1]["filter"] == "lastmodifieddate:[2026-03-05T11:57:00.000Z..]"
    assert watermark(hub) == datetime(2026, 3, 5, 12, 2, tzinfo=UTC)


@pytest.mark.parametrize(("status", "retry_after", "wait"), [(429, "20", 20.0), (500, None, None)])
def test_a_failure_on_the_second_page_keeps_the_watermark_and_a_repull_is_idempotent(
    hub: Receiver, fake: FakeEbay, status: int, retry_after: str | None, wait: float | None
) -> None:
    fake.fail_next(status, retry_after=retry_after, after=1)
    with pytest.raises(TransientError) as info:
        pull(hub)
    assert info.value.retry_after == wait
    assert watermark(hub) is None and set(stored_documents(hub)) == {FIRST, SECOND}
    result = pull(hub)
    assert (result.read, result.stored) == (3, 1)
    assert event_types(hub) == ["order.received"] * 3
    assert watermark(hub) == datetime(2026, 3, 5, 12, 2, tzinfo=UTC)


def test_newer_versions_update_and_cancel_stored_orders(hub: Receiver, fake: FakeEbay) -> None:
    pull(hub)
    refunded = copy.deepcopy(ORDERS[0])
    refunded.update(
        lastModifiedDate="2026-03-06T09:00:00.000Z",
        orderPaymentStatus="FULLY_REFUNDED",
        cancelStatus={"cancelState": "CANCELED", "cancelRequests": []},
    )
    shipped = copy.deepcopy(ORDERS[1])
    shipped.update(lastModifiedDate="2026-03-06T10:00:00.000Z", orderFulfillmentStatus="FULFILLED")
    fake.put(refunded)
    fake.put(shipped)

    result = pull(hub)
    assert result.stored == 2 and watermark(hub) == datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
    orders = stored_documents(hub)
    assert (orders[FIRST]["status"], orders[FIRST]["payment_status"]) == ("cancelled", "refunded")
    assert orders[SECOND]["attributes"]["fulfillment_status"] == "FULFILLED"
    assert event_types(hub)[-2:] == ["order.cancelled", "order.updated"]


def test_an_expired_token_is_refreshed_once(hub: Receiver, fake: FakeEbay) -> None:
    pull(hub)
    fake.revoke_tokens()
    fake.put({**copy.deepcopy(ORDERS[2]), "lastModifiedDate": "2026-03-06T08:00:00.000Z"})
    assert pull(hub).stored == 1
    assert fake.token_requests == 2


@pytest.mark.parametrize(
    ("settings", "env", "status"),
    [
        ({}, {"EBAY_REFRESH_TOKEN": "v^1.1#revoked"}, 400),
        ({}, {"EBAY_CLIENT_SECRET": "PRD-someone-elses-cert"}, 401),
        ({"scope": "https://api.ebay.com/oauth/api_scope/sell.finances"}, {}, 400),
    ],
)
def test_credentials_ebay_refuses_are_a_configuration_error(
    hub: Receiver,
    fake: FakeEbay,
    monkeypatch: pytest.MonkeyPatch,
    settings: dict[str, str],
    env: dict[str, str],
    status: int,
) -> None:
    set_settings(hub, **settings)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as info:
        pull(hub)
    assert info.value.status_code == status
    assert "refused the credentials of account store1" in str(info.value)
    assert all(value not in str(info.value) for value in env.values())
    assert fake.order_requests() == [] and watermark(hub) is None


def test_ebay_takes_no_webhooks_yet(hub: Receiver) -> None:
    assert hub.post("/webhooks/ebay/store1", b"{}", {"content-type": "application/json"}).status_code == 404


@pytest.mark.parametrize(
    ("cost", "discounted", "expected"),
    [("80.00", "68.00", "12.00"), ("80.00", None, None), (None, "5.00", None), ("19.99", "19.99", "0.00")],
)
def test_ebay_line_discount(cost: Any, discounted: Any, expected: str | None) -> None:
    assert get_function("ebay_line_discount")(cost, discounted) == expected


def test_ebay_line_discount_refuses_a_discounted_cost_above_the_cost() -> None:
    with pytest.raises(ValueError, match="exceeds the line cost"):
        get_function("ebay_line_discount")("10.00", "12.00")
