"""Routing failures that trying again cannot mend park the order as an exception, with its reason, and no
sweep routes it again until a person does; failures that pass are left to the retries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError

from hub.db.models import OrderEvent, OrderLineRecord, OrderRecord, OrderRouting
from hub.db.session import Database
from hub.lifecycle.store import load
from hub.oms.route import route_order
from hub.oms.route_exceptions import RoutingFailed
from hub.oms.waiting import sweep_waiting
from tests.oms.test_route import _committed, _locations, _order

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
TOO_LONG = "9" * 65


def _stored_line_id(database: Database, order_id: str, line_id: str) -> None:
    """Change the stored document behind the model's back, as an order stored before line ids were checked."""
    with database.session() as session:
        record = session.get(OrderRecord, order_id)
        assert record is not None
        record.document = {**record.document, "lines": [{**record.document["lines"][0], "line_id": line_id}]}


def _events(database: Database, order_id: str, kind: str) -> list[OrderEvent]:
    with database.session() as session:
        query = select(OrderEvent).where(OrderEvent.order_id == order_id, OrderEvent.type == kind)
        return list(session.scalars(query.order_by(OrderEvent.id)))


def _swept(database: Database) -> list[str]:
    """What a sweep a day later would route, counting every order stored before it as overdue."""
    published: list[str] = []
    sweep_waiting(database, NOW + timedelta(days=1), route=published.append, source="test", grace=timedelta(seconds=-5))
    return published


def test_an_order_routing_cannot_place_is_parked_with_its_reason_and_no_sweep_routes_it(database: Database) -> None:
    _locations(database, wh_nj=3)
    order_id = _order(database)
    _stored_line_id(database, order_id, TOO_LONG)
    with pytest.raises(RoutingFailed, match=r"lines\[0\]\.line_id: at most 64 characters") as failed:
        route_order(database, order_id, now=NOW, release=False)
    assert f"orderhub route order {order_id}" in str(failed.value)
    with database.session() as session:
        row = session.get(OrderRouting, order_id)
        assert row is not None and (row.outcome, row.waiting) == ("exception", False)
        hold = load(session, order_id).hold_reason
        assert hold is not None and hold.startswith("routing failed: not a valid Order: lines[0].line_id: at most 64")
        assert session.get(OrderRecord, order_id).status == "on_hold"  # type: ignore[union-attr]
    (event,) = _events(database, order_id, "routing.failed")
    assert event.data == {"error": hold.removeprefix("routing failed: "), "held": True}
    assert _committed(database, "wh-nj") == 0
    assert _swept(database) == []
    again = route_order(database, order_id, now=NOW, release=False)  # a task published twice: left alone
    assert again.parked and again.decision is None
    assert len(_events(database, order_id, "routing.failed")) == 1


def test_routing_by_hand_releases_the_exception_or_parks_it_again(database: Database) -> None:
    _locations(database, wh_nj=3)
    order_id = _order(database)
    _stored_line_id(database, order_id, TOO_LONG)
    with pytest.raises(RoutingFailed):
        route_order(database, order_id, now=NOW, release=False)
    with pytest.raises(RoutingFailed):  # by hand, before the cause is fixed: parked again
        route_order(database, order_id, now=NOW)
    assert [event.data["held"] for event in _events(database, order_id, "routing.failed")] == [True, True]
    _stored_line_id(database, order_id, "1")
    routed = route_order(database, order_id, now=NOW)
    assert routed.decision is not None and str(routed.decision.outcome) == "routed"
    with database.session() as session:
        assert load(session, order_id).hold_reason is None
        assert session.get(OrderRouting, order_id).outcome == "routed"  # type: ignore[union-attr]
    assert _committed(database, "wh-nj") == 3
    assert len(_events(database, order_id, "order.hold_released")) == 1


def test_an_order_whose_lifecycle_cannot_start_is_parked_without_a_hold(database: Database) -> None:
    _locations(database, wh_nj=3)
    order_id = _order(database)
    with database.session() as session:  # its line rows lost behind the model's back
        session.execute(delete(OrderLineRecord).where(OrderLineRecord.order_id == order_id))
    with pytest.raises(RoutingFailed, match="has no lines to follow"):
        route_order(database, order_id, now=NOW, release=False)
    (event,) = _events(database, order_id, "routing.failed")
    assert event.data["held"] is False and "has no lines to follow" in event.data["error"]
    with database.session() as session:
        assert session.get(OrderRouting, order_id).outcome == "exception"  # type: ignore[union-attr]
    assert _swept(database) == []


def test_a_failure_that_passes_is_not_parked_and_the_sweep_routes_the_order_again(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _locations(database, wh_nj=3)
    order_id = _order(database)

    def dropped(*_: object) -> None:
        raise OperationalError("SELECT ...", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr("hub.oms.route.routing_snapshot", dropped)
    with pytest.raises(OperationalError):
        route_order(database, order_id, now=NOW, release=False)
    with database.session() as session:
        assert session.get(OrderRouting, order_id) is None
    assert _events(database, order_id, "routing.failed") == []
    assert _swept(database) == [order_id]
