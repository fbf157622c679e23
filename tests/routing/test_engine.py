"""Engine behaviour around the plan: rules that match nothing, order holds, routing the rest of an order
again, what the caller commits, and the readable summary."""

from __future__ import annotations

from datetime import datetime

import pytest

from hub.routing import Outcome, decide, default_rules
from hub.routing.explain import explain
from tests.routing.builders import NOW, make_location, make_order, make_rules, make_snapshot, one_rule

STOCKED = make_snapshot(
    make_location("wh-a", stock={"A": 5, "B": 5, "SKU-A": 5}), make_location("wh-b", stock={"A": 5, "B": 5})
)


def test_an_order_no_rule_matches_is_held_with_each_rule_s_reason() -> None:
    rules = make_rules({"rules": [{"name": "edi-only", "when": {"channel": "edi"}, "pipeline": []}]})
    decision = decide(make_order(lines=[{"line_id": "1", "sku": "A", "quantity": 1}]), STOCKED, rules, NOW)
    assert (decision.outcome, decision.rule) == (Outcome.HELD, None)
    hold = decision.line("1").hold
    assert hold is not None and hold.code == "no_rule"
    assert hold.reason == "no rule in test-rules.yaml matches this order"
    assert decision.trace["rule"]["passed_over"] == [{"rule": "edi-only", "why": "channel 'shopify' is not 'edi'"}]


def test_orders_without_a_ship_to_and_test_orders_are_held_by_default() -> None:
    rules = one_rule({"filter": "can_ship"})
    no_address = decide(make_order(ship_to=None), STOCKED, rules, NOW)
    assert [hold["code"] for hold in no_address.trace["holds"]] == ["no_ship_to"]
    test_order = decide(make_order(test=True), STOCKED, rules, NOW)
    assert test_order.outcome == Outcome.HELD and test_order.line("1").hold.code == "test_order"  # type: ignore[union-attr]
    allowed = make_rules({"rules": [{"name": "r", "pipeline": [], "policy": {"hold": {"test_orders": False}}}]})
    assert decide(make_order(test=True), STOCKED, allowed, NOW).outcome == Outcome.ROUTED


def test_an_order_with_nothing_to_ship_needs_no_location_and_no_address() -> None:
    gift_card = {"line_id": "1", "sku": "GC", "quantity": 1, "requires_shipping": False}
    decision = decide(make_order(ship_to=None, lines=[gift_card]), STOCKED, default_rules(), NOW)
    assert decision.outcome == Outcome.NOTHING_TO_ROUTE and decision.wait is None
    assert decision.commitments() == []


def test_routing_the_rest_again_counts_earlier_allocations_toward_the_split_limit() -> None:
    order = make_order(lines=[{"line_id": "1", "sku": "A", "quantity": 4}, {"line_id": "2", "sku": "B", "quantity": 2}])
    snapshot = make_snapshot(make_location("wh-a", stock={"B": 2}), make_location("wh-b", stock={"A": 9, "B": 9}))
    rules = one_rule({"filter": "can_ship"}, allow_split=2, allow_backorder=True)
    # an earlier decision placed 1 of A at wh-old (a third location): only one more location may be added
    decision = decide(order, snapshot, rules, NOW, prior={"1": {"wh-old": 1}})
    line = decision.line("1")
    assert line.already_allocated == 1 and [(a.location, a.quantity) for a in line.allocations] == [("wh-b", 3)]
    assert [(a.location, a.quantity) for a in decision.line("2").allocations] == [("wh-b", 2)]
    assert decision.outcome == Outcome.ROUTED


def test_commitments_are_what_the_caller_writes() -> None:
    order = make_order(lines=[{"line_id": "1", "sku": "A", "quantity": 7}])
    decision = decide(order, STOCKED, one_rule({"filter": "can_ship"}, allow_split=2), NOW)
    assert [(c.line_id, c.sku, c.location, c.quantity) for c in decision.commitments()] == [
        ("1", "A", "wh-a", 5),
        ("1", "A", "wh-b", 2),
    ]


def test_awaiting_names_the_skus_whose_arrival_should_route_the_order_again() -> None:
    order = make_order(
        lines=[
            {"line_id": "1", "sku": "A", "quantity": 7},
            {"line_id": "2", "sku": "C", "quantity": 2},
            {"line_id": "3", "sku": "A", "quantity": 1},
        ]
    )
    decision = decide(order, STOCKED, one_rule({"filter": "can_ship"}, allow_split=False, allow_backorder=True), NOW)
    assert decision.outcome == Outcome.PARTIALLY_ROUTED
    assert decision.awaiting() == {"A": 3, "C": 2}


def test_decide_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(make_order(), STOCKED, default_rules(), datetime(2026, 3, 2, 16, 0))


def test_the_summary_of_a_held_order_says_why_and_when_it_is_looked_at_again() -> None:
    decision = decide(make_order(payment_status="pending"), STOCKED, default_rules(), NOW)
    text = explain(decision)
    assert "Outcome: held" in text
    assert "Held: payment status is pending, which the rule holds until it changes" in text
    assert "1 SKU-A x 1: 1 held: payment status is pending" in text
    assert (
        "Waiting: route again at 2026-03-02T17:00:00+00:00; cancel what is unplaced at 2026-04-01T12:00:00+00:00"
        in text
    )
