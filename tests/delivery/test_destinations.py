"""Destinations: pausing holds deliveries with a reason, resuming lets the held ones go at once; who may
fulfil a location; locations with stock that nobody fulfils."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.db.models import Delivery, DeliveryStatus, Location, Partner
from hub.db.models.base import as_utc, utcnow
from hub.db.session import Database
from hub.delivery.accounts import save_account
from hub.delivery.destinations import (
    check_fulfiller,
    destination_state,
    locations_without_fulfiller,
    pause,
    resume,
)
from hub.errors import InputRejected
from hub.inventory import adjust, parse_location, save_location


def _delivery(destination: str, status: DeliveryStatus, key: str, due_in: timedelta) -> Delivery:
    return Delivery(
        connector=destination.split(":")[0],
        destination=destination,
        operation="fulfillment_order.submit",
        subject_type="fulfillment_order",
        subject_id=key,
        idempotency_key=f"fo:{key}:submit",
        payload={},
        status=status,
        next_attempt_at=utcnow() + due_in,
    )


def test_pause_keeps_the_reason_and_resume_makes_held_deliveries_due_now(database: Database) -> None:
    later = timedelta(hours=3)
    with database.session() as session:
        assert destination_state(session, "shipstation:main").paused is False  # created on first use
        session.add_all(
            [
                _delivery("shipstation:main", DeliveryStatus.PENDING, "a", later),
                _delivery("shipstation:main", DeliveryStatus.DELIVERED, "b", later),
                _delivery("shipbob:main", DeliveryStatus.PENDING, "c", later),
            ]
        )
        pause(session, "shipstation:main", "401 from ShipStation: check api_key")
    with database.session() as session:
        row = destination_state(session, "shipstation:main")
        assert (row.paused, row.paused_reason) == (True, "401 from ShipStation: check api_key")
    with database.session() as session:
        assert resume(session, "shipstation:main") == 1
    with database.session() as session:
        row = destination_state(session, "shipstation:main")
        assert (row.paused, row.paused_reason) == (False, None)
        due = {d.subject_id: as_utc(d.next_attempt_at) for d in session.scalars(select(Delivery))}
    now = utcnow()
    assert due["a"] <= now  # held: due again now
    assert due["b"] > now + timedelta(hours=2) and due["c"] > now + timedelta(hours=2)  # untouched


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_who_may_fulfil_a_location(database: Database) -> None:
    with database.session() as session:
        session.add(Partner(id="ACME", name="Acme", kind="3pl", profile={}))
        save_account(session, "self", "main", {}, {})
    with database.session() as session:
        assert check_fulfiller(session, "self") == "self"
        assert check_fulfiller(session, "edi:ACME") == "edi:ACME"
        assert check_fulfiller(session, "self:main") == "self:main"
        with pytest.raises(InputRejected, match="no trading partner 'NOPE'"):
            check_fulfiller(session, "edi:NOPE")
        with pytest.raises(InputRejected, match="no connector account 'shipstation:main'; add it first"):
            check_fulfiller(session, "shipstation:main")
        with pytest.raises(InputRejected, match="is not CONNECTOR:ACCOUNT"):
            check_fulfiller(session, "warehouse")


def test_locations_with_stock_and_no_fulfiller(database: Database) -> None:
    with database.session() as session:
        for location_id in ("empty", "stocked", "fulfilled", "closed"):
            spec = {"id": location_id, "name": location_id, "kind": "warehouse", "active": location_id != "closed"}
            save_location(session, parse_location(spec))
        for location_id in ("stocked", "fulfilled", "closed"):
            adjust(session, "LAMP", location_id, 4, source="test")
            adjust(session, "SHADE", location_id, 1, source="test")
        session.get(Location, "fulfilled").fulfilled_by = "self"  # type: ignore[union-attr]
    with database.session() as session:
        found = locations_without_fulfiller(session)
    assert [(f.location_id, f.on_hand) for f in found] == [("stocked", 5)]
    assert "location stocked holds 5 units on hand but nobody fulfils it" in found[0].warning
