"""Fixtures for lifecycle storage tests: a stored canonical order with the lines a test names, and the
inventory locations its fulfillment orders and returns use."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from hub.canonical import Money, Order, OrderLine, Totals
from hub.db.models import Location
from hub.db.session import Database
from hub.orders.store import add_order
from tests.conftest import fresh_postgres

_numbers = itertools.count(1001)


def canonical_order(lines: Iterable[tuple[str, str | None, int]]) -> Order:
    def usd(amount: str | Decimal) -> Money:
        return Money(amount=Decimal(amount), currency="USD")

    order_lines = [
        OrderLine(
            line_id=line_id,
            sku=sku,
            name=f"Item {line_id}",
            quantity=quantity,
            unit_price=usd("10.00"),
            total=usd(Decimal("10.00") * quantity),
        )
        for line_id, sku, quantity in lines
    ]
    subtotal = sum((line.total.amount for line in order_lines), Decimal("0"))
    return Order(
        channel="shopify",
        channel_order_id=str(next(_numbers)),
        placed_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
        currency="USD",
        lines=order_lines,
        totals=Totals(subtotal=usd(subtotal), discount=usd("0"), shipping=usd("0"), tax=usd("0"), total=usd(subtotal)),
    )


StoreOrder = Callable[..., str]


def store_order_in(
    database: Database, lines: Iterable[tuple[str, str | None, int]], locations: Iterable[str] = (), **changes: object
) -> str:
    """Store an order with ``lines`` ``(line_id, sku, quantity)`` and the ``locations`` named; its hub id."""
    order = canonical_order(lines)
    if changes:
        order = order.model_copy(update=changes)
    with database.session() as session:
        for location in sorted(set(locations)):
            if session.get(Location, location) is None:
                session.add(Location(id=location, name=f"Warehouse {location}", kind="warehouse", can_ship=True))
        stored = add_order(session, order, account="main")
    assert stored.id is not None
    return stored.id


@pytest.fixture
def store_order(database: Database) -> StoreOrder:
    """``store_order_in`` the test's database (SQLite or PostgreSQL)."""
    return functools.partial(store_order_in, database)


@pytest.fixture
def postgres_database(request: pytest.FixtureRequest) -> Iterator[Database]:
    """A migrated PostgreSQL database, for what only a server with row locks can show."""
    urls = fresh_postgres(request)
    database = Database(next(urls))
    yield database
    database.dispose()
    next(urls, None)
