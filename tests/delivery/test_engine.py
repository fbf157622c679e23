"""The engine against a fake 3PL on loopback: what each answer does to the delivery, its attempt rows, the
fulfillment order, the stock and the destination."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.db.models import DeliveryAttempt, DeliveryDestination, FulfillmentOrderRecord, OrderEvent, OrderRouting
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.delivery.destinations import resume
from hub.delivery.retry import RetryPolicy
from hub.inventory import get_level
from tests.delivery.conftest import (
    CONFIG,
    add_account,
    add_location,
    delivery,
    make_due,
    pending_ids,
    route,
    run,
    store_order,
)
from tests.delivery.fake3pl import API_KEY, Fake3plServer

pytestmark = pytest.mark.usefixtures("fake3pl_installed")


def _routed_to_fake(database: Database, fake: Fake3plServer, number: str = "1001") -> tuple[str, str, int]:
    """(order id, fulfillment order id, delivery id) of an order routed to a location the fake fulfils."""
    destination = add_account(database, fake.origin)
    add_location(database, "wh-east", destination, LAMP=5)
    order_id = store_order(database, number)
    routed = route(database, order_id)
    ((fo_id, _location),) = routed.fulfillment_orders.items()
    return order_id, fo_id, routed.deliveries[0]


def _fo(database: Database, fo_id: str) -> FulfillmentOrderRecord:
    with database.session() as session:
        row = session.get(FulfillmentOrderRecord, fo_id)
        assert row is not None
        session.expunge(row)
        return row


def _attempts(database: Database, delivery_id: int) -> list[DeliveryAttempt]:
    with database.session() as session:
        query = (
            select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id).order_by(DeliveryAttempt.number)
        )
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def _events(database: Database, order_id: str) -> list[str]:
    with database.session() as session:
        return list(
            session.scalars(select(OrderEvent.type).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id))
        )


def test_a_submit_taken_by_the_partner_accepts_the_fulfillment_order_with_its_id(
    database: Database, fake: Fake3plServer
) -> None:
    order_id, fo_id, delivery_id = _routed_to_fake(database, fake)
    report = run(database)
    assert report.outcomes == {"delivered": 1}
    assert fake.received == [f"fo:{fo_id}:submit"]
    assert fake.requests[0]["body"]["reference"] == "#1001"
    fo = _fo(database, fo_id)
    assert (fo.state, fo.external_id) == ("accepted", "3PL-1001")
    row = delivery(database, delivery_id)
    assert (row.status, row.attempts, row.external_id, row.lease_until) == ("delivered", 1, "3PL-1001", None)
    assert [(a.number, a.outcome) for a in _attempts(database, delivery_id)] == [(1, "delivered")]
    events = _events(database, order_id)
    assert events[-3:] == ["fulfillment_order.sent", "fulfillment_order.accepted", "fulfillment_order.submitted"]
    assert run(database).claimed == 0 and len(fake.requests) == 1  # nothing left to send


def test_a_transient_failure_waits_for_its_retry_and_keeps_no_secret(database: Database, fake: Fake3plServer) -> None:
    _order_id, fo_id, delivery_id = _routed_to_fake(database, fake)
    fake.fail_next(503)
    before = utcnow()
    assert run(database).outcomes == {"transient": 1}
    row = delivery(database, delivery_id)
    assert row.status == "pending" and row.attempts == 1 and "HTTP 503" in (row.last_error or "")
    assert before <= row.next_attempt_at <= before + timedelta(seconds=CONFIG.retry.ceiling(1) + 5)
    (attempt,) = _attempts(database, delivery_id)
    assert (attempt.outcome, attempt.status_code) == ("transient", 503)
    assert API_KEY not in f"{attempt.error} {attempt.response_excerpt} {row.last_error}"
    assert run(database).claimed == 0  # not due yet
    make_due(database)
    assert run(database).outcomes == {"delivered": 1}
    assert fake.received == [f"fo:{fo_id}:submit"]
    assert [a.outcome for a in _attempts(database, delivery_id)] == ["transient", "delivered"]


def test_retry_after_from_the_partner_is_never_cut_short(database: Database, fake: Fake3plServer) -> None:
    _order_id, _fo_id, delivery_id = _routed_to_fake(database, fake)
    fake.fail_next(429, retry_after="7200")  # longer than any jittered wait could be
    before = utcnow()
    run(database)
    assert delivery(database, delivery_id).next_attempt_at >= before + timedelta(seconds=7200)


def test_a_delivery_that_keeps_failing_is_dead_after_its_schedule(database: Database, fake: Fake3plServer) -> None:
    config = replace(CONFIG, retry=RetryPolicy(max_attempts=3), breaker=replace(CONFIG.breaker, threshold=10))
    order_id, fo_id, delivery_id = _routed_to_fake(database, fake)
    fake.fail_next(503, times=100)
    for _ in range(3):
        make_due(database)
        run(database, config)
    row = delivery(database, delivery_id)
    assert row.status == "dead" and row.attempts == 3
    assert (row.last_error or "").startswith("gave up after 3 attempts: HTTP 503")
    assert _fo(database, fo_id).state == "created"  # nobody took it: it can be replayed
    assert "fulfillment_order.delivery_failed" in _events(database, order_id)
    make_due(database)
    assert run(database, config).claimed == 0


def test_a_refused_fulfillment_order_is_rejected_its_stock_released_and_the_order_routed_again(
    database: Database, fake: Fake3plServer
) -> None:
    fake.refuse_references.add("#1001")
    order_id, fo_id, delivery_id = _routed_to_fake(database, fake)
    report = run(database)
    assert report.outcomes == {"permanent": 1}
    assert report.after.routes == {order_id}
    row = delivery(database, delivery_id)
    assert row.status == "dead" and "cannot ship to" in (row.last_error or "")
    fo = _fo(database, fo_id)
    assert fo.state == "rejected" and "cannot ship to" in (fo.reason or "")
    with database.session() as session:
        assert get_level(session, "LAMP", "wh-east").committed == 0
        routing = session.get(OrderRouting, order_id)
        assert routing is not None and routing.waiting  # the routing sweep routes it should the publish be lost


def test_refused_credentials_pause_the_destination_until_it_is_resumed(
    database: Database, fake: Fake3plServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE3PL_API_KEY", "an-old-key")
    _order_id, fo_id, delivery_id = _routed_to_fake(database, fake)
    assert run(database).outcomes == {"configuration": 1}
    with database.session() as session:
        state = session.get(DeliveryDestination, "fake3pl:main")
        assert state is not None and state.paused and "HTTP 401" in (state.paused_reason or "")
    row = delivery(database, delivery_id)
    assert row.status == "pending" and "HTTP 401" in (row.last_error or "")
    assert run(database).claimed == 0 and len(fake.requests) == 1  # held: nothing more goes out
    monkeypatch.setenv("FAKE3PL_API_KEY", API_KEY)  # the operator fixes the secret ...
    with database.session() as session:
        resume(session, "fake3pl:main")  # ... and resumes
    assert run(database).outcomes == {"delivered": 1}
    assert _fo(database, fo_id).state == "accepted"


def test_the_operators_own_location_accepts_at_once(database: Database) -> None:
    add_location(database, "shop", "self", LAMP=5)
    order_id = store_order(database)
    routed = route(database, order_id)
    assert run(database).outcomes == {"delivered": 1}
    (fo_id,) = routed.fulfillment_orders
    assert _fo(database, fo_id).state == "accepted"


def test_an_x12_fulfiller_holds_its_deliveries_with_a_reason_instead_of_losing_them(database: Database) -> None:
    add_location(database, "edi-wh", "self", LAMP=5)
    with database.session() as session:
        from hub.db.models import Location

        location = session.get(Location, "edi-wh")
        assert location is not None
        location.fulfilled_by = "edi:ACME"
    order_id = store_order(database)
    routed = route(database, order_id)
    assert run(database).outcomes == {"configuration": 1}
    assert delivery(database, routed.deliveries[0]).status == "pending"
    with database.session() as session:
        state = session.get(DeliveryDestination, "edi:ACME")
        assert (
            state is not None and state.paused and "no EDI partner 'ACME'" in (state.paused_reason or "")
        )


def test_a_connector_with_a_batch_api_gets_the_chunk_in_one_call(database: Database, fake: Fake3plServer) -> None:
    destination = add_account(database, fake.origin, connector="fakebatch")
    add_location(database, "wh-east", destination, LAMP=10)
    for number in ("1", "2", "3"):
        route(database, store_order(database, number))
    assert run(database).outcomes == {"delivered": 3}
    assert [r["path"] for r in fake.requests] == ["/orders/batch"]
    assert len(fake.received) == 3
    assert pending_ids(database) == []
