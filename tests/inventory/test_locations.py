"""Locations: what is accepted, what is refused (and how the refusal reads), and what reads back."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from hub.db.session import Database
from hub.inventory import (
    Capability,
    CostProfile,
    Cutoff,
    InvalidLocation,
    LocationKind,
    UnknownLocation,
    get_location,
    list_locations,
    parse_location,
    save_location,
)
from hub.inventory.locations import location_for_partner
from tests.inventory.conftest import add_location

STORE = {
    "id": "chi-loop",
    "name": "Chicago Loop store",
    "kind": "store",
    "address": {"line1": "1 N State St", "city": "Chicago", "region": "IL", "postal_code": "60602", "country": "us"},
    "coordinates": {"latitude": 41.882, "longitude": -87.628},
    "capabilities": ["pickup", "ship_from_store", "pickup"],
    "cutoff": {"time": "16:30", "timezone": "America/Chicago", "days": ["mon", "tue", "wed", "thu", "fri", "sat"]},
    "cost": {
        "currency": "usd",
        "per_shipment": "7.00",
        "per_unit": "0.50",
        "regions": {"US-CA": {"per_shipment": "11.00"}, "US:606": {"per_shipment": "4.00", "per_unit": "0.10"}},
    },
    "priority": 20,
}


def test_a_store_reads_back_exactly_and_its_columns_serve_queries(database: Database) -> None:
    with database.session() as session:
        spec, created = save_location(session, parse_location(STORE))
    assert created and spec.capabilities == [Capability.PICKUP, Capability.SHIP_FROM_STORE]
    add_location(database, "sup1", kind="supplier", priority=50)
    add_location(database, "old", priority=1, active=False)
    with database.session() as session:
        again = get_location(session, "chi-loop")
        active = [s.id for s in list_locations(session, active=True)]
        suppliers = [s.id for s in list_locations(session, kind=LocationKind.SUPPLIER)]
    assert again == spec
    assert again.address is not None and again.address.country == "US" and again.country == "US"
    assert again.cost is not None and again.cost.currency == "USD"
    assert active == ["chi-loop", "sup1"] and suppliers == ["sup1"]


def test_saving_again_replaces_the_definition(database: Database) -> None:
    add_location(database, "dal1", priority=10)
    with database.session() as session:
        spec, created = save_location(session, parse_location(STORE | {"id": "dal1", "active": False}))
    assert not created
    with database.session() as session:
        assert get_location(session, "dal1").kind is LocationKind.STORE
        assert [s.id for s in list_locations(session, active=False)] == ["dal1"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "depot"}, "kind: Input should be 'warehouse', 'store', '3pl' or 'supplier'"),
        ({"id": "has space"}, "id: String should match pattern"),
        ({"coordinates": {"latitude": 91, "longitude": 0}}, "coordinates.latitude: Input should be less than"),
        ({"cutoff": {"time": "16:30", "timezone": "Mars/Olympus"}}, "'Mars/Olympus' is not an IANA time zone"),
        ({"cost": {"currency": "USD", "per_unit": "-1"}}, "cost.per_unit: Input should be greater than or equal"),
        ({"cost": {"currency": "USD", "regions": {"California": {}}}}, "cost.regions.California.[key]"),
        ({"kind": "warehouse"}, "ship_from_store is a capability of stores only"),
        ({"address": {"country": "US"}}, "a pickup location needs an address with line1 and city"),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
    ],
)
def test_bad_locations_are_refused_naming_the_field(change: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidLocation) as caught:
        parse_location(STORE | change)
    assert message in str(caught.value)
    assert str(caught.value).startswith("location")


def test_a_shipping_location_needs_somewhere_to_measure_from() -> None:
    bare = {"id": "x", "name": "X", "kind": "warehouse", "capabilities": ["ship"]}
    with pytest.raises(InvalidLocation, match="needs coordinates, a postal_region or an address with a postal_code"):
        parse_location(bare)
    assert parse_location(bare | {"postal_region": "US:100"}).postal_region == "US:100"
    with pytest.raises(InvalidLocation, match="customers cannot pick up"):
        parse_location(bare | {"kind": "supplier", "capabilities": ["pickup"], "address": STORE["address"]})


def test_an_unknown_location_says_how_to_add_one(database: Database) -> None:
    with database.session() as session, pytest.raises(UnknownLocation, match="orderhub location add"):
        get_location(session, "nowhere")


def test_next_cutoff_in_the_locations_zone_skips_closed_days() -> None:
    cutoff = Cutoff(time="15:00", timezone="America/New_York")  # type: ignore[arg-type]
    friday_morning = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # 09:00 in New York
    assert cutoff.next_cutoff(friday_morning).isoformat() == "2026-11-20T15:00:00-05:00"
    friday_late = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)  # 16:00 in New York: missed
    assert cutoff.next_cutoff(friday_late).isoformat() == "2026-11-23T15:00:00-05:00"  # Monday
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert cutoff.next_cutoff(summer).utcoffset().total_seconds() == -4 * 3600  # type: ignore[union-attr]


def test_cost_estimate_uses_the_most_specific_region() -> None:
    cost = CostProfile.model_validate(STORE["cost"])
    assert cost.estimate(2, "US", "TX", "75201") == Decimal("8.00")
    assert cost.estimate(2, "US", "CA", "94105") == Decimal("12.00")  # per shipment from US-CA, per unit default
    assert cost.estimate(3, "US", "IL", "60614") == Decimal("4.30")  # postal prefix wins over everything


def test_a_supplier_location_is_found_by_its_partners_code(database: Database) -> None:
    from hub.db.models import Partner

    with database.session() as session:
        session.add(Partner(id="acme", name="Acme", kind="supplier", profile={}))
    add_location(database, "acme-dropship", kind="supplier", partner_id="acme", external_id="SUP1")
    with database.session() as session:
        found = location_for_partner(session, "acme", "SUP1")
        assert found is not None and found.id == "acme-dropship"
        assert location_for_partner(session, "acme", "OTHER") is None
        assert location_for_partner(session, "acme", None) is not None  # its only location
