"""The lifecycle on each database: following a stored order, refusals that write nothing, the ledger held by
the database itself, and concurrent commands on one order that never lose an update."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.canonical import OrderStatus
from hub.db.models import FulfillmentOrderRecord, OrderRecord
from hub.db.session import Database
from hub.lifecycle import (
    FulfillmentState,
    IllegalTransition,
    LifecycleConflict,
    LifecycleNotFound,
    OrderState,
    UnknownReference,
)
from hub.lifecycle.commands import (
    CreateFulfillmentOrder,
    LifecycleCommand,
    SendFulfillmentOrder,
    ShipFulfillmentOrder,
    Validate,
)
from hub.lifecycle.store import execute, find_fulfillment_orders, load, start
from hub.orders.store import get_order, timeline
from tests.lifecycle.conftest import StoreOrder, store_order_in


def _run(database: Database, order_id: str, *commands: LifecycleCommand) -> None:
    for command in commands:
        with database.session() as session:
            execute(session, order_id, command, source="test")


def _started(database: Database, order_id: str, *commands: LifecycleCommand) -> str:
    """``order_id`` followed by the lifecycle, after ``commands``."""
    with database.session() as session:
        start(session, order_id, source="test")
    _run(database, order_id, *commands)
    return order_id


def test_start_follows_the_stored_lines_once(database: Database, store_order: StoreOrder) -> None:
    order_id = store_order([("1", "SKU-1", 2), ("2", None, 1)])
    with database.session() as session:
        first = start(session, order_id, source="worker")
    with database.session() as session:
        again = start(session, order_id, source="worker")
        events = [(entry.type, entry.source, entry.data) for entry in timeline(session, order_id)]
    assert again == first and first.state is OrderState.RECEIVED
    assert [(line.line_id, line.sku, line.quantities.ordered) for line in first.lines.values()] == [
        ("1", "SKU-1", 2),
        ("2", None, 1),
    ]
    started = [entry for entry in events if entry[0] == "order.lifecycle_started"]
    assert started == [("order.lifecycle_started", "worker", {"state": "received", "lines": {"1": 2, "2": 1}})]


def test_the_stored_document_shows_the_rollup(database: Database, store_order: StoreOrder) -> None:
    order_id = _started(
        database,
        store_order([("1", "SKU-1", 2), ("2", "SKU-2", 1)], ["WH1"]),
        Validate(),
        CreateFulfillmentOrder(id="F1", location="WH1", lines={"1": 2}),
        SendFulfillmentOrder(id="F1"),
    )
    with database.session() as session:
        order = get_order(session, order_id)  # the canonical document, validated on the way out
        record = session.get(OrderRecord, order_id)
        assert record is not None
        assert order.status is OrderStatus.PARTIALLY_RELEASED and record.status == "partially_released"
        assert load(session, order_id).state is OrderState.PARTIALLY_RELEASED


def test_an_order_the_channel_cancelled_starts_cancelled(database: Database, store_order: StoreOrder) -> None:
    order_id = store_order([("1", "SKU-1", 3)], status=OrderStatus.CANCELLED)
    with database.session() as session:
        lifecycle = start(session, order_id, source="test")
    assert lifecycle.state is OrderState.CANCELLED and lifecycle.lines["1"].quantities.cancelled == 3
    with pytest.raises(IllegalTransition, match="cannot validate while cancelled"), database.session() as session:
        execute(session, order_id, Validate(), source="test")


def test_a_missing_order_or_lifecycle_is_named(database: Database, store_order: StoreOrder) -> None:
    with pytest.raises(LifecycleNotFound, match="no order 'ord_missing' is stored"), database.session() as session:
        execute(session, "ord_missing", Validate(), source="test")
    order_id = store_order([("1", "SKU-1", 1)])
    with pytest.raises(LifecycleNotFound, match="has no lifecycle yet: start it first"), database.session() as session:
        load(session, order_id)
    with pytest.raises(LifecycleNotFound, match="no order 'ord_missing' is stored"), database.session() as session:
        start(session, "ord_missing", source="test")


def test_an_unknown_location_is_refused_and_nothing_is_written(database: Database, store_order: StoreOrder) -> None:
    order_id = _started(database, store_order([("1", "SKU-1", 1)]), Validate())
    with database.session() as session:
        before = (load(session, order_id), len(timeline(session, order_id)))
    with pytest.raises(UnknownReference) as refused, database.session() as session:
        execute(session, order_id, CreateFulfillmentOrder(id="F1", location="NOWHERE", lines={"1": 1}), source="t")
    assert "location 'NOWHERE' is not an inventory location; add it with `orderhub location add`" in str(refused.value)
    with database.session() as session:
        assert (load(session, order_id), len(timeline(session, order_id))) == before


@pytest.mark.parametrize(
    ("statement", "constraint"),
    [
        ("UPDATE line_quantities SET shipped = 2", "nested"),
        ("UPDATE line_quantities SET cancelled = ordered + 1", "nested"),
        ("UPDATE line_quantities SET backordered = -1", "not_negative"),
        ("UPDATE fulfillment_order_lines SET shipped = quantity + 1", "units"),
    ],
)
def test_the_database_refuses_quantities_that_break_the_ledger(
    database: Database, store_order: StoreOrder, statement: str, constraint: str
) -> None:
    create = CreateFulfillmentOrder(id="F1", location="WH1", lines={"1": 1})
    order_id = _started(database, store_order([("1", "SKU-1", 2)], ["WH1"]), Validate(), create)
    with pytest.raises(IntegrityError, match=constraint), database.engine.begin() as connection:
        connection.execute(text(statement))
    with database.session() as session:
        assert load(session, order_id).lines["1"].quantities.shipped == 0


def test_fulfillment_orders_are_found_by_state_and_location(database: Database, store_order: StoreOrder) -> None:
    found = []
    for location in ("WH1", "WH2"):
        order_id = _started(
            database,
            store_order([("1", "SKU-1", 2)], ["WH1", "WH2"]),
            Validate(),
            CreateFulfillmentOrder(id=f"F-{location}", location=location, lines={"1": 1}),
            CreateFulfillmentOrder(id=f"G-{location}", location=location, lines={"1": 1}),
            SendFulfillmentOrder(id=f"G-{location}"),
        )
        found.append(order_id)
    with database.session() as session:
        assert find_fulfillment_orders(session, FulfillmentState.CREATED, location_id="WH2") == [(found[1], "F-WH2")]
        sent = find_fulfillment_orders(session, FulfillmentState.SENT)
        assert sorted(sent) == sorted([(found[0], "G-WH1"), (found[1], "G-WH2")])


def _ship_one_unit(database: Database, order_id: str, barrier: threading.Barrier, outcomes: list[Any]) -> None:
    """Ship one unit of F1, retrying when another transaction changed the order first."""

    def wait_for_the_others(session: Session, *_: Any) -> None:
        # were reads not serialised by the order's lock, every thread would reach this point holding what it
        # read before any of them wrote; with the lock the others wait for it, and the barrier gives up
        try:
            barrier.wait(timeout=2)
        except threading.BrokenBarrierError:
            pass

    for _attempt in range(20):
        try:
            with database.session() as session:
                event.listen(session, "before_flush", wait_for_the_others)
                execute(session, order_id, ShipFulfillmentOrder(id="F1", lines={"1": 1}), source="test")
            outcomes.append("shipped")
            return
        except LifecycleConflict:
            outcomes.append("conflict")
    outcomes.append("gave up")


def test_concurrent_commands_on_one_order_never_lose_an_update(database: Database, store_order: StoreOrder) -> None:
    order_id = _started(
        database,
        store_order([("1", "SKU-1", 4)], ["WH1"]),
        Validate(),
        CreateFulfillmentOrder(id="F1", location="WH1", lines={"1": 4}),
        SendFulfillmentOrder(id="F1"),
    )
    barrier, outcomes = threading.Barrier(4), list[str]()
    threads = [threading.Thread(target=_ship_one_unit, args=(database, order_id, barrier, outcomes)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("shipped") == 4 and "gave up" not in outcomes
    with database.session() as session:
        lifecycle = load(session, order_id)
        shipments = [entry for entry in timeline(session, order_id) if entry.type == "fulfillment_order.shipped"]
        fo = session.get(FulfillmentOrderRecord, "F1")
        assert fo is not None and fo.state == "shipped"
    assert lifecycle.lines["1"].quantities.shipped == 4 and lifecycle.state is OrderState.SHIPPED
    assert len(shipments) == 4


def test_a_change_that_slips_past_the_lock_is_refused_as_a_conflict(postgres_database: Database) -> None:
    database = postgres_database
    order_id = store_order_in(database, [("1", "SKU-1", 1)])
    with database.session() as session:
        start(session, order_id, source="test")
        events = len(timeline(session, order_id))

    def meddle(session: Session, *_: Any) -> None:
        # another writer changes the lifecycle row after it was read and before it is written
        with database.engine.begin() as other:
            bump = "UPDATE order_lifecycles SET revision = revision + 1 WHERE order_id = :order_id"
            other.execute(text(bump), {"order_id": order_id})

    with pytest.raises(LifecycleConflict) as refused, database.session() as session:
        event.listen(session, "before_flush", meddle)
        execute(session, order_id, Validate(), source="test")
    assert f"order {order_id!r} changed while validate was applied to it; nothing was written" in str(refused.value)
    with database.session() as session:
        assert load(session, order_id).validated is False and len(timeline(session, order_id)) == events
