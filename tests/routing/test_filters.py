"""Each filter a rule can name: which locations it keeps, and the reason it gives for each one it drops."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.routing.steps import FilterResult
from tests.routing.builders import NYC, make_context, make_location, make_order, run_filter

WAREHOUSE = make_location("wh", stock={"A": 2, "B": 1})
STORE_SHIPS = make_location("store-sfs", "store", capabilities=["pickup", "ship_from_store"])
STORE_PICKUP = make_location("store-pick", "store", capabilities=["pickup"])
SUPPLIER = make_location("acme", "supplier", stock={"A": 9})


def kept(result: FilterResult) -> list[str]:
    return [location.id for location in result.kept]


def reasons(result: FilterResult) -> dict[str, str]:
    return {item.location.id: item.reason for item in result.dropped}


def test_can_ship_keeps_shipping_locations_and_stores_that_ship_from_their_shelves() -> None:
    order = make_order()
    result = run_filter("can_ship", [WAREHOUSE, STORE_SHIPS, STORE_PICKUP], make_context(order))
    assert kept(result) == ["wh", "store-sfs"]
    assert reasons(result) == {"store-pick": "cannot ship to a buyer (capabilities: pickup)"}


def test_can_pickup_keeps_only_pickup_locations() -> None:
    result = run_filter("can_pickup", [WAREHOUSE, STORE_SHIPS, STORE_PICKUP], make_context(make_order()))
    assert kept(result) == ["store-sfs", "store-pick"]
    assert reasons(result) == {"wh": "offers no pickup (capabilities: ship)"}


def test_has_all_stock_names_what_a_location_lacks() -> None:
    order = make_order(lines=[{"line_id": "1", "sku": "A", "quantity": 2}, {"line_id": "2", "sku": "B", "quantity": 2}])
    full = make_location("full", stock={"A": 5, "B": 5})
    result = run_filter("has_all_stock", [WAREHOUSE, full], make_context(order))
    assert kept(result) == ["full"]
    assert reasons(result) == {"wh": "lacks B 1 of 2"}


def test_has_any_stock_can_count_incoming_stock_and_preorders() -> None:
    order = make_order(lines=[{"line_id": "1", "sku": "A", "quantity": 1}])
    empty = make_location("empty", stock={"A": 0})
    arriving = make_location("arriving", stock={"A": {"available": 0, "incoming": [{"quantity": 4}]}})
    preorder = make_location("preorder", stock={"A": {"available": -1, "preorder": {"remaining": 3}}})
    context = make_context(order)
    now_only = run_filter("has_any_stock", [WAREHOUSE, empty, arriving, preorder], context)
    assert kept(now_only) == ["wh"]
    assert reasons(now_only)["empty"] == "has none of the order's SKUs available"
    future = run_filter("has_any_stock", [WAREHOUSE, empty, arriving, preorder], context, include_future=True)
    assert kept(future) == ["wh", "arriving", "preorder"]
    assert reasons(future) == {"empty": "has none of the order's SKUs available, incoming or on pre-order"}


def test_kind_includes_and_excludes() -> None:
    context = make_context(make_order())
    candidates = [WAREHOUSE, STORE_SHIPS, SUPPLIER]
    only = run_filter("kind", candidates, context, include=["warehouse", "supplier"])
    assert kept(only) == ["wh", "acme"]
    assert reasons(only) == {"store-sfs": "is a store; the rule takes only warehouse, supplier"}
    without = run_filter("kind", candidates, context, exclude=["supplier"])
    assert kept(without) == ["wh", "store-sfs"]
    assert reasons(without) == {"acme": "is a supplier, which the rule excludes"}


def test_location_matches_ids_and_aliases_without_regard_to_case() -> None:
    aliased = make_location("store-brooklyn", "store", aliases=["Store-12"])
    context = make_context(make_order())
    only = run_filter("location", [WAREHOUSE, aliased], context, include=["store-12"])
    assert kept(only) == ["store-brooklyn"]
    assert reasons(only) == {"wh": "is not one of the locations the rule takes (store-12)"}
    assert kept(run_filter("location", [WAREHOUSE, aliased], context, exclude=["WH"])) == ["store-brooklyn"]


def test_within_distance_measures_from_the_placed_ship_to() -> None:
    near = make_location("nj", coordinates=[40.73, -74.17])
    far = make_location("il", coordinates=[41.88, -87.63])
    unknown = make_location("nowhere")
    context = make_context(make_order(), postal_points=NYC)
    result = run_filter("within_distance", [near, far, unknown], context, km=300)
    assert kept(result) == ["nj", "nowhere"]
    assert reasons(result)["il"].startswith("is 11") and reasons(result)["il"].endswith("km away, beyond 300 km")
    strict = run_filter("within_distance", [near, far, unknown], context, km=300, unknown="drop")
    assert kept(strict) == ["nj"]
    assert "its distance is unknown" in reasons(strict)["nowhere"]


def test_same_country_compares_the_location_address_or_postal_region() -> None:
    toronto = make_location("to", address={"country": "CA"})
    newark = make_location("nwk", postal_region="US:071")
    unknown = make_location("nowhere")
    context = make_context(make_order())
    result = run_filter("same_country", [toronto, newark, unknown], context)
    assert kept(result) == ["nwk", "nowhere"]
    assert reasons(result) == {"to": "is in CA, the order ships to US"}
    assert kept(run_filter("same_country", [toronto, newark, unknown], context, unknown="drop")) == ["nwk"]


def test_before_cutoff_drops_locations_that_no_longer_ship_today() -> None:
    east = make_location("east", cutoff={"time": "15:00", "timezone": "America/New_York"})
    west = make_location("west", cutoff={"time": "15:00", "timezone": "America/Los_Angeles"})
    no_cutoff = make_location("any")
    at = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)  # 16:00 in New York, 13:00 in Los Angeles
    result = run_filter("before_cutoff", [east, west, no_cutoff], make_context(make_order(), now=at))
    assert kept(result) == ["west", "any"]
    assert reasons(result) == {
        "east": "past its 15:00 America/New_York cutoff (local time 16:00); ships on 2026-03-03",
    }


def test_before_cutoff_on_a_day_without_shipping_names_the_next_ship_day() -> None:
    east = make_location("east", cutoff={"time": "15:00", "timezone": "America/New_York"})
    sunday = datetime(2026, 3, 8, 14, 0, tzinfo=UTC)
    result = run_filter("before_cutoff", [east, make_location("any")], make_context(make_order(), now=sunday))
    assert reasons(result) == {"east": "does not ship on Sun 2026-03-08; ships on 2026-03-09"}


def test_before_cutoff_keeps_everyone_when_nobody_ships_today_unless_told_to_drop() -> None:
    east = make_location("east", cutoff={"time": "15:00", "timezone": "America/New_York"})
    late = make_location("late", cutoff={"time": "09:00", "timezone": "America/New_York", "days": ["tue"]})
    context = make_context(make_order(), now=datetime(2026, 3, 2, 22, 0, tzinfo=UTC))
    result = run_filter("before_cutoff", [east, late], context)
    assert kept(result) == ["east", "late"] and not result.dropped
    assert result.note == "every candidate is past its cutoff: all kept, the earliest ships on 2026-03-03"
    assert kept(run_filter("before_cutoff", [east, late], context, if_none_left="drop")) == []


def test_pickup_location_named_by_an_attribute_a_store_party_or_the_shipping_method() -> None:
    brooklyn = make_location("store-brooklyn", "store", capabilities=["pickup"], aliases=["12"])
    soho = make_location("store-soho", "store", capabilities=["pickup"], aliases=["11"])
    by_attribute = make_order(attributes={"Pickup_Location": "12"})
    by_party = make_order(parties=[{"role": "store", "id": "12", "id_qualifier": "92"}])
    by_method = make_order(shipping_method="pickup:12")
    for order, source in (
        (by_attribute, "attribute pickup_location"),
        (by_party, "the store party"),
        (by_method, "shipping method 'pickup:12'"),
    ):
        result = run_filter("pickup_location", [soho, brooklyn], make_context(order))
        assert kept(result) == ["store-brooklyn"]
        assert reasons(result) == {"store-soho": f"is not the pickup location the order names ('12', from {source})"}


def test_pickup_location_when_the_order_names_none_or_an_unknown_one() -> None:
    soho = make_location("store-soho", "store", capabilities=["pickup"])
    unnamed = make_context(make_order())
    dropped = run_filter("pickup_location", [soho], unnamed)
    assert kept(dropped) == []
    assert reasons(dropped)["store-soho"].startswith(
        "the order names no pickup location (looked at attributes pickup_location"
    )
    optional = run_filter("pickup_location", [soho], unnamed, required=False)
    assert kept(optional) == ["store-soho"] and optional.note
    unknown = run_filter("pickup_location", [soho], make_context(make_order(attributes={"store": "99"})))
    assert kept(unknown) == [] and unknown.note == "no candidate location answers to '99' (from attribute store)"
