"""Allocation as an order line meets it: committed, refused with a reason, retried, released, shipped."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub.db.models import Allocation
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.inventory import (
    AllocationRequest,
    AllocationStatus,
    InventoryConflict,
    InventoryInputError,
    LocationUnavailable,
    UnknownLocation,
    UnknownRecord,
    adjust,
    allocate,
    allocate_lines,
    allocations_for_order,
    apply_count,
    history,
    receive,
    release,
    reserve,
    set_safety_stock,
    ship,
)
from tests.inventory.conftest import add_location, level_of


def stock(database: Database, sku: str, location_id: str, units: int) -> None:
    with database.session() as session:
        receive(session, sku, location_id, units, reference="PO-1")


def test_allocate_commits_units_and_explains_them_in_the_ledger(database: Database, warehouse: str) -> None:
    stock(database, "TEE-M", warehouse, 10)
    with database.session() as session:
        result = allocate(session, "ord-1", "1", "TEE-M", warehouse, 4, source="worker")
    assert (result.status, result.allocated, result.committed, result.available) == ("allocated", 4, 4, 6)
    level = level_of(database, "TEE-M", warehouse)
    assert (level.on_hand, level.committed, level.available) == (10, 4, 6)
    with database.session() as session:
        entry = history(session, "TEE-M", warehouse)[-1]
    assert (entry.bucket, entry.delta, entry.balance, entry.reason) == ("committed", 4, 4, "allocation")
    assert (entry.order_id, entry.line_id, entry.source) == ("ord-1", "1", "worker")


def test_too_little_stock_is_a_result_naming_what_was_available(database: Database, warehouse: str) -> None:
    stock(database, "TEE-M", warehouse, 3)
    with database.session() as session:
        result = allocate(session, "ord-1", "1", "TEE-M", warehouse, 5)
        never = allocate(session, "ord-2", "1", "NEVER-STOCKED", warehouse, 1)
    assert (result.status, result.allocated, result.available, result.ok) == ("insufficient", 0, 3, False)
    assert (never.status, never.available) == ("insufficient", 0)
    assert level_of(database, "TEE-M", warehouse).committed == 0
    with database.session() as session:  # a refused allocation leaves no row behind: the key stays free
        assert session.scalar(select(func.count()).select_from(Allocation)) == 0
        assert allocate(session, "ord-1", "1", "TEE-M", warehouse, 3).status == "allocated"


def test_partial_takes_what_there_is(database: Database, warehouse: str) -> None:
    stock(database, "TEE-M", warehouse, 3)
    with database.session() as session:
        result = allocate(session, "ord-1", "1", "TEE-M", warehouse, 5, partial=True)
        nothing = allocate(session, "ord-2", "1", "TEE-M", warehouse, 5, partial=True)
    assert (result.status, result.allocated, result.committed, result.available) == ("partial", 3, 3, 0)
    assert (nothing.status, nothing.allocated) == ("insufficient", 0)
    with database.session() as session:
        (row,) = allocations_for_order(session, "ord-1")
    assert (row.quantity, row.status) == (3, "active")


def test_safety_stock_and_reservations_are_not_promised(database: Database, warehouse: str) -> None:
    stock(database, "TEE-M", warehouse, 10)
    with database.session() as session:
        set_safety_stock(session, "TEE-M", warehouse, 2)
        reserve(session, "TEE-M", warehouse, 3)
        assert allocate(session, "ord-1", "1", "TEE-M", warehouse, 6).available == 5
        assert allocate(session, "ord-2", "1", "TEE-M", warehouse, 5).status == "allocated"
    assert level_of(database, "TEE-M", warehouse).available == 0


def test_a_retried_allocation_does_not_commit_twice(database: Database, warehouse: str) -> None:
    stock(database, "TEE-M", warehouse, 10)
    with database.session() as session:
        first = allocate(session, "ord-1", "1", "TEE-M", warehouse, 4)
    with database.session() as session:
        again = allocate(session, "ord-1", "1", "TEE-M", warehouse, 4)
    assert (again.status, again.allocated, again.committed, again.allocation_id) == (
        "already_allocated",
        0,
        4,
        first.allocation_id,
    )
    assert again.ok and level_of(database, "TEE-M", warehouse).committed == 4
    with database.session() as session, pytest.raises(InventoryInputError, match="for SKU 'TEE-M', not 'TEE-L'"):
        allocate(session, "ord-1", "1", "TEE-L", warehouse, 1)


def test_release_gives_units_back_and_a_released_line_can_be_allocated_again(
    database: Database, warehouse: str
) -> None:
    stock(database, "TEE-M", warehouse, 10)
    with database.session() as session:
        allocate(session, "ord-1", "1", "TEE-M", warehouse, 4)
        partly = release(session, "ord-1", "1", warehouse, 1, note="customer changed quantity")
        assert (partly.quantity, partly.released, partly.status) == (3, 1, "active")
        fully = release(session, "ord-1", "1", warehouse)
        assert (fully.quantity, fully.released, fully.status) == (0, 4, "released")
    assert level_of(database, "TEE-M", warehouse).committed == 0
    with database.session() as session:
        again = allocate(session, "ord-1", "1", "TEE-M", warehouse, 2)
        assert (again.status, again.committed) == ("allocated", 2)
        with pytest.raises(InventoryInputError, match="holds 2 committed units at 'dal1': cannot release 3"):
            release(session, "ord-1", "1", warehouse, 3)
    with database.session() as session:
        reasons = [(e.reason, e.delta) for e in history(session, "TEE-M", warehouse) if e.bucket == "committed"]
    assert reasons == [("allocation", 4), ("release", -1), ("release", -3), ("allocation", 2)]
    assert level_of(database, "TEE-M", warehouse).committed == 2


def test_ship_takes_units_off_hand_once_per_shipment(database: Database, warehouse: str) -> None:
    stock(database, "TEE-M", warehouse, 10)
    with database.session() as session:
        allocate(session, "ord-1", "1", "TEE-M", warehouse, 4)
        record, shipped = ship(session, "ord-1", "1", warehouse, 3, reference="945:SHIP1", key="SHIP1")
    assert shipped and (record.quantity, record.shipped, record.status) == (1, 3, "active")
    with database.session() as session:  # the same 945 processed again
        record, shipped = ship(session, "ord-1", "1", warehouse, 3, reference="945:SHIP1", key="SHIP1")
    assert not shipped and record.shipped == 3
    with database.session() as session:
        record, _ = ship(session, "ord-1", "1", warehouse, 1, key="SHIP2")
    assert record.status == "shipped"
    level = level_of(database, "TEE-M", warehouse)
    assert (level.on_hand, level.committed, level.available) == (6, 0, 6)
    with database.session() as session, pytest.raises(InventoryInputError, match="cannot ship 1"):
        ship(session, "ord-1", "1", warehouse, 1)


def test_shipping_more_than_is_on_hand_is_a_conflict_that_changes_nothing(database: Database, warehouse: str) -> None:
    stock(database, "TEE-M", warehouse, 4)
    with database.session() as session:
        allocate(session, "ord-1", "1", "TEE-M", warehouse, 4)
    with database.session() as session:  # a count found only 1: committed now exceeds on hand
        apply_count(session, warehouse, "TEE-M", 1, utcnow())
    level = level_of(database, "TEE-M", warehouse)
    assert (level.on_hand, level.committed, level.available, level.shortage) == (1, 4, 0, 3)
    with pytest.raises(InventoryConflict, match="has 1 on hand and 4 committed, fewer than the 4 shipped"):
        with database.session() as session:
            ship(session, "ord-1", "1", warehouse, 4)
    with database.session() as session:
        assert allocations_for_order(session, "ord-1")[0].quantity == 4  # rolled back with the level
        assert allocate(session, "ord-2", "1", "TEE-M", warehouse, 1).status == "insufficient"


def test_unknown_and_inactive_locations_are_errors_not_shortages(database: Database, warehouse: str) -> None:
    add_location(database, "closed", active=False)
    stock(database, "TEE-M", "closed", 5)
    with database.session() as session:
        with pytest.raises(UnknownLocation, match="no location 'nowhere'"):
            allocate(session, "ord-1", "1", "TEE-M", "nowhere", 1)
        with pytest.raises(LocationUnavailable, match="'closed' is inactive"):
            allocate(session, "ord-1", "1", "TEE-M", "closed", 1)
        with pytest.raises(UnknownRecord, match="no allocation for order ord-9 line 1"):
            release(session, "ord-9", "1", warehouse)
        with pytest.raises(InventoryInputError, match="quantity must be at least 1, not 0"):
            allocate(session, "ord-1", "1", "TEE-M", warehouse, 0)


def test_allocate_lines_reports_each_line(database: Database, warehouse: str) -> None:
    add_location(database, "nyc1", postal_region="US:100")
    stock(database, "TEE-M", warehouse, 5)
    stock(database, "CAP", "nyc1", 1)
    requests = [
        AllocationRequest("ord-1", "1", "TEE-M", warehouse, 2),
        AllocationRequest("ord-1", "2", "CAP", "nyc1", 2),
        AllocationRequest("ord-1", "3", "CAP", "nyc1", 1),
    ]
    with database.session() as session:
        results = allocate_lines(session, requests)
    assert [(r.line_id, r.status) for r in results] == [
        ("1", AllocationStatus.ALLOCATED),
        ("2", AllocationStatus.INSUFFICIENT),
        ("3", AllocationStatus.ALLOCATED),
    ]


def test_adjusting_below_zero_is_refused_with_the_figure(database: Database, warehouse: str) -> None:
    stock(database, "TEE-M", warehouse, 2)
    with database.session() as session, pytest.raises(InventoryInputError, match="only 2 on hand"):
        adjust(session, "TEE-M", warehouse, -3)
    assert level_of(database, "TEE-M", warehouse).on_hand == 2
