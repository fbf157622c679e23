"""The circuit breaker per destination: opens after consecutive transient failures, lets one probe through
once its time is up, closes on success; and one partner's outage never holds up another's deliveries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from hub.db.models import DeliveryDestination
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.delivery import breaker
from hub.delivery.breaker import FAILURE, SUCCESS, BreakerSettings
from tests.delivery.conftest import CONFIG, add_account, add_location, make_due, route, run, store_order
from tests.delivery.fake3pl import Fake3plServer

SETTINGS = BreakerSettings(threshold=3, open_seconds=60, max_open_seconds=600)


def _state(database: Database, destination: str) -> DeliveryDestination:
    with database.session() as session:
        row = session.get(DeliveryDestination, destination)
        assert row is not None
        session.expunge(row)
        return row


def _record(database: Database, destination: str, *outcomes: str) -> None:
    with database.session() as session:
        breaker.record(session, destination, outcomes, utcnow(), SETTINGS)


def _admit(database: Database, destination: str) -> int | None:
    with database.session() as session:
        return breaker.admit(session, [destination], utcnow(), SETTINGS)[destination]


def _time_is_up(database: Database, destination: str) -> None:
    with database.session() as session:
        session.execute(
            update(DeliveryDestination)
            .where(DeliveryDestination.destination == destination)
            .values(open_until=utcnow() - timedelta(seconds=1))
        )


def test_opens_after_consecutive_failures_probes_once_and_closes_on_success(database: Database) -> None:
    _record(database, "p:a", FAILURE, FAILURE, SUCCESS, FAILURE, FAILURE)  # a success in between resets
    assert (_state(database, "p:a").breaker, _admit(database, "p:a")) == ("closed", None)
    _record(database, "p:a", FAILURE)
    opened = _state(database, "p:a")
    assert opened.breaker == "open" and opened.open_until is not None
    assert opened.open_until - utcnow() <= timedelta(seconds=60)
    assert _admit(database, "p:a") == 0  # open: nothing is claimed
    _time_is_up(database, "p:a")
    assert _admit(database, "p:a") == 1  # one probe ...
    assert _admit(database, "p:a") == 0  # ... only one
    assert _state(database, "p:a").breaker == "half_open"
    _record(database, "p:a", FAILURE)  # the probe failed: open again, for longer
    reopened = _state(database, "p:a")
    assert reopened.breaker == "open" and reopened.open_until is not None
    assert reopened.open_until - utcnow() > timedelta(seconds=100)
    _time_is_up(database, "p:a")
    assert _admit(database, "p:a") == 1
    _record(database, "p:a", SUCCESS)
    closed = _state(database, "p:a")
    assert (closed.breaker, closed.failures, closed.open_until) == ("closed", 0, None)
    assert _admit(database, "p:a") is None


@pytest.mark.usefixtures("fake3pl_installed")
def test_one_partners_outage_never_holds_up_another(database: Database) -> None:
    with Fake3plServer() as down, Fake3plServer() as up:
        add_location(database, "wh-down", add_account(database, down.origin, account="down"), LAMP=50)
        add_location(database, "wh-up", add_account(database, up.origin, account="up"), DESK=50)
        down.fail_next(503, times=1000)
        orders = []
        for n in range(8):
            orders.append(store_order(database, f"L{n}", lines={"LAMP": 1}))
            orders.append(store_order(database, f"D{n}", lines={"DESK": 1}))
        for order_id in orders:
            route(database, order_id)
        for _ in range(4):
            make_due(database)
            run(database, CONFIG)
        assert len(up.received) == 8  # every order for the healthy partner went out
        assert _state(database, "fake3pl:down").breaker == "open"
        tried = len(down.requests)
        assert tried == CONFIG.breaker.threshold  # one try per run until it opened; none since
        make_due(database)
        run(database, CONFIG)
        assert len(down.requests) == tried  # open: skipped, not tried
        down.recover()
        _time_is_up(database, "fake3pl:down")
        make_due(database)
        run(database, CONFIG)  # the probe succeeds and closes the breaker; the rest follow next time
        assert _state(database, "fake3pl:down").breaker == "closed"
        make_due(database)
        run(database, CONFIG)
        assert len(down.received) == 8
