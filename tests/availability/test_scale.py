"""Thousands of SKUs: the computation reads inventory set-wise, so the number of statements it sends does not
grow with the number of SKUs, and runs serialise so a change is recorded once."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import insert

from hub.availability import compute, default_rules, events_after, parse_rules, publish
from hub.db.models import InventoryLevel
from hub.db.models.base import utcnow
from hub.db.session import Database
from tests.availability.conftest import TODAY, Shop
from tests.sql_statements import statements

RULES = parse_rules(
    """
    channels:
      - channel: amazon
        share: {percent: 80}
        preorder: {incoming_within_days: 30}
      - channel: "*"
        buffer: 1
    """,
    "test.yaml",
)


def _stock_many(shop: Shop, count: int) -> None:
    """``count`` SKUs at two locations, written in bulk (the ledger is not what is under test here)."""
    rows = [
        {
            "sku": f"SKU-{n:05d}",
            "location_id": location,
            "on_hand": n % 17,
            "committed": n % 3,
            "reserved": 0,
            "safety_stock": 0,
            "incoming": 0,
            "updated_at": utcnow(),
        }
        for n in range(count)
        for location in ("dal1", "hou1")
    ]
    with shop.database.session() as session:
        session.execute(insert(InventoryLevel), rows)


def test_statements_sent_do_not_grow_with_the_number_of_skus(shop: Shop) -> None:
    shop.account("amazon").account("shopify").account("ebay")
    shop.location("dal1").location("hou1", postal_region="US:770")
    _stock_many(shop, 3000)
    with statements() as all_skus, shop.database.session() as session:
        results = compute(session, RULES, today=TODAY)
    assert len(results) == 9000
    assert len(all_skus) <= 6
    named = [f"SKU-{n:05d}" for n in range(0, 3000, 2)]
    with statements() as some_skus, shop.database.session() as session:
        assert len(compute(session, RULES, named, today=TODAY)) == 4500
    assert len(some_skus) <= 6 + 2 * (len(named) // 900 + 1)  # an IN list per chunk of SKUs
    sample = results[("amazon", "main", "SKU-00020")]  # on hand 3 + 3, committed 2 + 2
    assert (sample.quantity, results[("shopify", "main", "SKU-00020")].quantity) == (1, 1)


def test_concurrent_runs_record_each_change_once(database: Database) -> None:
    shop = Shop(database).account("amazon").account("shopify").location("dal1")
    for n in range(50):
        shop.stock(f"SKU-{n}", "dal1", n + 1)
    start = threading.Barrier(3)
    outcomes: list[int] = []

    def run() -> None:
        start.wait()
        with database.session() as session:
            outcomes.append(
                publish(session, default_rules(), reason="race", now=utcnow() + timedelta(minutes=10)).changed
            )

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [0, 0, 100]
    with database.session() as session:
        assert len(events_after(session, limit=10_000)) == 100
