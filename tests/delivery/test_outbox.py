"""The outbox: routing writes one submit delivery per fulfillment order in its own transaction, and only for
fulfillment orders that may go (a fulfiller named, the order not on hold)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from hub.canonical import FulfillmentRequest
from hub.db.models import Delivery, FulfillmentOrderRecord
from hub.db.session import Database
from hub.delivery.outbox import plan_fulfillment
from hub.lifecycle.commands import ReleaseHold
from hub.lifecycle.store import execute, load
from hub.oms.route import route_in_session
from tests.delivery.conftest import add_account, add_location, route, store_order

pytestmark = pytest.mark.usefixtures("fake3pl_installed")


def _deliveries(database: Database) -> list[Delivery]:
    with database.session() as session:
        rows = list(session.scalars(select(Delivery).order_by(Delivery.id)))
        session.expunge_all()
        return rows


def test_a_routed_order_gets_one_submit_delivery_per_fulfillment_order(database: Database) -> None:
    destination = add_account(database, "http://127.0.0.1:9")
    add_location(database, "wh-east", destination, LAMP=1)
    add_location(database, "wh-west", "self", LAMP=2)
    order_id = store_order(database, lines={"LAMP": 3})
    routed = route(database, order_id)
    assert len(routed.fulfillment_orders) == 2
    rows = _deliveries(database)
    assert sorted(routed.deliveries) == [row.id for row in rows]
    by_fo = {row.subject_id: row for row in rows}
    assert set(by_fo) == set(routed.fulfillment_orders)
    for fo_id, location in routed.fulfillment_orders.items():
        row = by_fo[fo_id]
        assert (row.operation, row.status, row.idempotency_key) == (
            "fulfillment_order.submit",
            "pending",
            f"fo:{fo_id}:submit",
        )
        assert row.destination == (destination if location == "wh-east" else "self")
        assert (row.order_id, row.queue) == (order_id, "deliver.3pl")
        request = FulfillmentRequest.model_validate(row.payload)
        assert (request.id, request.location_id, request.reference) == (fo_id, location, "#1001")
    units = {by_fo[fo].payload["location_id"]: by_fo[fo].payload["lines"][0]["quantity"] for fo in by_fo}
    assert units == {"wh-east": 1, "wh-west": 2}
    route(database, order_id)  # routing again plans nothing new
    assert len(_deliveries(database)) == 2


def test_a_routing_rolled_back_leaves_no_delivery(database: Database) -> None:
    add_location(database, "wh-west", "self", LAMP=5)
    order_id = store_order(database)

    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), database.session() as session:
        routed = route_in_session(session, order_id, source="test")
        assert len(routed.deliveries) == 1  # written inside the routing's transaction ...
        raise Abandoned
    assert _deliveries(database) == []  # ... and gone with it
    with database.session() as session:
        assert session.scalars(select(FulfillmentOrderRecord)).all() == []


def test_a_location_nobody_fulfils_gets_no_delivery_and_its_fulfillment_order_stays_created(
    database: Database,
) -> None:
    add_location(database, "wh-west", None, LAMP=5)
    order_id = store_order(database)
    routed = route(database, order_id)
    assert routed.deliveries == () and _deliveries(database) == []
    with database.session() as session:
        (fo,) = load(session, order_id).fulfillment_orders.values()
        assert fo.state == "created"


def test_a_test_order_gets_no_delivery_until_its_hold_is_released(database: Database, tmp_path: Path) -> None:
    add_location(database, "wh-west", "self", LAMP=5)
    order_id = store_order(database, test=True)
    assert route(database, order_id).deliveries == ()
    assert _deliveries(database) == []
    with database.session() as session:
        execute(session, order_id, ReleaseHold(), source="test")
        planned = plan_fulfillment(session, order_id)
    (row,) = _deliveries(database)
    assert planned == [row.id] and row.payload["test"] is True
    with database.session() as session:
        assert plan_fulfillment(session, order_id) == []  # planned once
