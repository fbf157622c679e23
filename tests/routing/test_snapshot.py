"""Stock snapshots: what they accept and refuse (with the field path), cutoff calendars, cost estimates,
and lowering a location's stock after a lost race."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from hub.routing import SnapshotError, read_snapshot
from hub.routing.snapshot import CostProfile, Cutoff
from tests.routing.builders import make_location, make_snapshot


def refused(data: object) -> str:
    with pytest.raises(SnapshotError) as caught:
        read_snapshot(data, "stock.json")
    return str(caught.value)


def test_snapshot_errors_name_the_file_and_field_path() -> None:
    assert refused({"locations": [{"id": "a", "kind": "depot"}]}).startswith(
        "stock.json: not a valid stock snapshot: locations[0].kind: Input should be 'warehouse', 'store', '3pl' or"
    )
    message = refused({"locations": [{"id": "a", "kind": "warehouse", "stock": {"X": {"available": "lots"}}}]})
    assert "locations[0].stock.X.available: Input should be a valid integer" in message
    message = refused({"locations": [{"id": "a", "kind": "store"}, {"id": "a", "kind": "store"}]})
    assert "location id 'a' appears twice" in message
    message = refused(
        {"locations": [{"id": "a", "kind": "store", "cutoff": {"time": "15:00", "timezone": "Mars/Base"}}]}
    )
    assert "locations[0].cutoff.timezone: unknown time zone 'Mars/Base': use an IANA name" in message
    assert "postal point key 'NYC' must be COUNTRY:POSTAL_PREFIX" in refused({"postal_points": {"NYC": [1, 2]}})
    message = refused({"locations": [{"id": "a", "kind": "store", "cost": {"regions": {"California": {}}}}]})
    assert "region key 'California' must be a country (US), a country-region (US-CA)" in message


def test_coordinates_as_a_pair_or_an_object() -> None:
    snapshot = read_snapshot(
        {
            "locations": [
                {"id": "a", "kind": "warehouse", "coordinates": [40.7, -74.0]},
                {"id": "b", "kind": "warehouse", "coordinates": {"latitude": 41.0, "longitude": -87.6}},
            ]
        }
    )
    assert [loc.coordinates.latitude for loc in snapshot.locations if loc.coordinates] == [40.7, 41.0]
    assert "latitude: Input should be less than or equal to 90" in refused(
        {"locations": [{"id": "a", "kind": "store", "coordinates": [123, 4]}]}
    )


def test_negative_available_counts_as_none() -> None:
    assert make_location("a", stock={"X": -4}).available("X") == 0
    assert make_location("a").available("unknown-sku") == 0


@pytest.mark.parametrize(
    ("now", "ships"),
    [
        (datetime(2026, 3, 2, 19, 59, tzinfo=UTC), date(2026, 3, 2)),  # Monday 14:59 in New York
        (datetime(2026, 3, 2, 20, 0, tzinfo=UTC), date(2026, 3, 3)),  # at the cutoff: tomorrow
        (datetime(2026, 3, 6, 21, 0, tzinfo=UTC), date(2026, 3, 9)),  # Friday after the cutoff: Monday
        (datetime(2026, 3, 7, 12, 0, tzinfo=UTC), date(2026, 3, 9)),  # Saturday: Monday
        (datetime(2026, 4, 2, 19, 30, tzinfo=UTC), date(2026, 4, 6)),  # Thursday 15:30 EDT; Friday is closed
    ],
)
def test_cutoff_ship_dates_follow_the_local_clock_days_and_closures(now: datetime, ships: date) -> None:
    cutoff = Cutoff.model_validate({"time": "15:00", "timezone": "America/New_York", "closed": ["2026-04-03"]})
    assert cutoff.ship_date(now) == ships


def test_cutoff_in_daylight_saving_time_uses_the_local_offset() -> None:
    cutoff = Cutoff.model_validate({"time": "15:00", "timezone": "America/New_York"})
    # 18:30 UTC is 14:30 in New York in April (UTC-4) but would be 13:30 in winter: both before 15:00
    assert cutoff.ship_date(datetime(2026, 4, 1, 18, 30, tzinfo=UTC)) == date(2026, 4, 1)
    # 19:30 UTC is 15:30 in April (after the cutoff) yet 14:30 in January (before it)
    assert cutoff.ship_date(datetime(2026, 4, 1, 19, 30, tzinfo=UTC)) == date(2026, 4, 2)
    assert cutoff.ship_date(datetime(2026, 1, 7, 19, 30, tzinfo=UTC)) == date(2026, 1, 7)


def test_cost_estimate_takes_each_figure_from_the_most_specific_region() -> None:
    cost = CostProfile.model_validate(
        {
            "per_shipment": "6.00",
            "per_unit": "1.00",
            "regions": {"US:941": {"per_shipment": "3.00"}, "US-CA": {"per_unit": "0.80"}, "US": {"per_shipment": "5"}},
        }
    )
    assert cost.estimate(2, "US", "CA", "94107") == Decimal("4.60")  # postal prefix shipment, region unit price
    assert cost.estimate(2, "US", "CA", "90001") == Decimal("6.60")  # country shipment, region unit price
    assert cost.estimate(2, "US", "TX", "75001") == Decimal("7.00")
    assert cost.estimate(2, "DE", None, "10115") == Decimal("8.00")  # no region applies


def test_with_available_lowers_one_figure_and_leaves_the_snapshot_it_came_from() -> None:
    snapshot = make_snapshot(make_location("a", stock={"X": 5, "Y": 2}), make_location("b", stock={"X": 1}))
    lowered = snapshot.with_available("a", "X", 1)
    assert lowered.location("a").available("X") == 1 and lowered.location("a").available("Y") == 2
    assert snapshot.location("a").available("X") == 5
    assert lowered.with_available("b", "NEW", 3).location("b").available("NEW") == 3
    with pytest.raises(KeyError):
        snapshot.with_available("nowhere", "X", 0)
