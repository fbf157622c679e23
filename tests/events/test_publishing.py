"""Order events to subscribers: planned from the timeline, signed (verified by the peer's library), in order
per order, re-planned never, disabled after the published schedule, and rotation with two secrets."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event as sql_event
from sqlalchemy import select, update

from hub.db.models import (
    AvailabilityEvent,
    Delivery,
    DeliveryDestination,
    DeliveryStatus,
    EventCursor,
    OrderEvent,
)
from hub.db.session import Database
from hub.delivery.accounts import save_account
from hub.delivery.config import EngineConfig
from hub.delivery.retry import RetryPolicy
from hub.events.handler import ATTEMPTS
from hub.events.plan import plan_events
from hub.orders.store import record_event
from tests.delivery.conftest import CONFIG, make_due, run, store_order
from tests.fakes.subscriber import FakeSubscriber

# the engine's own default budget and a breaker that stays closed: the events schedule alone decides
LONG = EngineConfig(
    chunk=CONFIG.chunk, lease=CONFIG.lease, retry=RetryPolicy(), breaker=replace(CONFIG.breaker, threshold=1000)
)


def _secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    value = _secret()
    monkeypatch.setenv("SUBSCRIBER_SECRET", value)
    return value


@pytest.fixture
def subscriber(secret: str) -> Iterator[FakeSubscriber]:
    with FakeSubscriber(secrets=[secret]) as server:
        yield server


def subscribe(database: Database, url: str, events: list[str] | None = None, name: str = "erp") -> None:
    with database.session() as session:
        settings = {"url": url, "events": events or ["*"], "allow_private_network": True}
        save_account(session, "events", name, settings, {"secret": "env:SUBSCRIBER_SECRET"})


def receive(database: Database, number: str) -> str:
    """An order as intake leaves it: stored, with ``order.received`` on its timeline."""
    order_id = store_order(database, number)
    with database.session() as session:
        record_event(session, order_id, "order.received", source="test")
    return order_id


def plan(database: Database) -> list[int]:
    with database.session() as session:
        return plan_events(session)


def deliver_all(database: Database, config: EngineConfig = CONFIG) -> None:
    make_due(database)
    run(database, config)


def test_an_order_event_reaches_the_subscriber_signed(database: Database, subscriber: FakeSubscriber) -> None:
    subscribe(database, subscriber.url)
    order_id = receive(database, "2001")
    planned = plan(database)
    assert len(planned) == 1
    deliver_all(database)
    [event] = subscriber.events
    assert event["type"] == "order.created"
    assert event["data"]["order_id"] == order_id
    assert event["data"]["channel_order_id"] == "2001"
    [seen] = subscriber.requests
    assert seen.headers["webhook-id"] == f"evt_{_first_event_id(database, order_id)}"
    assert plan(database) == []  # read again: planned once


def test_history_before_a_subscriber_was_added_is_not_sent(database: Database, subscriber: FakeSubscriber) -> None:
    receive(database, "2002")
    plan(database)  # nobody subscribed yet
    subscribe(database, subscriber.url)
    assert plan(database) == []
    receive(database, "2003")
    assert len(plan(database)) == 1


def test_only_the_events_asked_for_are_planned(database: Database, subscriber: FakeSubscriber) -> None:
    subscribe(database, subscriber.url, ["order.shipped"])
    receive(database, "2004")
    assert plan(database) == []


def test_an_orders_events_arrive_in_order_even_when_the_first_fails(
    database: Database, subscriber: FakeSubscriber
) -> None:
    subscribe(database, subscriber.url)
    order_id = receive(database, "2005")
    with database.session() as session:
        record_event(session, order_id, "order.cancelled", source="test", data={"reason": "buyer"})
    assert len(plan(database)) == 2
    subscriber.fail_next(503, retry_after="1")
    deliver_all(database)  # the first fails; the second waits for it instead of overtaking it
    assert subscriber.events == []
    assert [s.headers["webhook-id"] for s in subscriber.requests] == [subscriber.requests[0].headers["webhook-id"]]
    for _ in range(3):
        deliver_all(database)
    assert [event["type"] for event in subscriber.events] == ["order.created", "order.cancelled"]


def test_a_subscriber_failing_for_the_whole_schedule_is_disabled_and_says_why(
    database: Database, subscriber: FakeSubscriber
) -> None:
    subscribe(database, subscriber.url)
    receive(database, "2006")
    plan(database)
    subscriber.fail_next(500, times=ATTEMPTS)
    for _ in range(ATTEMPTS):
        deliver_all(database, LONG)
    with database.session() as session:
        [row] = session.scalars(select(Delivery)).all()
        destination = session.get(DeliveryDestination, "events:erp")
        assert row.status == DeliveryStatus.DEAD
        assert row.attempts == ATTEMPTS
        assert destination is not None and destination.paused
        assert "published schedule" in (destination.paused_reason or "")
    assert len(subscriber.requests) == ATTEMPTS


def test_gone_disables_at_once(database: Database, subscriber: FakeSubscriber) -> None:
    subscribe(database, subscriber.url)
    receive(database, "2007")
    plan(database)
    subscriber.fail_next(410)
    deliver_all(database)
    with database.session() as session:
        destination = session.get(DeliveryDestination, "events:erp")
        assert destination is not None and destination.paused
        assert "410" in (destination.paused_reason or "")


def test_abort_message_gives_up_on_that_event_only(database: Database, subscriber: FakeSubscriber) -> None:
    subscribe(database, subscriber.url)
    order_id = receive(database, "2008")
    with database.session() as session:
        record_event(session, order_id, "order.cancelled", source="test")
    plan(database)
    subscriber.abort_with = 422
    subscriber.fail_next(422)
    deliver_all(database)
    deliver_all(database)
    with database.session() as session:
        statuses = list(session.scalars(select(Delivery.status).order_by(Delivery.id)))
    assert statuses == [DeliveryStatus.DEAD, DeliveryStatus.DELIVERED]
    assert [event["type"] for event in subscriber.events] == ["order.cancelled"]


def test_during_a_rotation_either_secret_verifies(
    database: Database, secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    new = _secret()
    monkeypatch.setenv("SUBSCRIBER_NEW_SECRET", new)
    with FakeSubscriber(secrets=[secret]) as old_verifier, FakeSubscriber(secrets=[new]) as new_verifier:
        for name, server in (("old", old_verifier), ("new", new_verifier)):
            subscribe(database, server.url, name=name)
            with database.session() as session:
                references = {"secret": "env:SUBSCRIBER_NEW_SECRET", "previous_secret": "env:SUBSCRIBER_SECRET"}
                save_account(session, "events", name, {}, references)
        receive(database, "2009")
        plan(database)
        deliver_all(database)
        assert len(old_verifier.events) == 1 and len(new_verifier.events) == 1
        signatures = old_verifier.requests[0].headers["webhook-signature"].split(" ")
        assert len(signatures) == 2 and all(part.startswith("v1,") for part in signatures)


def test_a_private_url_is_refused_unless_allowed(database: Database, subscriber: FakeSubscriber) -> None:
    with database.session() as session:
        settings = {"url": subscriber.url, "events": ["*"]}
        save_account(session, "events", "erp", settings, {"secret": "env:SUBSCRIBER_SECRET"})
    receive(database, "2010")
    plan(database)
    deliver_all(database)
    assert subscriber.requests == []
    with database.session() as session:
        destination = session.get(DeliveryDestination, "events:erp")
        assert destination is not None and destination.paused
        assert "loopback" in (destination.paused_reason or "")


def test_entries_in_the_grace_window_are_read_again_without_planning_twice(
    database: Database, subscriber: FakeSubscriber
) -> None:
    subscribe(database, subscriber.url)
    receive(database, "2011")
    assert len(plan(database)) == 1
    with database.session() as session:  # as if this entry's transaction committed late, below the cursor
        first = session.scalars(select(OrderEvent.id).order_by(OrderEvent.id)).first()
        session.execute(update(Delivery).values(status=DeliveryStatus.DELIVERED))
    assert first is not None
    assert plan(database) == []


def _first_event_id(database: Database, order_id: str) -> int:
    with database.session() as session:
        query = select(OrderEvent.id).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
        found = session.scalars(query).first()
    assert found is not None
    return found


def _availability(database: Database, sku: str, old: int | None, new: int) -> None:
    with database.session() as session:
        session.add(
            AvailabilityEvent(
                channel="shopify",
                account="main",
                sku=sku,
                old_quantity=old,
                new_quantity=new,
                old_preorder_quantity=None,
                new_preorder_quantity=0,
                reason="inventory_changed",
                explanation="test",
                run_id=1,
            )
        )


def test_inventory_low_is_sent_once_per_fall_to_the_threshold(database: Database, subscriber: FakeSubscriber) -> None:
    subscribe(database, subscriber.url, ["inventory.low"])
    _availability(database, "LAMP", 9, 6)  # still above 5
    _availability(database, "LAMP", 6, 4)  # falls to 4: low
    _availability(database, "LAMP", 4, 2)  # stays low: nothing new
    _availability(database, "LAMP", 2, 12)  # restocked
    _availability(database, "LAMP", 12, 5)  # falls again: low again
    _availability(database, "DESK", None, 0)  # first published at 0: low
    assert len(plan(database)) == 3
    deliver_all(database)
    lows = [(event["data"]["sku"], event["data"]["available"]) for event in subscriber.events]
    assert sorted(lows) == [("DESK", 0), ("LAMP", 4), ("LAMP", 5)]
    assert all(event["type"] == "inventory.low" and event["data"]["threshold"] == 5 for event in subscriber.events)


def test_with_nobody_subscribed_the_cursor_moves_on_without_reading_the_timeline(database: Database) -> None:
    """Planning with no subscriber used to read every recent entry (with its data) on every pass only to
    move its cursor; it now moves the cursor as far as reading would (up to the first entry still in the
    grace window), and a subscriber added later still gets what happens after it."""
    order_id = store_order(database, "2101")
    past, now = datetime.now(UTC) - timedelta(minutes=5), datetime.now(UTC)
    with database.session() as session:  # the second entry's transaction is still in the grace window
        entries = [record_event(session, order_id, "order.received", source="test") for _ in range(3)]
        for entry, moment in zip(entries, (past, now, past), strict=True):
            entry.occurred_at = moment
        session.flush()
        first = entries[0].id
    read: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        read.append(statement)

    sql_event.listen(database.engine, "before_cursor_execute", note)
    try:
        assert plan(database) == []
    finally:
        sql_event.remove(database.engine, "before_cursor_execute", note)
    assert not [statement for statement in read if "order_events.data" in statement]
    with database.session() as session:
        cursor = session.get(EventCursor, "events")
        assert cursor is not None and cursor.last_id == first  # not past the young entry, nor the old one after it
