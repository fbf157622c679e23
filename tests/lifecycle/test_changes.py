"""``hub.lifecycle.changes``: a batch's lifecycles written with one statement per table still refuse a change
that got past the lock (the revision guard), writing nothing of it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from hub.db.models import OrderLifecycleRecord
from hub.db.session import Database
from hub.lifecycle import LifecycleConflict
from hub.lifecycle.batch import read_lifecycles
from hub.lifecycle.changes import LifecycleChange, lock_orders, write_changes
from hub.lifecycle.commands import Hold
from hub.lifecycle.store import load
from hub.oms.route import route_order
from tests.oms.test_route import _locations, _order

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)


def _change(session: object, order_id: str) -> LifecycleChange:
    records = lock_orders(session, [order_id])  # type: ignore[arg-type]
    rows = read_lifecycles(session, [order_id])  # type: ignore[arg-type]
    return LifecycleChange.of(records[order_id], rows[order_id])


def test_a_lifecycle_changed_since_it_was_read_is_refused_and_nothing_is_written(database: Database) -> None:
    _locations(database)
    order_id = _order(database, quantity=2)
    route_order(database, order_id, now=NOW)  # no stock: started, validated, backordered
    with pytest.raises(LifecycleConflict), database.session() as session:
        change = _change(session, order_id)
        change.apply(Hold(reason="fraud check"))
        table = OrderLifecycleRecord.__table__  # another writer's update, unseen by this session's copies
        moved = update(table).where(table.c.order_id == order_id).values(revision=table.c.revision + 1)
        session.connection().execute(moved)
        write_changes(session, [change])
    with database.session() as session:
        assert load(session, order_id).hold_reason is None


def test_a_change_written_is_read_back_and_leaves_nothing_for_the_session_to_write(database: Database) -> None:
    _locations(database)
    order_id = _order(database, quantity=2)
    route_order(database, order_id, now=NOW)
    with database.session() as session:
        change = _change(session, order_id)
        change.apply(Hold(reason="fraud check"))
        write_changes(session, [change])
        assert session.get(OrderLifecycleRecord, order_id).hold_reason == "fraud check"  # type: ignore[union-attr]
        assert not session.dirty
    with database.session() as session:
        assert load(session, order_id) == change.after
