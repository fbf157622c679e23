"""Each sort a rule can name, seen as a merchant sees it: the ranking in the decision's trace, with the
figure each sort showed and the sort that put each location above the next."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hub.routing import decide
from hub.routing.snapshot import Location
from tests.routing.builders import NOW, NYC, make_location, make_order, make_snapshot, one_rule


def ranked(
    *sorts: dict[str, Any], locations: list[Location], order: Any = None, now: datetime = NOW
) -> list[dict[str, Any]]:
    rules = one_rule(*sorts, allow_split=True)
    decision = decide(order or make_order(), make_snapshot(*locations, postal_points=NYC), rules, now)
    return [entry for entry in decision.trace["ranking"] if entry["group"] == "own"]


def ids(ranking: list[dict[str, Any]]) -> list[str]:
    return [entry["location"] for entry in ranking]


def make_location_at(location_id: str, fields: dict[str, Any], kind: str = "warehouse", **more: Any) -> Location:
    fields = {"stock": {"SKU-A": 5}} | fields | more
    return make_location(location_id, kind, **fields)


NJ = {"coordinates": [40.73, -74.17]}
PA = {"coordinates": [39.95, -75.16]}
IL = {"coordinates": [41.88, -87.63]}


def test_nearest_ranks_by_great_circle_distance_and_shows_it() -> None:
    ranking = ranked(
        {"sort": "nearest"},
        locations=[make_location_at("il", IL), make_location_at("nj", NJ), make_location_at("pa", PA)],
    )
    assert ids(ranking) == ["nj", "pa", "il"]
    assert ranking[0]["keys"]["sort nearest"] == "15.3 km"  # Newark to the centroid of 100xx
    assert ranking[0]["ahead_of_next_by"] == "sort nearest"


def test_nearest_with_a_bucket_lets_the_next_sort_decide_between_close_locations() -> None:
    nj = make_location_at("nj", NJ, priority=50)
    pa = make_location_at("pa", PA, priority=1)
    ranking = ranked({"sort": "nearest", "bucket_km": 200}, {"sort": "priority"}, locations=[nj, pa])
    assert ids(ranking) == ["pa", "nj"]
    assert ranking[0]["ahead_of_next_by"] == "sort priority"


def test_nearest_without_coordinates_falls_back_to_postal_area_region_and_country() -> None:
    other_country = make_location_at("toronto", {"address": {"country": "CA", "postal_code": "M5V"}})
    same_country = make_location_at("texas", {"address": {"country": "US", "region": "TX", "postal_code": "75001"}})
    same_region = make_location_at("albany", {"address": {"country": "US", "region": "NY", "postal_code": "12207"}})
    same_area = make_location_at("queens", {"postal_region": "US:104"})
    unknown = make_location_at("nowhere", {})
    order = make_order(ship_to={"country": "US", "region": "NY", "postal_code": "10462"})
    locations = [unknown, other_country, same_country, same_region, same_area]
    ranking = ranked({"sort": "nearest"}, locations=locations, order=order)
    assert ids(ranking)[:3] == ["queens", "albany", "texas"]
    assert set(ids(ranking)[3:]) == {"toronto", "nowhere"}  # neither can be compared: they tie last
    shown = {entry["location"]: entry["keys"]["sort nearest"] for entry in ranking}
    assert shown["queens"] == "no coordinates; same postal area (104)"
    assert shown["albany"] == "no coordinates; same region (NY)"


def test_a_location_without_coordinates_is_placed_by_its_postal_region() -> None:
    placed = make_location_at("manhattan", {"postal_region": "US:100"})
    ranking = ranked({"sort": "nearest"}, locations=[make_location_at("pa", PA), placed])
    assert ids(ranking) == ["manhattan", "pa"] and ranking[0]["keys"]["sort nearest"] == "0.0 km"


def test_cheapest_uses_the_most_specific_destination_price_and_puts_unpriced_last() -> None:
    flat = make_location_at("flat", {"cost": {"per_shipment": "5.00", "per_unit": "1.00"}})
    regional = make_location_at(
        "regional",
        {
            "cost": {
                "per_shipment": "9.00",
                "per_unit": "1.00",
                "regions": {"US-NY": {"per_shipment": "2.50"}, "US": {"per_unit": "9"}},
            }
        },
    )
    unpriced = make_location_at("unpriced", {})
    order = make_order(lines=[{"line_id": "1", "sku": "SKU-A", "quantity": 2}])
    ranking = ranked({"sort": "cheapest"}, locations=[unpriced, flat, regional], order=order)
    assert ids(ranking) == ["flat", "regional", "unpriced"]
    shown = {entry["location"]: entry["keys"]["sort cheapest"] for entry in ranking}
    # flat: 5 + 2 x 1; regional: the NY shipment price, but the per-unit price of the country
    assert shown == {"flat": "7.00", "regional": "20.50", "unpriced": "no cost profile"}


def test_priority_prefers_the_lower_number() -> None:
    locations = [
        make_location_at("b", {"priority": 20}),
        make_location_at("a", {"priority": 5}),
        make_location_at("c", {}),
    ]
    assert ids(ranked({"sort": "priority"}, locations=locations)) == ["a", "b", "c"]


def test_fewest_splits_prefers_locations_that_fill_more_of_the_order() -> None:
    order = make_order(lines=[{"line_id": "1", "sku": "A", "quantity": 2}, {"line_id": "2", "sku": "B", "quantity": 2}])
    half = make_location_at("half", {"stock": {"A": 2, "B": 1}})
    complete = make_location_at("complete", {"stock": {"A": 2, "B": 2}})
    one_sku = make_location_at("one-sku", {"stock": {"A": 5}})
    ranking = ranked({"sort": "fewest_splits"}, locations=[one_sku, half, complete], order=order)
    assert ids(ranking) == ["complete", "half", "one-sku"]
    assert ranking[0]["keys"]["sort fewest_splits"] == "fills 2 of 2 SKUs, 4 of 4 units"


def test_most_stock_prefers_the_deepest_stock_of_the_order_skus() -> None:
    locations = [
        make_location_at("thin", {"stock": {"SKU-A": 2}}),
        make_location_at("deep", {"stock": {"SKU-A": 40, "OTHER": 99}}),
    ]
    ranking = ranked({"sort": "most_stock"}, locations=locations)
    assert ids(ranking) == ["deep", "thin"] and ranking[0]["keys"]["sort most_stock"] == 40


def test_earliest_ship_follows_cutoffs_and_shipping_days() -> None:
    friday_evening = datetime(2026, 3, 6, 23, 0, tzinfo=UTC)
    weekdays = make_location_at("weekdays", {"cutoff": {"time": "15:00", "timezone": "America/New_York"}})
    saturdays = make_location_at(
        "saturdays", {"cutoff": {"time": "15:00", "timezone": "America/New_York", "days": ["fri", "sat"]}}
    )
    ranking = ranked({"sort": "earliest_ship"}, locations=[weekdays, saturdays], now=friday_evening)
    assert ids(ranking) == ["saturdays", "weekdays"]
    assert [entry["keys"]["sort earliest_ship"] for entry in ranking] == ["2026-03-07", "2026-03-09"]


def test_kind_order_ranks_kinds_as_listed_and_unlisted_kinds_last() -> None:
    locations = [
        make_location_at("supplier", {}, kind="supplier"),
        make_location_at("store", {"capabilities": ["ship_from_store"]}, kind="store"),
        make_location_at("wh", {}),
    ]
    ranking = ranked({"sort": "kind_order", "order": ["store", "warehouse"]}, locations=locations)
    assert ids(ranking) == ["store", "wh"]  # the supplier ranks in its own group


def test_equal_keys_keep_the_snapshot_order_and_say_so() -> None:
    ranking = ranked({"sort": "priority"}, locations=[make_location_at("first", {}), make_location_at("second", {})])
    assert ids(ranking) == ["first", "second"] and ranking[0]["ahead_of_next_by"] == "tie: snapshot order"
