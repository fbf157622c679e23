"""Counts and 846s reconciled against the ledger: movements after the count survive, stale and duplicate
counts change nothing, and a supplier location is fed from a real inventory advice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hub.db.session import Database
from hub.inventory import (
    CountBasis,
    InventoryInputError,
    allocate,
    apply_count,
    apply_inventory_advice,
    history,
    open_incoming,
    receive,
    ship,
)
from tests.inventory.conftest import add_location, level_of, sample_advice

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def test_a_count_keeps_the_movements_recorded_after_it(database: Database, warehouse: str) -> None:
    with database.session() as session:
        receive(session, "TEE", warehouse, 100, now=minutes(0))
        allocate(session, "ord-1", "1", "TEE", warehouse, 10, now=minutes(10))
        ship(session, "ord-1", "1", warehouse, 10, now=minutes(20))  # on hand 90 from here
        receive(session, "TEE", warehouse, 5, now=minutes(40))  # 95
    with database.session() as session:
        # The 3PL counted 88 at minute 30 (two units lost since the shipment), and the file arrives at 50.
        result = apply_count(session, warehouse, "TEE", 88, minutes(30), key="feed-1:TEE", now=minutes(50))
    assert (result.status, result.ledger_value, result.adjustment) == ("applied", 90, -2)
    assert level_of(database, "TEE", warehouse).on_hand == 93  # the receipt at 40 is kept
    with database.session() as session:
        entry = history(session, "TEE", warehouse)[-1]
    assert (entry.reason, entry.delta, entry.balance, entry.reference) == ("count", -2, 93, "feed-1:TEE")


def test_a_stale_count_is_recorded_but_not_applied(database: Database, warehouse: str) -> None:
    with database.session() as session:
        receive(session, "TEE", warehouse, 50, now=minutes(0))
        apply_count(session, warehouse, "TEE", 48, minutes(30), now=minutes(31))
        older = apply_count(session, warehouse, "TEE", 10, minutes(20), now=minutes(32))
    assert (older.status, older.adjustment) == ("stale", None)
    assert level_of(database, "TEE", warehouse).on_hand == 48


def test_the_same_count_delivered_twice_applies_once(database: Database, warehouse: str) -> None:
    with database.session() as session:
        receive(session, "TEE", warehouse, 50, now=minutes(0))
    for delivery in range(2):
        with database.session() as session:
            result = apply_count(session, warehouse, "TEE", 45, minutes(10), now=minutes(11 + delivery))
        assert result.status == ("applied" if delivery == 0 else "duplicate")
        assert result.adjustment == -5  # the duplicate reports what the first did
    assert level_of(database, "TEE", warehouse).on_hand == 45


def test_a_late_count_sees_an_earlier_correction(database: Database, warehouse: str) -> None:
    """Two feeds counted 10 minutes apart but applied after both were taken: the second must not correct
    the same difference again."""
    with database.session() as session:
        receive(session, "TEE", warehouse, 40, now=minutes(0))
        apply_count(session, warehouse, "TEE", 50, minutes(10), now=minutes(30))
        second = apply_count(session, warehouse, "TEE", 50, minutes(20), now=minutes(31))
    assert (second.ledger_value, second.adjustment) == (50, 0)
    assert level_of(database, "TEE", warehouse).on_hand == 50


def test_a_count_below_what_moved_since_stops_at_zero(database: Database, warehouse: str) -> None:
    with database.session() as session:
        receive(session, "TEE", warehouse, 10, now=minutes(0))
        allocate(session, "ord-1", "1", "TEE", warehouse, 6, now=minutes(1))
        ship(session, "ord-1", "1", warehouse, 6, now=minutes(20))  # on hand 4
        result = apply_count(session, warehouse, "TEE", 0, minutes(10), now=minutes(21))  # "there were 0"
    assert (result.ledger_value, result.adjustment) == (10, -4)
    assert level_of(database, "TEE", warehouse).on_hand == 0
    with database.session() as session:
        assert history(session, "TEE", warehouse)[-1].note == "on hand cannot go below 0: -10 reconciled, -4 applied"


def test_counts_from_the_future_or_without_a_zone_are_refused(database: Database, warehouse: str) -> None:
    with database.session() as session:
        with pytest.raises(InventoryInputError, match="in the future: check the sender's clock"):
            apply_count(session, warehouse, "TEE", 5, minutes(600), now=minutes(0))
        with pytest.raises(InventoryInputError, match="has no time zone"):
            apply_count(session, warehouse, "TEE", 5, datetime(2026, 11, 22, 8, 0), now=minutes(0))
        with pytest.raises(InventoryInputError, match="reported quantity must be at least 0"):
            apply_count(session, warehouse, "TEE", -1, minutes(0), now=minutes(0))


def test_an_available_count_leaves_our_commitments_in_place(database: Database, warehouse: str) -> None:
    with database.session() as session:
        receive(session, "TEE", warehouse, 20, now=minutes(0))
        allocate(session, "ord-1", "1", "TEE", warehouse, 5, now=minutes(5))
        result = apply_count(session, warehouse, "TEE", 12, minutes(10), basis=CountBasis.AVAILABLE, now=minutes(11))
    assert (result.ledger_value, result.adjustment) == (15, -3)
    level = level_of(database, "TEE", warehouse)
    assert (level.on_hand, level.committed, level.available) == (17, 5, 12)


def test_a_supplier_location_is_fed_by_its_846(database: Database) -> None:
    supplier = add_location(database, "acme", kind="supplier")
    advice = sample_advice()  # BIA INV20240116 as of 2024-01-16 08:00: ABC-1 120 available, a UPC-only item
    upc_to_sku = {"012345678912": "XYZ-2"}
    with database.session() as session:
        result = apply_inventory_advice(
            session, supplier, advice, resolve_sku=lambda item: upc_to_sku.get(item.identifiers.get("upc", ""))
        )
    assert [(c.sku, c.status, c.adjustment) for c in result.counts] == [
        ("ABC-1", "applied", 120),
        ("XYZ-2", "applied", 0),
    ]
    assert result.skipped == []
    assert level_of(database, "ABC-1", supplier).available == 120
    with database.session() as session:
        (lot,) = open_incoming(session, "ABC-1", supplier)
        entry = history(session, "ABC-1", supplier, reference="INV20240116")[0]
    assert (lot.quantity, lot.expected_on, lot.source_type) == (100, date(2024, 2, 1), "advice")
    assert (entry.reason, entry.source) == ("count", "advice:INV20240116")

    with database.session() as session:  # orders go to the supplier, then the same 846 arrives again
        allocate(session, "ord-1", "1", "ABC-1", supplier, 30)
        again = apply_inventory_advice(session, supplier, advice)
    assert [c.status for c in again.counts] == ["duplicate"]
    assert [s.index for s in again.skipped] == [1]
    assert "no SKU for the item (upc=012345678912)" in again.skipped[0].reason
    level = level_of(database, "ABC-1", supplier)
    assert (level.on_hand, level.committed, level.available, level.incoming) == (120, 30, 90, 100)


def test_a_newer_846_reconciles_against_what_we_committed_since(database: Database) -> None:
    supplier = add_location(database, "acme", kind="supplier")
    advice = sample_advice()
    with database.session() as session:
        apply_inventory_advice(session, supplier, advice, now=advice.as_of + timedelta(minutes=5))
        allocate(session, "ord-1", "1", "ABC-1", supplier, 30, now=advice.as_of + timedelta(hours=1))
    # The next day the supplier reports 85 available: it shipped or sold 5 more than our 30 elsewhere.
    item = advice.items[0].model_copy(update={"quantity_available": 85, "quantity_on_order": 0})
    newer = advice.model_copy(
        update={"advice_id": "INV20240117", "as_of": advice.as_of + timedelta(days=1), "items": [item]}
    )
    with database.session() as session:
        (count,) = apply_inventory_advice(session, supplier, newer, now=newer.as_of + timedelta(minutes=5)).counts
    assert (count.ledger_value, count.adjustment) == (90, -5)
    level = level_of(database, "ABC-1", supplier)
    assert (level.on_hand, level.committed, level.available, level.incoming) == (115, 30, 85, 0)


def test_items_not_in_eaches_are_skipped_with_the_reason(database: Database) -> None:
    supplier = add_location(database, "acme", kind="supplier")
    advice = sample_advice()
    cases = advice.model_copy(update={"items": [advice.items[0].model_copy(update={"uom": "CA"})]})
    with database.session() as session:
        result = apply_inventory_advice(session, supplier, cases)
    assert result.counts == [] and "in CA, not eaches" in result.skipped[0].reason
    assert level_of(database, "ABC-1", supplier).on_hand == 0
