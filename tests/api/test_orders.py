"""``GET /api/v1/orders`` and ``/orders/{id}``: filters, cursor pages, the full detail and its ETag."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from sqlalchemy import select, text

from hub.canonical import Order
from hub.channels.new_orders import NewOrders
from hub.db import migrate
from hub.db.models import Delivery, OrderRecord, OrderRouting
from hub.db.session import Database
from hub.orders.store import replace_order
from tests.api.conftest import Api, problem
from tests.api.data import failed_message, make_dead, stored_order
from tests.delivery.shipment_setup import routed_order
from tests.routing.builders import order_data


def _ids(api: Api, token: str, **query: object) -> list[str]:
    response = api.get(f"/orders?{urlencode(query)}", token)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in response.get_json()["items"]]


def test_filters_narrow_the_list(api: Api) -> None:
    token = api.token("read")
    routed = routed_order(api.database, number="2001", po_number="PO-77")
    early = stored_order(api.database, "2002", customer={"email": "Ann@Example.com"}, placed_at="2026-01-05T10:00:00Z")
    late = stored_order(api.database, "2003", requested_ship_date="2020-01-02", channel="amazon")

    assert _ids(api, token) == [late, early, routed.order_id]  # newest received first
    assert _ids(api, token, po_number="PO-77") == [routed.order_id]
    assert _ids(api, token, channel="amazon") == [late]
    assert _ids(api, token, status="allocated") == [routed.order_id]
    assert _ids(api, token, sku="SHADE") == [routed.order_id]
    assert _ids(api, token, sku="NOPE") == []
    assert _ids(api, token, customer_email="ann@example.COM") == [early]
    assert _ids(api, token, placed_to="2026-02-01T00:00:00Z") == [early]
    assert _ids(api, token, placed_from="2026-02-01T00:00:00+00:00") == [late, routed.order_id]
    assert _ids(api, token, late="true") == [late]
    assert late not in _ids(api, token, late="false")
    assert _ids(api, token, stuck="true") == []

    with api.database.session() as session:
        first = min(d.id for d in session.query(Delivery).filter(Delivery.order_id == routed.order_id))
    make_dead(api.database, first)
    assert _ids(api, token, stuck="true") == [routed.order_id]
    assert _ids(api, token, stuck="false") == [late, early]


def test_pages_follow_the_cursor_without_repeats(api: Api) -> None:
    token = api.token("read")
    made = [stored_order(api.database, str(3000 + n)) for n in range(5)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = api.get(f"/orders?{urlencode(query)}", token).get_json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
        stored_order(api.database, f"new-{pages}")  # orders arriving meanwhile do not shift the pages read
    assert pages == 3 and seen == list(reversed(made))


def test_a_date_range_lists_newest_placed_first_and_pages_through(api: Api) -> None:
    token = api.token("read")
    placed = ["2026-01-10T08:00:00Z", "2026-01-20T08:00:00Z", "2026-01-05T08:00:00Z", "2026-03-01T08:00:00Z"]
    first, second, earliest, outside = (stored_order(api.database, f"90{n}", placed_at=p) for n, p in enumerate(placed))
    twin = stored_order(api.database, "909", placed_at=placed[0])  # placed with the first: the later id first
    january = {"placed_from": "2026-01-01T00:00:00Z", "placed_to": "2026-02-01T00:00:00Z"}
    assert _ids(api, token, **january) == [second, twin, first, earliest]

    seen, cursor = [], None
    while True:
        body = api.get(f"/orders?{urlencode(january | {'limit': 1} | ({'cursor': cursor} if cursor else {}))}", token)
        seen += [item["id"] for item in body.get_json()["items"]]
        cursor = body.get_json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [second, twin, first, earliest]
    assert outside not in _ids(api, token, placed_from="2026-01-01T00:00:00Z", placed_to="2026-02-01T00:00:00Z")
    plain_cursor = api.get("/orders?limit=1", token).get_json()["next_cursor"]
    assert (
        problem(api.get(f"/orders?{urlencode(january | {'cursor': plain_cursor})}", token), 400)["errors"][0]["name"]
        == "cursor"
    )  # a cursor of the list by id is not one of the list by date


def test_bad_filters_are_400_naming_each(api: Api) -> None:
    token = api.token("read")
    cases = {
        "limit=0": "limit",
        "limit=500": "limit",
        "limit=many": "limit",
        "status=lost": "status",
        "placed_from=yesterday": "placed_from",
        "placed_from=2026-01-01T00:00:00": "placed_from",  # no offset: ambiguous
        "cursor=not-a-cursor": "cursor",
        "colour=red": "colour",
        "late=perhaps": "late",
        "placed_from=2026-02-01T00:00:00Z&placed_to=2026-01-01T00:00:00Z": "placed_to",
        "channel=a&channel=b": "channel",
    }
    for query, name in cases.items():
        body = problem(api.get(f"/orders?{query}", token), 400)
        assert [error["name"] for error in body["errors"]] == [name], (query, body)
        assert body["errors"][0]["in"] == "query" and name in body["detail"]


def test_one_order_with_everything_that_happened_to_it(api: Api) -> None:
    token = api.token("read")
    routed = routed_order(api.database, lamps=3, shades=2, number="4001")
    response = api.get(f"/orders/{routed.order_id}", token)
    assert response.status_code == 200
    detail = response.get_json()
    assert detail["order"]["id"] == routed.order_id and detail["order"]["number"] == "#4001"
    lines = {line["line_id"]: line for line in detail["lines"]}
    assert lines["1"]["quantities"] == {"ordered": 3, "allocated": 3}
    assert {fo["id"]: fo["location"] for fo in detail["fulfillment_orders"]} == {routed.nj: "wh-nj", routed.pa: "wh-pa"}
    submits = [d for d in detail["deliveries"] if d["operation"] == "fulfillment_order.submit"]
    assert submits and all(d["attempt_log"] == [] for d in submits)
    assert detail["routing"]["outcome"] == "routed" and not detail["routing"]["waiting"]
    decision = detail["routing"]["last_decision"]
    assert {line["line_id"] for line in decision["lines"]} == {"1", "2"}  # the decision and its trace
    assert "order.routed" in [event["type"] for event in detail["timeline"]]

    etag = response.headers["ETag"]
    assert api.get(f"/orders/{routed.order_id}", token).headers["ETag"] == etag  # unchanged: same ETag
    cached = api.get(f"/orders/{routed.order_id}", token, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.get_data() == b"" and cached.headers["ETag"] == etag
    problem(api.get("/orders/ord_nope", token), 404)
    problem(api.get("/orders/" + "x" * 300, token), 404)


def test_email_and_ship_date_filters_follow_each_stored_version(api: Api) -> None:
    token = api.token("read")
    order_id = stored_order(
        api.database, "5001", customer={"email": "Åsa.Berg@Example.com"}, requested_ship_date="2020-03-01"
    )
    assert _ids(api, token, customer_email="åsa.berg@example.COM") == [order_id]  # any case, beyond ASCII too
    assert _ids(api, token, late="true") == [order_id]

    with api.database.session() as session:  # the channel sends a new version: other email, ship date ahead
        record = session.get(OrderRecord, order_id)
        assert record is not None
        changed = record.document | {"customer": {"email": "New@Example.com"}, "requested_ship_date": "2999-01-01"}
        replace_order(session, record, Order.model_validate(changed))
    assert _ids(api, token, customer_email="asa.berg@example.com") == []
    assert _ids(api, token, customer_email="åsa.berg@example.com") == []
    assert _ids(api, token, customer_email="new@EXAMPLE.com") == [order_id]
    assert _ids(api, token, late="true") == []
    assert _ids(api, token, late="false") == [order_id]


def test_orders_stored_by_an_intake_batch_are_found_by_email_and_lateness(api: Api) -> None:
    token = api.token("read")
    short = {
        "channel_order_id": "6001",
        "lines": [{"line_id": "1", "sku": "LAMP", "quantity": 1}],
        "ship_to": {"country": "US", "postal_code": "10001"},
        "customer": {"email": "Bo@Example.COM"},
        "requested_ship_date": "2020-01-01",
    }
    batch = NewOrders()
    ids = batch.add(failed_message(api.database), "orders/create", "main", [Order.model_validate(order_data(short))])
    with api.database.session() as session:
        assert batch.write(session) == set(ids)
    assert _ids(api, token, customer_email="bo@example.com") == ids
    assert _ids(api, token, late="true") == ids
    assert _ids(api, token, customer_email="bo@example.org") == []


def test_an_order_with_an_overlong_email_is_stored_and_listed(api: Api) -> None:
    token = api.token("read")
    email = "a" * 400 + "@example.com"
    order_id = stored_order(api.database, "7001", customer={"email": email})
    assert _ids(api, token) == [order_id]
    with api.database.session() as session:
        record = session.get(OrderRecord, order_id)
        assert record is not None and record.document["customer"]["email"] == email  # kept whole in the order


def test_stuck_lists_parked_orders_and_orders_with_a_dead_delivery(api: Api) -> None:
    token = api.token("read")
    routed = routed_order(api.database, number="8001")
    parked = routed_order(api.database, number="8002")
    calm = routed_order(api.database, number="8003")
    with api.database.session() as session:
        routing = session.get(OrderRouting, parked.order_id)
        assert routing is not None
        routing.outcome = "exception"
        first = min(d.id for d in session.query(Delivery).filter(Delivery.order_id == routed.order_id))
    make_dead(api.database, first)
    assert _ids(api, token, stuck="true") == [parked.order_id, routed.order_id]
    assert _ids(api, token, stuck="false") == [calm.order_id]
    assert _ids(api, token, stuck="true", limit=1) == [parked.order_id]


ORDER_ROW = (
    "INSERT INTO orders (id, channel, account, channel_order_id, status, payment_status, currency, total, test,"
    " placed_at, channel_updated_at, schema_version, document, created_at, updated_at, revision) VALUES"
    " (:id, 'shopify', 'main', :id, 'received', 'paid', 'USD', 10, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP,"
    " 'order.v1', :document, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
)


def test_upgrade_fills_the_filter_columns_of_orders_already_stored(empty_database_url: str) -> None:
    database = Database(empty_database_url)
    try:
        migrate.upgrade(database, "0017")
        with database.engine.begin() as connection:
            documents = {
                "o1": '{"customer": {"email": "Old@Example.COM"}, "requested_ship_date": "2020-05-01"}',
                "o2": '{"customer": null, "requested_ship_date": null}',
            }
            for order_id, document in documents.items():
                connection.execute(text(ORDER_ROW), {"id": order_id, "document": document})
        migrate.upgrade(database)
        with database.session() as session:
            rows = session.execute(
                select(OrderRecord.id, OrderRecord.customer_email, OrderRecord.ship_by).order_by(OrderRecord.id)
            ).all()
        assert [tuple(row) for row in rows] == [("o1", "old@example.com", date(2020, 5, 1)), ("o2", None, None)]
    finally:
        database.dispose()
