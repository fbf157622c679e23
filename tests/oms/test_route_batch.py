"""``route_orders``: several orders routed in one transaction. Each order is still all or nothing (one that
fails is parked or left to retry on its own, and its neighbours are routed), stock is never oversold, the
statements per order stay bounded, and what the per-process caches hold is read again after a change."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest.mock import ANY

import pytest
from sqlalchemy import select

from hub.canonical import FulfillmentRequest, Order
from hub.db.models import (
    Delivery,
    FulfillmentOrderLineRecord,
    FulfillmentOrderRecord,
    LineQuantityRecord,
    OrderEvent,
    OrderLifecycleRecord,
    OrderRecord,
    OrderRouting,
)
from hub.db.session import Database
from hub.delivery.outbox import fulfillment_request
from hub.inventory import adjust, allocations_for_order, get_level, get_location, history, save_location
from hub.lifecycle.store import load
from hub.oms import route_batch
from hub.oms.process_cache import current_rules
from hub.oms.route import TEST_ORDER_HOLD, RoutingFailed, route_order
from hub.oms.route_batch import route_orders
from tests.oms.test_route import _locations, _order
from tests.sql_statements import statements

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)


def _ship_with_self(database: Database) -> None:
    with database.session() as session:
        for location_id in ("wh-nj", "wh-pa"):
            spec = get_location(session, location_id)
            save_location(session, spec.model_copy(update={"fulfilled_by": "self"}))


def _events(database: Database, order_id: str) -> list[str]:
    with database.session() as session:
        query = select(OrderEvent.type).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
        return list(session.scalars(query))


def test_a_batch_routes_like_one_order_at_a_time(database: Database) -> None:
    _locations(database, wh_nj=4, wh_pa=4)
    _ship_with_self(database)
    alone = _order(database, quantity=1, number="1")
    batch = [_order(database, quantity=1 + n % 2, number=str(10 + n)) for n in range(4)]
    route_order(database, alone, now=NOW)
    result = route_orders(database, batch, now=NOW)
    assert result.failed == {}
    assert [str(result.routed[oid].decision.outcome) for oid in batch] == ["routed"] * 4  # type: ignore[union-attr]
    assert _events(database, batch[0]) == _events(database, alone)
    with database.session() as session:
        for order_id in batch:
            lifecycle = load(session, order_id)
            held = sum(record.quantity for record in allocations_for_order(session, order_id))
            assert lifecycle.lines["1"].quantities.allocated == held == lifecycle.lines["1"].quantities.ordered
            assert session.get(OrderRouting, order_id).outcome == "routed"  # type: ignore[union-attr]
            (fo_id,) = lifecycle.fulfillment_orders
            submit = session.scalars(select(Delivery).where(Delivery.subject_id == fo_id)).one()
            assert submit.id in result.routed[order_id].deliveries
        assert sum(get_level(session, "LAMP", loc).committed for loc in ("wh-nj", "wh-pa")) == 1 + 6


def _stored_rows(database: Database, order_id: str) -> dict[str, object]:
    """What the lifecycle tables hold for one order, without keys, times and the version column."""
    with database.session() as session:
        row = session.get(OrderLifecycleRecord, order_id)
        assert row is not None
        lines = session.scalars(select(LineQuantityRecord).where(LineQuantityRecord.order_id == order_id))
        fos = session.scalars(select(FulfillmentOrderRecord).where(FulfillmentOrderRecord.order_id == order_id))
        fo_lines = select(FulfillmentOrderLineRecord).join(FulfillmentOrderRecord)
        fo_lines = fo_lines.where(FulfillmentOrderRecord.order_id == order_id)
        return {
            "lifecycle": (row.state, row.validated, row.hold_reason, row.closed),
            "lines": sorted(
                (r.position, r.line_id, r.sku, r.state, r.ordered, r.allocated, r.backordered) for r in lines
            ),
            "fulfillment_orders": sorted((r.position, r.location_id, r.state, r.reason, r.external_id) for r in fos),
            "fulfillment_lines": sorted(
                (r.position, r.line_id, r.sku, r.quantity, r.shipped, r.cancelled) for r in session.scalars(fo_lines)
            ),
            "status": session.get(OrderRecord, order_id).status,  # type: ignore[union-attr]
            "routing": _routing_row(session.get(OrderRouting, order_id)),
        }


def _routing_row(row: OrderRouting | None) -> tuple[object, ...]:
    assert row is not None
    wait = (row.waiting, row.reroute_at, row.cancel_at, [(s.sku, s.units) for s in row.skus])
    return (row.outcome, row.rule, row.test, row.attempts, row.routed_at, *wait)


def test_a_batch_stores_the_same_rows_as_one_order_at_a_time(database: Database) -> None:
    """New lifecycles, lifecycles read before (a backordered order routed again once stock came) and a test
    order (held: nothing planned for it): the rows are those routing each order alone stores."""
    _locations(database)  # no stock yet
    _ship_with_self(database)
    waited = [_order(database, quantity=2, number=str(n)) for n in (1, 2)]  # one routed alone, one in the batch
    for order_id in waited:
        route_order(database, order_id, now=NOW)
    with database.session() as session:
        adjust(session, "LAMP", "wh-nj", 20, source="test")
        revision = session.get(OrderLifecycleRecord, waited[1]).revision  # type: ignore[union-attr]
    fresh = [_order(database, quantity=3, number=str(n)) for n in (3, 4)]
    tests = [_order(database, quantity=1, number=str(n), test=True) for n in (5, 6)]
    short = [_order(database, number=str(n), lines=[{"line_id": "1", "sku": "DESK", "quantity": 2}]) for n in (7, 8)]
    for order_id in (waited[0], fresh[0], tests[0], short[0]):
        route_order(database, order_id, now=NOW)
    result = route_orders(database, [waited[1], fresh[1], tests[1], short[1]], now=NOW)
    assert result.failed == {}
    assert _stored_rows(database, short[1])["routing"][-4:] == (True, NOW + timedelta(hours=1), ANY, [("DESK", 2)])
    pairs = (waited, fresh, tests, short)
    for alone, batched in pairs:
        assert _stored_rows(database, batched) == _stored_rows(database, alone)
        assert _events(database, batched) == _events(database, alone)
    assert _stored_rows(database, tests[1])["lifecycle"] == ("on_hold", True, TEST_ORDER_HOLD, False)
    assert result.routed[tests[1]].deliveries == ()
    with database.session() as session:
        assert session.get(OrderLifecycleRecord, waited[1]).revision == revision + 1  # type: ignore[union-attr]
        assert session.get(OrderLifecycleRecord, fresh[1]).revision == 1  # type: ignore[union-attr]
        assert session.scalars(select(Delivery).where(Delivery.order_id.in_(tests))).all() == []


def test_a_batch_sends_the_same_fulfillment_request_as_one_order_at_a_time(database: Database) -> None:
    """The batch reuses each order's stored JSON in its payloads: what a partner receives is still the
    request the one-order path builds from the order as it was routed, amounts and all."""
    _locations(database, wh_nj=4, wh_pa=4)
    _ship_with_self(database)
    batch = [_order(database, quantity=1 + n % 2, number=str(20 + n), notes="gift wrap") for n in range(3)]
    with database.session() as session:
        before = {oid: Order.model_validate(session.get(OrderRecord, oid).document) for oid in batch}  # type: ignore[union-attr]
    result = route_orders(database, batch, now=NOW)
    assert result.failed == {}
    with database.session() as session:
        for order_id in batch:
            (delivery,) = session.scalars(select(Delivery).where(Delivery.order_id == order_id))
            fo = session.get(FulfillmentOrderRecord, delivery.subject_id)
            assert delivery.payload == fulfillment_request(fo, before[order_id])  # type: ignore[arg-type]
            assert FulfillmentRequest.model_validate(delivery.payload).order == before[order_id]
            assert result.queues[delivery.id] == delivery.queue  # published without reading it back


def test_an_order_that_fails_in_a_batch_is_parked_alone_and_its_neighbours_are_routed(database: Database) -> None:
    _locations(database, wh_nj=10)
    first, broken, last = (_order(database, quantity=2, number=str(n)) for n in (1, 2, 3))
    with database.session() as session:  # stored before line ids were checked: the model refuses it now
        record = session.get(OrderRecord, broken)
        assert record is not None
        record.document = {**record.document, "lines": [{**record.document["lines"][0], "line_id": "9" * 65}]}
    result = route_orders(database, [first, broken, last], now=NOW)
    assert set(result.routed) == {first, last} and set(result.failed) == {broken}
    assert isinstance(result.failed[broken], RoutingFailed)
    with database.session() as session:
        assert get_level(session, "LAMP", "wh-nj").committed == 4
        assert session.get(OrderRouting, broken).outcome == "exception"  # type: ignore[union-attr]
        assert allocations_for_order(session, broken) == []
    assert "routing.failed" in _events(database, broken) and "order.routed" in _events(database, last)


def test_a_batch_whose_writes_fail_routes_every_order_on_its_own(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _locations(database, wh_nj=10)
    orders = [_order(database, quantity=1, number=str(n)) for n in range(3)]

    def broken(*_args: object, **_kwargs: object) -> int:
        raise RuntimeError("the batch statement failed")

    monkeypatch.setattr(route_batch, "allocate_many", broken)
    result = route_orders(database, orders, now=NOW)
    assert result.failed == {} and set(result.routed) == set(orders)
    with database.session() as session:
        assert get_level(session, "LAMP", "wh-nj").committed == 3
    assert all(_events(database, oid).count("order.routed") == 1 for oid in orders)


def test_a_batch_never_oversells_and_later_orders_wait(database: Database) -> None:
    _locations(database, wh_nj=5, wh_pa=4)
    orders = [_order(database, quantity=2, number=str(n)) for n in range(6)]
    result = route_orders(database, orders, now=NOW)
    outcomes = [str(result.routed[oid].decision.outcome) for oid in orders]  # type: ignore[union-attr]
    assert outcomes[:4] == ["routed"] * 4 and set(outcomes[4:]) <= {"partially_routed", "backordered"}
    with database.session() as session:
        levels = [get_level(session, "LAMP", loc) for loc in ("wh-nj", "wh-pa")]
        assert sum(level.committed for level in levels) == 9
        assert all(level.committed <= level.on_hand for level in levels)
        for level in levels:  # the ledger reads as one allocation after another, never above on hand
            committed = [e.balance for e in history(session, "LAMP", level.location_id) if e.bucket == "committed"]
            assert committed == sorted(committed) and committed[-1] == level.committed


def test_a_batch_costs_a_bounded_number_of_statements_per_order(database: Database) -> None:
    _locations(database, wh_nj=100, wh_pa=100)
    _ship_with_self(database)
    orders = [_order(database, quantity=1, number=str(n)) for n in range(30)]
    with statements() as sent:
        result = route_orders(database, orders, now=NOW)
    assert len(result.routed) == 30 and result.failed == {}
    # Alone, an order takes about 47. A batch shares every statement on PostgreSQL; on SQLite the ORM inserts
    # rows with generated keys one by one and updates each order's status (in-process calls, no round trip).
    per_order = 1 if database.engine.dialect.name == "postgresql" else 4
    assert len(sent) <= 25 + per_order * len(orders), len(sent)


def test_a_location_changed_between_batches_is_seen_by_the_next_one(database: Database) -> None:
    _locations(database, wh_nj=5, wh_pa=5)
    first, second = _order(database, number="1"), _order(database, number="2")
    assert list(route_orders(database, [first], now=NOW).routed[first].fulfillment_orders.values()) == ["wh-nj"]
    with database.session() as session:
        spec = get_location(session, "wh-nj")
        save_location(session, spec.model_copy(update={"active": False}))
    assert list(route_orders(database, [second], now=NOW).routed[second].fulfillment_orders.values()) == ["wh-pa"]


def test_a_rule_file_changed_between_batches_is_seen_by_the_next_one(database: Database, tmp_path: Path) -> None:
    _locations(database, wh_nj=5, wh_pa=5)
    first, second = _order(database, number="1"), _order(database, number="2")
    rules = tmp_path / "rules.yaml"
    text = "version: 1\nrules:\n  - name: only-{0}\n    pipeline:\n      - filter: location\n        include: [{0}]\n"
    rules.write_text(text.format("wh-pa"))
    routed = route_orders(database, [first], rules=current_rules(rules), now=NOW).routed[first]
    assert list(routed.fulfillment_orders.values()) == ["wh-pa"]
    rules.write_text(text.format("wh-nj"))
    os.utime(rules, ns=(rules.stat().st_atime_ns, rules.stat().st_mtime_ns + 1_000_000))  # a coarse clock
    routed = route_orders(database, [second], rules=current_rules(rules), now=NOW).routed[second]
    assert list(routed.fulfillment_orders.values()) == ["wh-nj"]
