"""Reservations: soft holds that lapse by themselves, convert into allocations, and never oversell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.db.session import Database
from hub.inventory import (
    InventoryInputError,
    UnknownLocation,
    allocate,
    convert_reservation,
    expire_reservations,
    history,
    receive,
    release_reservation,
    reserve,
)
from hub.inventory.reservations import get_reservation
from tests.inventory.conftest import level_of

NOON = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture
def stocked(database: Database, warehouse: str) -> str:
    with database.session() as session:
        receive(session, "MUG", warehouse, 5, now=NOON - timedelta(hours=1))
    return warehouse


def test_a_reservation_holds_units_until_it_expires(database: Database, stocked: str) -> None:
    with database.session() as session:
        held = reserve(session, "MUG", stocked, 3, ttl=timedelta(minutes=10), reference="cart-7", now=NOON)
    assert held.ok and held.available == 2 and held.reservation is not None
    assert held.reservation.expires_at == NOON + timedelta(minutes=10)
    with database.session() as session:
        assert allocate(session, "ord-1", "1", "MUG", stocked, 3, now=NOON).status == "insufficient"
        assert expire_reservations(session, now=NOON + timedelta(minutes=9)) == 0  # not yet
    with database.session() as session:
        assert expire_reservations(session, now=NOON + timedelta(minutes=10)) == 1
        assert expire_reservations(session, now=NOON + timedelta(minutes=11)) == 0  # expires once
    level = level_of(database, "MUG", stocked)
    assert (level.reserved, level.available) == (0, 5)
    with database.session() as session:
        assert get_reservation(session, held.reservation.id).status == "expired"
        reasons = [(e.reason, e.delta, e.source) for e in history(session, "MUG", stocked) if e.bucket == "reserved"]
    assert reasons == [("reservation", 3, "hub"), ("reservation_expired", -3, "sweep")]


def test_reserving_more_than_is_available_holds_nothing(database: Database, stocked: str) -> None:
    with database.session() as session:
        result = reserve(session, "MUG", stocked, 6, now=NOON)
    assert (result.status, result.available, result.reservation) == ("insufficient", 5, None)
    assert level_of(database, "MUG", stocked).reserved == 0


def test_the_same_key_reserves_once(database: Database, stocked: str) -> None:
    with database.session() as session:
        first = reserve(session, "MUG", stocked, 2, key="cart-7:line-1", now=NOON)
    with database.session() as session:
        again = reserve(session, "MUG", stocked, 2, key="cart-7:line-1", now=NOON)
    assert again.status == "already_reserved" and again.reservation == first.reservation
    assert level_of(database, "MUG", stocked).reserved == 2


def test_converting_moves_units_from_reserved_to_committed(database: Database, stocked: str) -> None:
    with database.session() as session:
        held = reserve(session, "MUG", stocked, 2, now=NOON)
        assert held.reservation is not None
        result = convert_reservation(session, held.reservation.id, "ord-1", "1", now=NOON + timedelta(minutes=5))
    assert (result.status, result.committed, result.available) == ("allocated", 2, 3)
    level = level_of(database, "MUG", stocked)
    assert (level.reserved, level.committed, level.available) == (0, 2, 3)
    with database.session() as session:  # a retried conversion, then the sweep: nothing moves again
        again = convert_reservation(session, held.reservation.id, "ord-1", "1", now=NOON + timedelta(minutes=6))
        assert (again.status, again.committed) == ("already_allocated", 2)
        assert expire_reservations(session, now=NOON + timedelta(hours=1)) == 0
        with pytest.raises(InventoryInputError, match="was converted for order ord-1 line 1, not order ord-2"):
            convert_reservation(session, held.reservation.id, "ord-2", "1", now=NOON)
    assert level_of(database, "MUG", stocked).committed == 2


def test_a_lapsed_reservation_does_not_convert(database: Database, stocked: str) -> None:
    with database.session() as session:
        held = reserve(session, "MUG", stocked, 2, ttl=timedelta(minutes=1), now=NOON)
        assert held.reservation is not None
        late = convert_reservation(session, held.reservation.id, "ord-1", "1", now=NOON + timedelta(minutes=2))
    assert (late.status, late.committed, late.ok) == ("reservation_lapsed", 0, False)
    level = level_of(database, "MUG", stocked)
    assert (level.reserved, level.committed) == (2, 0)  # still held until the sweep gives it back


def test_converting_onto_an_existing_allocation_adds_to_it(database: Database, stocked: str) -> None:
    with database.session() as session:
        allocate(session, "ord-1", "1", "MUG", stocked, 1, now=NOON)
        held = reserve(session, "MUG", stocked, 2, now=NOON)
        assert held.reservation is not None
        result = convert_reservation(session, held.reservation.id, "ord-1", "1", now=NOON)
    assert (result.allocated, result.committed) == (2, 3)


def test_releasing_gives_units_back_once(database: Database, stocked: str) -> None:
    with database.session() as session:
        held = reserve(session, "MUG", stocked, 4, now=NOON)
        assert held.reservation is not None
        assert release_reservation(session, held.reservation.id).status == "released"
        assert release_reservation(session, held.reservation.id).status == "released"
    assert level_of(database, "MUG", stocked).reserved == 0


def test_bad_reservations_are_refused(database: Database, stocked: str) -> None:
    with database.session() as session:
        with pytest.raises(UnknownLocation):
            reserve(session, "MUG", "nowhere", 1)
        with pytest.raises(InventoryInputError, match="positive time to live"):
            reserve(session, "MUG", stocked, 1, ttl=timedelta(0))
