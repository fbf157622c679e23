"""Many orders for the same scarce SKU routed at once, each in its own thread and connection: the stock is
never oversold, every unit of it ends up with some order, and each order's lifecycle agrees with the
inventory's allocations. Races lost at commit time are decided again (``StockKeptMoving`` when they keep
being lost, which the task retries, and so does this test)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import select

from hub.db.models import OrderEvent
from hub.db.session import Database
from hub.inventory import allocations_for_order, get_level
from hub.lifecycle.store import load
from hub.oms.route import Routed, StockKeptMoving, route_order
from tests.oms.test_route import _locations, _order

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
ORDERS = 8


def _route_until_committed(database_url: str, order_id: str) -> Routed:
    database = Database(database_url)
    try:
        for _attempt in range(20):
            try:
                return route_order(database, order_id, now=NOW)
            except StockKeptMoving:
                continue
        raise AssertionError(f"order {order_id} kept losing races")
    finally:
        database.dispose()


def test_concurrent_routing_never_oversells_and_uses_every_unit(database: Database, database_url: str) -> None:
    _locations(database, wh_nj=5, wh_pa=5)
    order_ids = [_order(database, quantity=2, number=str(2000 + n)) for n in range(ORDERS)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda order_id: _route_until_committed(database_url, order_id), order_ids))
    assert all(result.decision is not None for result in results)
    with database.session() as session:
        levels = [get_level(session, "LAMP", location) for location in ("wh-nj", "wh-pa")]
        assert [(level.on_hand, level.committed) for level in levels] == [(5, 5), (5, 5)]
        allocated = 0
        for order_id in order_ids:
            held = sum(record.quantity for record in allocations_for_order(session, order_id))
            assert load(session, order_id).lines["1"].quantities.allocated == held, order_id
            allocated += held
            kinds = session.scalars(select(OrderEvent.type).where(OrderEvent.order_id == order_id)).all()
            assert sum(kind in ("order.routed", "order.backordered") for kind in kinds) == 1, kinds
        assert allocated == 10
