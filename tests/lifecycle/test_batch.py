"""Many orders' commands in one pass (``hub.lifecycle.batch.execute_many``): the same stored result as one
``execute`` per command, each order's refusal its own, and a change that slipped past the locks refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, text

from hub.db.models import OrderRecord
from hub.db.session import Database
from hub.lifecycle import FulfillmentState, IllegalTransition, LifecycleConflict
from hub.lifecycle.batch import Note, execute_many
from hub.lifecycle.commands import (
    AcceptFulfillmentOrder,
    CreateFulfillmentOrder,
    DeliverLines,
    Hold,
    LifecycleCommand,
    RequestReturn,
    SendFulfillmentOrder,
    ShipFulfillmentOrder,
    Validate,
)
from hub.lifecycle.store import execute, load, start
from hub.orders.store import get_order, record_event, timeline
from tests.lifecycle.conftest import StoreOrder, store_order_in


def _ready(database: Database, order_id: str, *more: LifecycleCommand) -> str:
    """``order_id`` started, validated, with fulfillment order ``F-<order id>`` of its line at WH1."""
    with database.session() as session:
        start(session, order_id, source="test")
    for command in (Validate(), CreateFulfillmentOrder(id=f"F-{order_id}", location="WH1", lines={"1": 2}), *more):
        with database.session() as session:
            execute(session, order_id, command, source="test")
    return order_id


def _sent_and_accepted(order_id: str) -> list[tuple[str, Any]]:
    fo = f"F-{order_id}"
    return [
        (order_id, SendFulfillmentOrder(id=fo)),
        (order_id, AcceptFulfillmentOrder(id=fo, external_id=f"3PL-{order_id}")),
        (order_id, Note("fulfillment_order.submitted", {"fulfillment_order": fo})),
    ]


def test_each_order_is_stored_as_one_command_at_a_time_would_store_it(
    database: Database, store_order: StoreOrder
) -> None:
    one_by_one, together = (_ready(database, store_order([("1", "SKU-1", 2)], ["WH1"])) for _ in range(2))
    for order_id, item in _sent_and_accepted(one_by_one)[:2]:
        with database.session() as session:
            execute(session, order_id, item, source="delivery")
    with database.session() as session:
        applied = execute_many(session, _sent_and_accepted(together), source="delivery")
    assert not applied.refused and [len(outcomes) for outcomes in applied.outcomes.values()] == [2]
    with database.session() as session:
        expected, got = load(session, one_by_one), load(session, together)
        assert got.state == expected.state and got.lines == expected.lines
        fo = got.fulfillment_orders[f"F-{together}"]
        assert (fo.state, fo.external_id) == (FulfillmentState.ACCEPTED, f"3PL-{together}")
        entries = [(entry.type, entry.source) for entry in timeline(session, together)][-3:]
        assert entries == [
            ("fulfillment_order.sent", "delivery"),
            ("fulfillment_order.accepted", "delivery"),
            ("fulfillment_order.submitted", "delivery"),
        ]
        stored = session.get(OrderRecord, together)
        assert stored is not None and stored.status == session.get(OrderRecord, one_by_one).status  # type: ignore[union-attr]
        assert get_order(session, together).status == get_order(session, one_by_one).status


def test_an_order_whose_command_is_refused_keeps_nothing_and_the_others_go_on(
    database: Database, store_order: StoreOrder
) -> None:
    first, held, last = (_ready(database, store_order([("1", "SKU-1", 2)], ["WH1"])) for _ in range(3))
    with database.session() as session:
        execute(session, held, Hold(reason="fraud check"), source="cli")
        before = len(timeline(session, held))
    with database.session() as session:
        items = [item for order_id in (first, held, last) for item in _sent_and_accepted(order_id)]
        applied = execute_many(session, items, source="delivery")
    assert sorted(applied.outcomes) == sorted([first, last])
    assert isinstance(applied.refused[held], IllegalTransition) and "on hold" in str(applied.refused[held])
    with database.session() as session:
        assert load(session, held).fulfillment_orders[f"F-{held}"].state is FulfillmentState.CREATED
        assert len(timeline(session, held)) == before
        for order_id in (first, last):
            assert load(session, order_id).fulfillment_orders[f"F-{order_id}"].state is FulfillmentState.ACCEPTED


def test_a_change_that_slips_past_the_locks_is_refused_and_nothing_is_written(postgres_database: Database) -> None:
    database = postgres_database
    order_ids = [_ready(database, store_order_in(database, [("1", "SKU-1", 2)], ["WH1"])) for _ in range(2)]
    with database.session() as session:
        events = {order_id: len(timeline(session, order_id)) for order_id in order_ids}
    meddled = []

    def meddle(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # another writer changes one lifecycle row after the batch read it and before it writes it
        if statement.startswith("UPDATE order_lifecycles") and not meddled:
            meddled.append(statement)
            with database.engine.begin() as other:
                bump = "UPDATE order_lifecycles SET revision = revision + 1 WHERE order_id = :order_id"
                other.execute(text(bump), {"order_id": order_ids[1]})

    event.listen(database.engine, "before_cursor_execute", meddle)
    try:
        with pytest.raises(LifecycleConflict, match="nothing was written"), database.session() as session:
            execute_many(session, [item for o in order_ids for item in _sent_and_accepted(o)], source="delivery")
    finally:
        event.remove(database.engine, "before_cursor_execute", meddle)
    assert meddled
    with database.session() as session:
        for order_id in order_ids:
            assert load(session, order_id).fulfillment_orders[f"F-{order_id}"].state is FulfillmentState.CREATED
            assert len(timeline(session, order_id)) == events[order_id]


# -- every stored row compared, over the shapes a chunk of delivery results meets ----------------------------


def _two_locations(database: Database, store_order: StoreOrder) -> str:
    order_id = store_order([("1", "SKU-1", 2), ("2", "SKU-2", 1)], ["WH1", "WH2"])
    with database.session() as session:
        start(session, order_id, source="test")
    first = CreateFulfillmentOrder(id=f"F-{order_id}", location="WH1", lines={"1": 2})
    second = CreateFulfillmentOrder(id=f"G-{order_id}", location="WH2", lines={"2": 1})
    for command in (Validate(), first, second):
        with database.session() as session:
            execute(session, order_id, command, source="test")
    return order_id


def _sent(database: Database, store_order: StoreOrder) -> str:
    order_id = store_order([("1", "SKU-1", 2)], ["WH1"])
    return _ready(database, order_id, SendFulfillmentOrder(id=f"F-{order_id}"))


def _with_a_return(database: Database, store_order: StoreOrder) -> str:
    """Line 1 shipped, delivered and asked back; line 2's fulfillment order ``F-`` still to send."""
    order_id = store_order([("1", "SKU-1", 1), ("2", "SKU-2", 1)], ["WH1", "WH2"])
    with database.session() as session:
        start(session, order_id, source="test")
    shipped = f"S-{order_id}"
    for command in (
        Validate(),
        CreateFulfillmentOrder(id=shipped, location="WH2", lines={"1": 1}),
        SendFulfillmentOrder(id=shipped),
        ShipFulfillmentOrder(id=shipped),
        DeliverLines(lines={"1": 1}),
        RequestReturn(id=f"R-{order_id}", lines={"1": 1}),
        CreateFulfillmentOrder(id=f"F-{order_id}", location="WH1", lines={"2": 1}),
    ):
        with database.session() as session:
            execute(session, order_id, command, source="test")
    return order_id


SHAPES: dict[str, tuple[Callable[[Database, StoreOrder], str], Callable[[str], list[tuple[str, Any]]]]] = {
    "one fulfillment order sent and accepted": (
        lambda database, store: _ready(database, store([("1", "SKU-1", 2)], ["WH1"])),
        _sent_and_accepted,
    ),
    "one of two fulfillment orders": (_two_locations, _sent_and_accepted),
    "accepted after it was sent": (_sent, lambda order_id: _sent_and_accepted(order_id)[1:]),
    "an order with a return": (_with_a_return, _sent_and_accepted),
    "a new fulfillment order": (
        lambda database, store: _ready(database, store([("1", "SKU-1", 3)], ["WH1"])),
        lambda order_id: [
            (order_id, CreateFulfillmentOrder(id=f"N-{order_id}", location="WH1", lines={"1": 1})),
            *_sent_and_accepted(order_id),
        ],
    ),
}


def _stored_rows(database: Database, order_id: str) -> str:
    """Every row the order's lifecycle and timeline hold, but ids, times and revisions, with the order's id
    written as ORDER (so two orders of the same shape compare equal)."""
    queries = {
        "lifecycle": "SELECT state, validated, hold_reason, closed FROM order_lifecycles WHERE order_id = :o",
        "lines": "SELECT * FROM line_quantities WHERE order_id = :o ORDER BY position",
        "fulfillment_orders": "SELECT * FROM fulfillment_orders WHERE order_id = :o ORDER BY position",
        "fulfillment_lines": "SELECT l.* FROM fulfillment_order_lines l JOIN fulfillment_orders f"
        " ON f.id = l.fulfillment_order_id WHERE f.order_id = :o ORDER BY f.position, l.position",
        "returns": "SELECT * FROM return_authorizations WHERE order_id = :o ORDER BY position",
        "order": "SELECT status FROM orders WHERE id = :o",
        "timeline": "SELECT type, source, data FROM order_events WHERE order_id = :o ORDER BY id",
    }
    kept: dict[str, Any] = {}
    with database.session() as session:
        for name, query in queries.items():
            rows = session.execute(text(query), {"o": order_id}).mappings().all()
            drop = ("id", "created_at", "updated_at", "occurred_at", "revision", "fulfillment_order_id")
            kept[name] = [{k: v for k, v in row.items() if k not in drop} for row in rows]
        kept["document status"] = get_order(session, order_id).status
    return json.dumps(kept, sort_keys=True, default=str).replace(order_id, "ORDER")


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_stored_row_is_what_one_command_at_a_time_stores(
    database: Database, store_order: StoreOrder, shape: str
) -> None:
    build, items_of = SHAPES[shape]
    one_by_one, together = build(database, store_order), build(database, store_order)
    for order_id, item in items_of(one_by_one):
        with database.session() as session:
            if isinstance(item, Note):
                record_event(session, order_id, item.type, source="delivery", data=item.data)
            else:
                execute(session, order_id, item, source="delivery")
    with database.session() as session:
        applied = execute_many(session, items_of(together), source="delivery")
    assert not applied.refused
    assert _stored_rows(database, together) == _stored_rows(database, one_by_one)


def test_a_fulfillment_order_changed_past_the_locks_is_refused_and_nothing_is_written(
    postgres_database: Database,
) -> None:
    database = postgres_database
    order_ids = [_ready(database, store_order_in(database, [("1", "SKU-1", 2)], ["WH1"])) for _ in range(2)]
    before = {order_id: _stored_rows(database, order_id) for order_id in order_ids}
    meddled = []

    def meddle(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # another writer cancels one fulfillment order (its lifecycle's revision untouched) after the batch
        # read it and before it writes it
        if statement.startswith("UPDATE order_lifecycles") and not meddled:
            meddled.append(statement)
            with database.engine.begin() as other:
                cancel = "UPDATE fulfillment_orders SET state = 'cancelled' WHERE id = :id"
                other.execute(text(cancel), {"id": f"F-{order_ids[1]}"})

    event.listen(database.engine, "before_cursor_execute", meddle)
    try:
        with pytest.raises(LifecycleConflict, match="nothing was written"), database.session() as session:
            execute_many(session, [item for o in order_ids for item in _sent_and_accepted(o)], source="delivery")
    finally:
        event.remove(database.engine, "before_cursor_execute", meddle)
    assert meddled
    assert _stored_rows(database, order_ids[0]) == before[order_ids[0]]
    meddled_rows = before[order_ids[1]].replace('"state": "created"', '"state": "cancelled"', 1)
    assert _stored_rows(database, order_ids[1]) == meddled_rows  # the other writer's change, and nothing else
