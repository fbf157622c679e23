"""Properties of every plan, on random snapshots, orders and policies: stock is never over-promised, no
line gets more than it ordered, every unit is accounted for, the split limit holds, and deciding is
deterministic."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.canonical import Order
from hub.routing import Decision, decide
from hub.routing.snapshot import Snapshot
from tests.routing.builders import NOW, make_order, make_snapshot, one_rule
from tests.routing.builders import make_location as build_location

SKUS = ("A", "B", "C")
KINDS = ("warehouse", "store", "3pl", "supplier")
SORTS = ({"sort": "nearest"}, {"sort": "priority"}, {"sort": "fewest_splits"}, {"sort": "most_stock"})


@st.composite
def locations(draw: st.DrawFn, index: int) -> Any:
    kind = draw(st.sampled_from(KINDS))
    stock = {}
    for sku in draw(st.lists(st.sampled_from(SKUS), unique=True)):
        incoming = draw(st.lists(st.fixed_dictionaries({"quantity": st.integers(0, 6)}), max_size=2))
        preorder = draw(st.none() | st.fixed_dictionaries({"remaining": st.integers(0, 5)}))
        stock[sku] = {"available": draw(st.integers(-3, 9)), "incoming": incoming, "preorder": preorder}
    point = draw(st.none() | st.tuples(st.floats(25, 49), st.floats(-124, -67)))
    capabilities = ["ship_from_store", "pickup"] if kind == "store" else ["ship"]
    return build_location(
        f"loc-{index}",
        kind,
        stock=stock,
        coordinates=point,
        priority=draw(st.integers(0, 5)),
        capabilities=capabilities,
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[Order, Snapshot, dict[str, Any]]:
    count = draw(st.integers(0, 6))
    snapshot = make_snapshot(
        *[draw(locations(index)) for index in range(count)], postal_points={"US:100": [40.75, -73.99]}
    )
    lines = [
        {"line_id": str(number), "sku": draw(st.sampled_from(SKUS)), "quantity": draw(st.integers(0, 8))}
        for number in range(1, draw(st.integers(1, 4)) + 1)
    ]
    policy = {
        "allow_split": draw(st.sampled_from([False, True, 1, 2, 3])),
        "allow_backorder": draw(st.booleans()),
        "allow_preorder": draw(st.booleans()),
        "allow_dropship": draw(st.booleans()),
    }
    return make_order(lines=lines), snapshot, policy


def decided(order: Order, snapshot: Snapshot, policy: dict[str, Any], sorts: list[dict[str, Any]]) -> Decision:
    return decide(order, snapshot, one_rule({"filter": "can_ship"}, *sorts, **policy), NOW)


def located_places(decision: Decision) -> set[str]:
    places = {item.location for line in decision.lines for item in line.allocations}
    places |= {item.location for line in decision.lines for item in line.backorders if item.location}
    return places | {item.location for line in decision.lines for item in line.preorders}


@settings(max_examples=300, deadline=None)
@given(cases(), st.lists(st.sampled_from(SORTS), max_size=3))
def test_plans_never_over_promise_and_respect_the_split_limit(
    case: tuple[Order, Snapshot, dict[str, Any]], sorts: list[dict[str, Any]]
) -> None:
    order, snapshot, policy = case
    decision = decided(order, snapshot, policy, sorts)
    allocated: dict[tuple[str, str], int] = {}
    incoming: dict[tuple[str, str], int] = {}
    preordered: dict[tuple[str, str], int] = {}
    for line, ordered in zip(decision.lines, order.lines, strict=True):
        assert line.quantity == ordered.quantity
        held = line.hold.quantity if line.hold else 0
        assert line.allocated <= line.quantity
        assert line.allocated + line.waiting + held == line.quantity  # every unit accounted for, once
        for item in line.allocations:
            key = (item.location, str(line.sku))
            allocated[key] = allocated.get(key, 0) + item.quantity
            assert item.dropship == (snapshot.location(item.location).kind == "supplier")
            assert policy["allow_dropship"] or not item.dropship
        for backorder in line.backorders:
            assert policy["allow_backorder"]
            if backorder.location:
                key = (backorder.location, str(line.sku))
                incoming[key] = incoming.get(key, 0) + backorder.quantity
        for preorder in line.preorders:
            assert policy["allow_preorder"]
            key = (preorder.location, str(line.sku))
            preordered[key] = preordered.get(key, 0) + preorder.quantity
    for (location, sku), units in allocated.items():
        assert units <= snapshot.location(location).available(sku)
    for (location, sku), units in incoming.items():
        assert units <= sum(arrival.quantity for arrival in snapshot.location(location).stock[sku].incoming)
    for (location, sku), units in preordered.items():
        allowance = snapshot.location(location).stock[sku].preorder
        assert allowance is not None and units <= allowance.remaining
    limit = {False: 1, True: None}.get(policy["allow_split"], policy["allow_split"])
    assert limit is None or len(located_places(decision)) <= limit
    json.dumps(decision.to_json())  # the trace is JSON as it is


@settings(max_examples=100, deadline=None)
@given(cases(), st.lists(st.sampled_from(SORTS), max_size=3))
def test_deciding_is_deterministic_and_a_lowered_location_is_avoided(
    case: tuple[Order, Snapshot, dict[str, Any]], sorts: list[dict[str, Any]]
) -> None:
    order, snapshot, policy = case
    first = decided(order, snapshot, policy, sorts)
    assert decided(order, snapshot, policy, sorts).to_json() == first.to_json()
    commitments = first.commitments()
    if commitments:
        lost = commitments[0]
        again = decided(order, snapshot.with_available(lost.location, lost.sku, 0), policy, sorts)
        assert all((item.location, item.sku) != (lost.location, lost.sku) for item in again.commitments()), (
            "a location whose stock ran out is allocated again"
        )
