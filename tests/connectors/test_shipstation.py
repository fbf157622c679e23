"""The ShipStation connector against the fake ShipStation: the SDK contract, then what the hub relies on."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import select

from connectors.shipstation import ShipStation
from connectors.shipstation.config import Config
from connectors.shipstation.poll import WINDOW_MARGIN
from hub.canonical import FulfillmentRequest
from hub.db.models import FulfillmentOrderRecord, ShipmentRecord
from hub.db.session import Database
from hub.delivery import poll
from hub.delivery.accounts import save_account
from hub.sdk import (
    FulfillmentRef,
    FulfillmentStatus,
    InboundNotification,
    NotificationRefused,
    PermanentError,
    Submitted,
    TransientError,
)
from hub.sdk.testing import ConnectorContract, ContractPartner, InjectedFailure
from tests.connectors.conftest import WEBHOOK_SECRET, fulfillment_request
from tests.delivery.conftest import add_location, route, run, store_order
from tests.fakes.shipstation import PACIFIC, FakeShipStation


class ShipStationPartner:
    """The fake ShipStation as the contract suite drives it."""

    def __init__(self, fake: FakeShipStation) -> None:
        self.fake = fake

    def settings(self) -> dict[str, Any]:
        return self.fake.settings(timeout=0.5, webhook_secret=WEBHOOK_SECRET)

    def fail_next(self, failure: InjectedFailure) -> None:
        if failure.timeout:
            self.fake.hang_next(seconds=1.5)
        elif failure.reset:
            self.fake.reset_next()
        else:
            assert failure.status is not None
            self.fake.fail_next(failure.status, retry_after=failure.retry_after)

    def orders_received(self, request: FulfillmentRequest) -> int:
        return len(self.fake.orders_numbered(request.reference))


class TestShipStationContract(ConnectorContract):
    connector_class = ShipStation
    secret_settings = ("api_key", "api_secret", "webhook_secret")
    invalid_settings = (
        ("base_url", "ftp://ssapi.example.com"),
        ("base_url", "https://user:pw@ssapi.example.com"),
        ("store_id", "main"),
        ("store_id", 0),
        ("webhook_secret", "tooshort1"),
        ("timeout", 0),
    )

    @pytest.fixture
    def partner(self, shipstation: FakeShipStation) -> ContractPartner:
        return ShipStationPartner(shipstation)


def connector(fake: FakeShipStation, **settings: Any) -> ShipStation:
    config = Config.model_validate(fake.settings(webhook_secret=WEBHOOK_SECRET, **settings))
    return ShipStation(config, requests.Session())


# -- submit ----------------------------------------------------------------------------------------------------


def test_submit_creates_the_order_under_the_fulfillment_order_id(shipstation: FakeShipStation) -> None:
    request = fulfillment_request("ful_A1")
    submitted = connector(shipstation, store_id=42).submit_fulfillment(request, "fo:ful_A1:submit")
    order = shipstation.order_by_key("ful_A1")
    assert order is not None and submitted == Submitted(str(order["orderId"]), f"ShipStation order {order['orderId']}")
    assert order["orderNumber"] == "#1001" and order["orderStatus"] == "awaiting_shipment"
    assert order["advancedOptions"]["storeId"] == 42
    assert order["shipTo"]["street1"] == "123 Main St" and order["shipTo"]["country"] == "US"
    assert order["billTo"]["name"] == "Jon Snow"
    items = [(i["lineItemKey"], i["sku"], i["name"], i["quantity"], i["unitPrice"]) for i in order["items"]]
    assert items == [("1", "TEE-BLK-M", "Organic Tee - Black / M", 2, 25.0), ("2", "MUG-WHT", "Mug - White", 1, 12.0)]
    assert shipstation.requests[-1].user == shipstation.api_key  # Basic auth with the key pair


def test_a_resend_updates_the_same_order(shipstation: FakeShipStation) -> None:
    ss = connector(shipstation)
    first = ss.submit_fulfillment(fulfillment_request("ful_A2"), "fo:ful_A2:submit")
    changed = fulfillment_request("ful_A2", notes="leave at the back door")
    again = ss.submit_fulfillment(changed, "fo:ful_A2:submit")
    assert first.external_id == again.external_id
    assert len(shipstation.orders_numbered("#1001")) == 1
    assert shipstation.order_by_key("ful_A2")["customerNotes"] == "leave at the back door"  # type: ignore[index]


def test_test_orders_are_held_and_orders_without_an_address_refused(shipstation: FakeShipStation) -> None:
    ss = connector(shipstation)
    test_order = fulfillment_request("ful_T1")
    test_order = FulfillmentRequest.model_validate({**test_order.model_dump(), "test": True})
    ss.submit_fulfillment(test_order, "k")
    assert shipstation.order_by_key("ful_T1")["orderStatus"] == "on_hold"  # type: ignore[index]
    with pytest.raises(PermanentError, match="no ship-to address"):
        ss.submit_fulfillment(fulfillment_request("ful_T2", ship_to=None), "k2")
    assert shipstation.order_by_key("ful_T2") is None


def test_a_batch_goes_out_in_one_call_with_one_answer_per_order(shipstation: FakeShipStation) -> None:
    batch = [
        (fulfillment_request("ful_B1"), "fo:ful_B1:submit"),
        (fulfillment_request("ful_B2", ship_to=None), "fo:ful_B2:submit"),
        (fulfillment_request("ful_B3", number="X" * 60), "fo:ful_B3:submit"),
    ]
    answers = connector(shipstation).submit_fulfillments(batch)
    assert isinstance(answers[0], Submitted) and answers[0].external_id == str(
        shipstation.order_by_key("ful_B1")["orderId"]
    )  # type: ignore[index]
    assert isinstance(answers[1], PermanentError) and "ship-to" in str(answers[1])
    assert isinstance(answers[2], Submitted)  # the order number is cut to ShipStation's 50 characters
    assert shipstation.order_by_key("ful_B3")["orderNumber"] == "X" * 50  # type: ignore[index]
    assert len(shipstation.calls("POST", "/orders/createorders")) == 1


def test_the_rate_limit_is_honoured(shipstation: FakeShipStation) -> None:
    shipstation.rate_limit = 2
    ss = connector(shipstation)
    ss.check()
    ss.check()  # answered with X-Rate-Limit-Remaining: 0
    with pytest.raises(TransientError) as waiting:
        ss.check()
    assert len(shipstation.requests) == 2  # no call while the window is spent
    assert waiting.value.retry_after is not None and 0 < waiting.value.retry_after <= 60
    with pytest.raises(TransientError) as limited:
        connector(shipstation).check()  # a fresh instance does not know: ShipStation answers 429
    assert limited.value.status_code == 429
    assert limited.value.retry_after is not None and 0 < limited.value.retry_after <= 60  # X-Rate-Limit-Reset


# -- cancel ----------------------------------------------------------------------------------------------------


def test_cancel_reposts_the_order_as_cancelled(shipstation: FakeShipStation) -> None:
    ss = connector(shipstation)
    request = fulfillment_request("ful_C1")
    external_id = ss.submit_fulfillment(request, "k").external_id
    ref = FulfillmentRef("ful_C1", external_id, request.reference)
    ss.cancel_fulfillment(request, ref, "fo:ful_C1:cancel")
    order = shipstation.order_by_key("ful_C1")
    assert order is not None and order["orderStatus"] == "cancelled" and len(order["items"]) == 2
    posts = len(shipstation.calls("POST", "/orders/createorder"))
    ss.cancel_fulfillment(request, ref, "fo:ful_C1:cancel")  # again: already cancelled, nothing re-posted
    assert len(shipstation.calls("POST", "/orders/createorder")) == posts


def test_a_shipped_order_cannot_be_cancelled(shipstation: FakeShipStation) -> None:
    ss = connector(shipstation)
    request = fulfillment_request("ful_C2")
    external_id = ss.submit_fulfillment(request, "k").external_id
    shipstation.ship("ful_C2")
    with pytest.raises(PermanentError, match="already shipped"):
        ss.cancel_fulfillment(request, FulfillmentRef("ful_C2", external_id, request.reference), "c")
    with pytest.raises(PermanentError, match="already shipped"):  # without ShipStation's id: refused on re-post
        ss.cancel_fulfillment(request, FulfillmentRef("ful_C2", None, request.reference), "c")
    assert shipstation.order_by_key("ful_C2")["orderStatus"] == "shipped"  # type: ignore[index]


# -- shipments back --------------------------------------------------------------------------------------------


def test_fetch_status_reports_each_orders_shipments(shipstation: FakeShipStation) -> None:
    ss = connector(shipstation)
    first, second = fulfillment_request("ful_S1"), fulfillment_request("ful_S2")  # same order number
    first_id = ss.submit_fulfillment(first, "k1").external_id
    ss.submit_fulfillment(second, "k2")
    shipstation.ship("ful_S1", items={"1": 2}, tracking_number="1ZVOIDED", voided=True)
    shipped = shipstation.ship("ful_S1", items={"1": 1}, tracking_number="1ZFIRST", ship_date="2025-03-16")
    refs = [FulfillmentRef("ful_S1", first_id, "#1001"), FulfillmentRef("ful_S2", None, "#1001")]
    statuses = ss.fetch_status(refs)
    assert [status.ref.fulfillment_order_id for status in statuses] == ["ful_S1"]
    (notice,) = statuses[0].shipments
    assert notice.key == str(shipped["shipmentId"])
    assert (notice.fulfillment_order_id, notice.external_id) == ("ful_S1", first_id)
    shipment = notice.shipment
    assert shipment.tracking_numbers == ["1ZFIRST"]
    assert shipment.carrier is not None and (shipment.carrier.name, shipment.carrier.service) == ("ups", "ups_ground")
    assert shipment.shipped_at is not None and shipment.shipped_at.isoformat() == "2025-03-16T00:00:00+00:00"
    assert [(item.line_id, item.sku, item.quantity) for item in shipment.items] == [("1", "TEE-BLK-M", 1)]


def ship_notify(body: dict[str, Any] | bytes, *, token: str | None = WEBHOOK_SECRET) -> InboundNotification:
    raw = body if isinstance(body, bytes) else requests.models.complexjson.dumps(body).encode()
    return InboundNotification("POST", "/webhooks/connectors/shipstation/main", "", {}, raw, path_token=token)


def test_a_ship_notify_is_read_back_from_the_account(shipstation: FakeShipStation) -> None:
    ss = connector(shipstation)
    ss.submit_fulfillment(fulfillment_request("ful_N1"), "k")
    shipment = shipstation.ship("ful_N1")
    resource_url = shipstation.resource_url(shipment)
    result = ss.read_notification(ship_notify({"resource_url": resource_url, "resource_type": "SHIP_NOTIFY"}))
    (notice,) = result.shipments
    assert notice.fulfillment_order_id == "ful_N1" and notice.key == str(shipment["shipmentId"])
    assert sorted((i.line_id, i.quantity) for i in notice.shipment.items) == [("1", 2), ("2", 1)]
    read = shipstation.calls("GET", "/shipments")[-1]
    assert read.args["includeShipmentItems"] == "true" and read.args["batchId"] == str(shipment["batchId"])
    assert read.user == shipstation.api_key


@pytest.mark.parametrize(
    "resource_url",
    [
        "https://ssapi.example.com/shipments?batchId=1",  # another host
        "{scheme}://127.0.0.1:1/shipments",  # another port
        "https://127.0.0.1:{port}/shipments",  # another scheme
        "{scheme}://localhost:{port}/shipments",  # another host name for the same machine
        "{scheme}://someone@127.0.0.1:{port}/shipments",  # credentials in the URL
        "{base}/../admin/shipments",  # climbing out of the base path
        "{origin}/elsewhere/shipments",  # outside the base path
    ],
)
def test_a_resource_url_outside_the_base_url_is_not_read(resource_url: str) -> None:
    with FakeShipStation(prefix="/ss") as fake:
        url = resource_url.format(
            scheme="http", port=fake.origin.rsplit(":", 1)[1], base=fake.base_url, origin=fake.origin
        )
        with pytest.raises(PermanentError, match="not under this account's base_url"):
            connector(fake).read_notification(ship_notify({"resource_url": url, "resource_type": "SHIP_NOTIFY"}))
        assert fake.requests == []


def test_other_notifications_are_ignored_and_bad_bodies_refused(shipstation: FakeShipStation) -> None:
    ss = connector(shipstation)
    order_notify = {"resource_url": f"{shipstation.base_url}/orders?importBatch=1", "resource_type": "ORDER_NOTIFY"}
    assert ss.read_notification(ship_notify(order_notify)).ignored
    for body in (b"not json", b"[]", b'{"resource_type": "SHIP_NOTIFY"}'):
        with pytest.raises(PermanentError):
            ss.read_notification(ship_notify(body))
    assert shipstation.requests == []


def test_webhooks_are_authenticated_by_the_account_token(shipstation: FakeShipStation) -> None:
    ss = connector(shipstation)
    ss.authenticate(ship_notify(b"{}"))
    header = InboundNotification("POST", "/x", "", {"x-orderhub-token": WEBHOOK_SECRET}, b"{}")
    ss.authenticate(header)
    for wrong in (ship_notify(b"{}", token=WEBHOOK_SECRET + "x"), ship_notify(b"{}", token=None)):
        with pytest.raises(NotificationRefused, match="token is (wrong|missing)"):
            ss.authenticate(wrong)
    without_secret = ShipStation(Config.model_validate(shipstation.settings()), requests.Session())
    with pytest.raises(NotificationRefused, match="no webhook_secret"):
        without_secret.authenticate(ship_notify(b"{}"))


def test_a_large_batch_is_sent_100_orders_at_a_time(shipstation: FakeShipStation) -> None:
    batch = [(fulfillment_request(f"ful_L{n:03d}"), f"fo:ful_L{n:03d}:submit") for n in range(101)]
    answers = connector(shipstation).submit_fulfillments(batch)
    assert all(isinstance(answer, Submitted) for answer in answers) and len(answers) == 101
    assert [len(call.body) for call in shipstation.calls("POST", "/orders/createorders")] == [100, 1]
    too_many = requests.post(
        f"{shipstation.base_url}/orders/createorders",
        json=[{}] * 101,
        auth=(shipstation.api_key, shipstation.api_secret),
        timeout=10,
    )
    assert too_many.status_code == 400 and "100" in str(too_many.json()["ModelState"])


# -- polling by date ----------------------------------------------------------------------------------------------


def open_orders(ss: ShipStation, count: int, sent_at: datetime) -> list[FulfillmentRef]:
    """``count`` fulfillment orders submitted to ShipStation, as the engine's refs to them."""
    batch = [
        (fulfillment_request(f"ful_P{n:04d}", number=f"#P{n:04d}"), f"fo:ful_P{n:04d}:submit") for n in range(count)
    ]
    answers = ss.submit_fulfillments(batch)
    assert all(isinstance(answer, Submitted) for answer in answers)
    return [
        FulfillmentRef(request.id, answer.external_id, request.reference, sent_at)
        for (request, _), answer in zip(batch, answers, strict=True)
        if isinstance(answer, Submitted)
    ]


def found(statuses: list[FulfillmentStatus]) -> dict[str, list[str]]:
    """Shipment keys reported per fulfillment order."""
    return {status.ref.fulfillment_order_id: [notice.key for notice in status.shipments] for status in statuses}


def pacific(moment: datetime) -> str:
    return moment.astimezone(PACIFIC).strftime("%Y-%m-%dT%H:%M:%S")


def test_1200_open_orders_are_polled_in_one_read_of_the_shipments_since_the_oldest(
    shipstation: FakeShipStation,
) -> None:
    ss = connector(shipstation)
    oldest = datetime.now(UTC) - timedelta(hours=5)
    first, *later = open_orders(ss, 1200, oldest)
    refs = [first, *(replace(ref, sent_at=oldest + timedelta(hours=1)) for ref in later)]
    shipped = {ref.fulfillment_order_id: shipstation.ship(ref.fulfillment_order_id) for ref in refs[::40]}
    assert len(shipped) == 30
    shipstation.ship(refs[1].fulfillment_order_id, voided=True)  # a voided label ships nothing
    shipstation.requests.clear()

    statuses = ss.fetch_status(refs)

    assert found(statuses) == {fo_id: [str(row["shipmentId"])] for fo_id, row in shipped.items()}
    assert all(s.shipments[0].fulfillment_order_id == s.ref.fulfillment_order_id for s in statuses)
    (read,) = shipstation.requests  # one page holds every shipment since the oldest open order was sent
    assert (read.method, read.path) == ("GET", "/shipments")
    assert read.args["createDateStart"] == pacific(oldest - WINDOW_MARGIN)
    assert (read.args["includeShipmentItems"], read.args["pageSize"], read.args["page"]) == ("true", "500", "1")


def busy_account(shipstation: FakeShipStation, ss: ShipStation) -> tuple[list[FulfillmentRef], list[str]]:
    """Three open orders, each with a label bought amid 1,100 labels of another order (three pages of 500,
    newest first): the last bought is on the first page, the second on the second, the first on the third.
    Returns the three refs and their shipment ids, in the order the labels were bought."""
    start = datetime.now(UTC) - timedelta(hours=2)
    refs = open_orders(ss, 4, start - timedelta(minutes=5))
    other, open_refs = refs[0], refs[1:]
    keys = []
    for n in range(1100):
        shipstation.ship(other.fulfillment_order_id, created=start + timedelta(seconds=n))
        if n in (10, 550, 1090):
            ours = open_refs[len(keys)]
            keys.append(
                str(shipstation.ship(ours.fulfillment_order_id, created=start + timedelta(seconds=n))["shipmentId"])
            )
    shipstation.requests.clear()
    return open_refs, keys


def test_a_poll_pages_through_every_shipment_in_the_window(shipstation: FakeShipStation) -> None:
    ss = connector(shipstation)
    refs, keys = busy_account(shipstation, ss)
    statuses = ss.fetch_status(refs)
    assert found(statuses) == {ref.fulfillment_order_id: [key] for ref, key in zip(refs, keys, strict=True)}
    assert [seen.args["page"] for seen in shipstation.calls("GET", "/shipments")] == ["1", "2", "3"]


def test_a_poll_stops_when_the_rate_limit_is_spent_and_reports_what_it_read(shipstation: FakeShipStation) -> None:
    ss = connector(shipstation)
    refs, keys = busy_account(shipstation, ss)
    shipstation.allow(2)  # the second page is answered with X-Rate-Limit-Remaining: 0
    statuses = ss.fetch_status(refs)
    assert found(statuses) == {refs[2].fulfillment_order_id: [keys[2]], refs[1].fulfillment_order_id: [keys[1]]}
    assert len(shipstation.requests) == 2  # no third call: it would only earn a 429


def test_a_shipment_without_an_order_key_is_matched_by_order_id_or_an_unshared_order_number(
    shipstation: FakeShipStation,
) -> None:
    ss = connector(shipstation)
    sent_at = datetime.now(UTC) - timedelta(hours=1)
    first, second, third = open_orders(ss, 3, sent_at)
    twin = FulfillmentRef("ful_TWIN", None, third.reference, sent_at)  # another fulfillment order of that order
    rows = [shipstation.ship(ref.fulfillment_order_id) for ref in (first, second, third)]
    for row in rows:
        del row["orderKey"]
    by_number = FulfillmentRef(second.fulfillment_order_id, None, second.reference, sent_at)
    shared_number = FulfillmentRef(third.fulfillment_order_id, None, third.reference, sent_at)
    statuses = ss.fetch_status([first, by_number, shared_number, twin])
    assert found(statuses) == {  # the third's order number is shared: which of the two shipped is not known
        first.fulfillment_order_id: [str(rows[0]["shipmentId"])],
        second.fulfillment_order_id: [str(rows[1]["shipmentId"])],
    }
    assert [s.shipments[0].fulfillment_order_id for s in statuses] == [
        first.fulfillment_order_id,
        second.fulfillment_order_id,
    ]


def test_the_engine_polls_shipstation_past_its_usual_cap_from_when_the_oldest_was_sent(
    shipstation: FakeShipStation, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SS_KEY", shipstation.api_key)
    monkeypatch.setenv("TEST_SS_SECRET", shipstation.api_secret)
    monkeypatch.setattr(poll, "REF_LIMIT", 1)  # ShipStation's poll costs the same however many are open
    with database.session() as session:
        secrets = {"api_key": "env:TEST_SS_KEY", "api_secret": "env:TEST_SS_SECRET"}
        save_account(session, "shipstation", "main", {"base_url": shipstation.base_url}, secrets)
    add_location(database, "wh-ss", "shipstation:main", LAMP=10)
    fo_ids = [
        next(iter(route(database, store_order(database, n)).fulfillment_orders)) for n in ("2001", "2002", "2003")
    ]
    run(database)
    assert all(shipstation.order_by_key(fo_id) is not None for fo_id in fo_ids)
    shipment = shipstation.ship(fo_ids[-1], tracking_number="1ZNEWEST01")
    shipstation.requests.clear()

    report = poll.poll_destination(database, "shipstation:main")

    assert report.error is None and report.shipments == 1
    with database.session() as session:
        states = {fo.id: fo.state for fo in session.scalars(select(FulfillmentOrderRecord))}
        oldest = min(fo.created_at for fo in session.scalars(select(FulfillmentOrderRecord)))
        (row,) = session.scalars(select(ShipmentRecord))
    assert states == {fo_ids[0]: "accepted", fo_ids[1]: "accepted", fo_ids[2]: "shipped"}
    assert row.key == str(shipment["shipmentId"]) and row.tracking_numbers == ["1ZNEWEST01"]
    (read,) = shipstation.requests
    assert read.args["createDateStart"] == pacific(oldest - WINDOW_MARGIN)
