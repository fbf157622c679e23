"""A channel cancellation reaches the partner: a fulfillment order it holds is cancelled there through a
delivery before its stock is released; one already shipped is reported; a refusal is on the timeline; a
submit that crossed the cancellation is withdrawn at the partner too."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from hub.db.models import Delivery, FulfillmentOrderRecord, OrderEvent, OrderRecord
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.delivery.accounts import account_spec
from hub.delivery.claim import claim
from hub.delivery.engine import build_target
from hub.delivery.handlers import handler_for
from hub.delivery.record import record
from hub.inventory import get_level
from hub.lifecycle.commands import ShipFulfillmentOrder
from hub.oms.cancellation import INCOMPLETE, cancel_for_channel
from hub.oms.stock_effects import execute_with_stock
from tests.delivery.conftest import CONFIG, add_account, add_location, pending_ids, route, run, store_order
from tests.delivery.fake3pl import Fake3plServer

pytestmark = pytest.mark.usefixtures("fake3pl_installed")
REASON = "cancelled by the channel (shopify)"


def _cancel(database: Database, order_id: str) -> dict[str, Any]:
    with database.session() as session:
        assert cancel_for_channel(session, order_id, reason=REASON, source="test") is False
    with database.session() as session:
        query = select(OrderEvent.data).where(OrderEvent.order_id == order_id, OrderEvent.type == INCOMPLETE)
        return dict(session.scalars(query).one())


def _state(database: Database, order_id: str, fo_id: str) -> tuple[str, str, int]:
    with database.session() as session:
        fo = session.get(FulfillmentOrderRecord, fo_id)
        order = session.get(OrderRecord, order_id)
        assert fo is not None and order is not None
        return fo.state, order.status, get_level(session, "LAMP", fo.location_id).committed


def _events(database: Database, order_id: str) -> list[str]:
    with database.session() as session:
        return list(session.scalars(select(OrderEvent.type).where(OrderEvent.order_id == order_id)))


def _accepted_at_fake(database: Database, fake: Fake3plServer) -> tuple[str, str]:
    add_location(database, "wh-east", add_account(database, fake.origin), LAMP=5)
    order_id = store_order(database)
    (fo_id,) = route(database, order_id).fulfillment_orders
    assert run(database).outcomes == {"delivered": 1}
    return order_id, fo_id


def test_a_fulfillment_order_the_partner_holds_is_cancelled_there_before_its_stock_is_released(
    database: Database, fake: Fake3plServer
) -> None:
    order_id, fo_id = _accepted_at_fake(database, fake)
    data = _cancel(database, order_id)
    assert data["cancelling_at_partner"] == [fo_id] and data["already_shipped"] == []
    assert _state(database, order_id, fo_id) == ("accepted", "released", 2)  # nothing released yet
    assert run(database).outcomes == {"delivered": 1}
    assert fake.cancelled == [f"fo:{fo_id}:cancel"]
    assert fake.requests[-1]["body"]["id"] == "3PL-1001"  # the partner's own id for it
    assert _state(database, order_id, fo_id) == ("cancelled", "cancelled", 0)


def test_a_partner_refusing_the_cancellation_is_on_the_timeline(database: Database, fake: Fake3plServer) -> None:
    order_id, fo_id = _accepted_at_fake(database, fake)
    _cancel(database, order_id)
    fake.fail_next(422)
    assert run(database).outcomes == {"permanent": 1}
    assert _state(database, order_id, fo_id)[0] == "accepted"  # the partner keeps it; it may ship
    assert "fulfillment_order.cancel_refused" in _events(database, order_id)


def test_a_fulfillment_order_already_shipped_is_reported_not_hidden(database: Database) -> None:
    add_location(database, "shop", "self", LAMP=5)
    order_id = store_order(database, lines={"LAMP": 1, "DESK": 1})
    add_location(database, "shop", "self", DESK=5)
    routed = route(database, order_id)
    run(database)
    (fo_id,) = routed.fulfillment_orders
    with database.session() as session:
        execute_with_stock(session, order_id, ShipFulfillmentOrder(id=fo_id, lines={"1": 1}), source="test")
    data = _cancel(database, order_id)
    assert data["cancelling_at_partner"] == [fo_id]  # line 2 is still open there
    assert run(database).outcomes == {"delivered": 1}  # the operator's own location cancels at once
    with database.session() as session:
        fo = session.get(FulfillmentOrderRecord, fo_id)
        assert fo is not None and fo.state == "closed"  # shipped units stay shipped, the rest cancelled
    add_location(database, "shop", "self", LAMP=5)
    shipped_id = store_order(database, number="1002", lines={"LAMP": 1})
    (shipped_fo,) = route(database, shipped_id).fulfillment_orders
    run(database)
    with database.session() as session:
        execute_with_stock(session, shipped_id, ShipFulfillmentOrder(id=shipped_fo), source="test")
    with database.session() as session:
        assert cancel_for_channel(session, shipped_id, reason=REASON, source="test") is False
        (data,) = session.scalars(
            select(OrderEvent.data).where(OrderEvent.order_id == shipped_id, OrderEvent.type == INCOMPLETE)
        )
    assert data["already_shipped"] == [shipped_fo] and data["cancelling_at_partner"] == []


def test_a_submit_that_crossed_the_cancellation_is_withdrawn_at_the_partner(
    database: Database, fake: Fake3plServer
) -> None:
    add_location(database, "wh-east", add_account(database, fake.origin), LAMP=5)
    order_id = store_order(database)
    routed = route(database, order_id)
    (fo_id,) = routed.fulfillment_orders
    with database.session() as session:  # a worker takes the submit ...
        (held,) = claim(session, list(routed.deliveries), utcnow(), lease=CONFIG.lease, breaker=CONFIG.breaker)
    with database.session() as session:  # ... the channel cancels the order meanwhile (nothing sent yet) ...
        assert cancel_for_channel(session, order_id, reason=REASON, source="test") is True
    with database.session() as session:
        spec = account_spec(session, held.destination)
    target = build_target(held.destination, {held.destination: spec})
    handler = handler_for(held.operation, held.destination)
    assert handler is not None and not isinstance(target, str)
    result = handler.send_one(target, held)  # ... and the partner takes it
    after = record(database, [held], [result], CONFIG)
    assert fake.received == [f"fo:{fo_id}:submit"]
    assert len(after.deliveries) == 1  # a cancel for the partner's copy
    assert run(database).outcomes == {"delivered": 1}
    assert fake.cancelled == [f"fo:{fo_id}:cancel"]
    assert _state(database, order_id, fo_id)[:2] == ("cancelled", "cancelled")
    assert pending_ids(database) == []
    with database.session() as session:
        statuses = set(session.scalars(select(Delivery.status)))
    assert statuses == {"delivered"}
