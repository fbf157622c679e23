"""What a routing batch reads: orders seen for the first time have no lifecycle or routing row, so the batch
does not query those tables for them; an order the lock's marks missed still cannot be routed twice."""

from __future__ import annotations

import pytest
from sqlalchemy import false, func, select

from hub.db.models import FulfillmentOrderRecord, OrderEvent, OrderLifecycleRecord, OrderRouting
from hub.db.session import Database
from hub.inventory import adjust
from hub.lifecycle.store import STARTED
from hub.oms import route_batch
from hub.oms.route import route_order
from hub.oms.route_batch import route_orders
from hub.oms.waiting import sweep_waiting
from tests.oms.test_route import _committed, _locations, _order
from tests.oms.test_route_batch import NOW
from tests.sql_statements import statements


def _reads(seen: list[str], table: str) -> int:
    """Statements that select rows of ``table`` itself (not an EXISTS about it inside another query)."""
    return sum(1 for text in seen if text.lstrip().upper().startswith(f"SELECT {table.upper()}."))


def test_a_batch_of_new_orders_reads_no_lifecycle_or_routing_rows(database: Database) -> None:
    _locations(database, wh_nj=20)
    orders = [_order(database, quantity=2, number=str(n)) for n in range(3)]
    with statements() as seen:
        result = route_orders(database, orders, now=NOW)
    assert result.failed == {}
    assert {routed.decision.outcome for routed in result.routed.values() if routed.decision} == {"routed"}
    assert _reads(seen, "order_lifecycles") == 0
    assert _reads(seen, "order_routings") == 0
    assert _committed(database, "wh-nj") == 6


def test_an_order_routed_before_in_a_batch_of_new_ones_is_read_and_routed_once(database: Database) -> None:
    _locations(database)  # no stock: the first order waits
    waited = _order(database, quantity=2, number="1")
    route_order(database, waited, now=NOW)
    with database.session() as session:
        adjust(session, "LAMP", "wh-nj", 20, source="test")
    fresh = _order(database, quantity=3, number="2")
    with statements() as seen:
        result = route_orders(database, [waited, fresh], now=NOW)
    assert result.failed == {}
    assert _reads(seen, "order_lifecycles") == 1  # the waiting order's, read once for the batch
    assert _committed(database, "wh-nj") == 5
    with database.session() as session:
        assert session.get(OrderLifecycleRecord, waited).revision > 1  # type: ignore[union-attr]
        assert session.get(OrderRouting, waited).attempts == 2  # type: ignore[union-attr]


def test_an_order_whose_rows_the_lock_missed_is_routed_alone_once(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As when another worker added the rows while the lock waited for it: the batch's insert of a second
    lifecycle fails, the batch goes back, and each order is routed on its own; nothing is allocated twice."""
    _locations(database)
    waited = _order(database, quantity=2, number="1")
    route_order(database, waited, now=NOW)
    with database.session() as session:
        adjust(session, "LAMP", "wh-nj", 20, source="test")
    fresh = _order(database, quantity=3, number="2")
    monkeypatch.setattr(route_batch, "MARKS", {"lifecycle": false(), "routing": false()})
    result = route_orders(database, [waited, fresh], now=NOW)
    assert result.failed == {}
    assert _committed(database, "wh-nj") == 5
    with database.session() as session:
        for order_id in (waited, fresh):
            made = select(func.count()).where(FulfillmentOrderRecord.order_id == order_id)
            assert session.scalar(made) == 1
        started = select(func.count()).where(OrderEvent.order_id == waited, OrderEvent.type == STARTED)
        assert session.scalar(started) == 1


def test_an_order_a_batch_left_waiting_wakes_when_stock_arrives(database: Database) -> None:
    """The batch records its waits with the ledger mark its stock read gave (no statement of its own): stock
    received afterwards wakes the order, and nothing before it does."""
    _locations(database, wh_nj=1)
    waiting = _order(database, quantity=3, number="1")
    with statements() as seen:
        result = route_orders(database, [waiting], now=NOW)
    assert result.routed[waiting].decision.outcome == "partially_routed"  # type: ignore[union-attr]
    assert not [text for text in seen if text.lstrip().upper().startswith("SELECT MAX(INVENTORY_LEDGER.ID)")]
    published: list[str] = []
    assert sweep_waiting(database, NOW, route=published.append, source="test").due == ()
    with database.session() as session:
        adjust(session, "LAMP", "wh-nj", 5, source="test")
    assert sweep_waiting(database, NOW, route=published.append, source="test").due == (waiting,)
    assert published == [waiting]
