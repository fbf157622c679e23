"""Small builders for routing tests: an order written with only what routing reads, locations and snapshots
from a few keywords, and rule sets from YAML text. Everything they build goes through the real models."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any, cast

import yaml

from hub.canonical import Order
from hub.routing import RuleSet, Snapshot, parse_rules, read_snapshot
from hub.routing.context import RoutingContext
from hub.routing.rulefile import schema_defaults
from hub.routing.snapshot import Location
from hub.routing.steps import FilterResult, registered

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # a Monday: 11:00 in New York, 08:00 in Los Angeles
NYC = {"US:100": [40.75, -73.99]}


def order_data(short: dict[str, Any]) -> dict[str, Any]:
    """A complete order.v1 from a short one: lines need only line_id, sku and quantity; prices, totals and
    the identifying fields get plain defaults."""
    data = copy.deepcopy(short)
    data.setdefault("channel", "shopify")
    data.setdefault("channel_order_id", "1001")
    data.setdefault("placed_at", "2026-03-02T12:00:00Z")
    data.setdefault("currency", "USD")
    data.setdefault("payment_status", "paid")
    total = 0
    for line in data["lines"]:
        line.setdefault("name", line.get("sku") or "item")
        line.setdefault("unit_price", {"amount": "10.00", "currency": "USD"})
        line.setdefault("total", {"amount": f"{10 * int(line['quantity'])}.00", "currency": "USD"})
        total += 10 * int(line["quantity"])
    zero = {"amount": "0.00", "currency": "USD"}
    amount = {"amount": f"{total}.00", "currency": "USD"}
    data.setdefault("totals", {"subtotal": amount, "discount": zero, "shipping": zero, "tax": zero, "total": amount})
    return data


def make_order(**short: Any) -> Order:
    short.setdefault("ship_to", {"country": "US", "region": "NY", "postal_code": "10001"})
    short.setdefault("lines", [{"line_id": "1", "sku": "SKU-A", "quantity": 1}])
    return Order.model_validate(order_data(short))


def make_location(location_id: str, kind: str = "warehouse", **fields: Any) -> Location:
    """A location; ``stock`` may give plain numbers ({"SKU-A": 3}) for available units."""
    fields.setdefault("capabilities", ["pickup"] if kind == "store" else ["ship"])
    stock = fields.pop("stock", {})
    fields["stock"] = {sku: {"available": level} if isinstance(level, int) else level for sku, level in stock.items()}
    return Location.model_validate({"id": location_id, "kind": kind, **fields})


def make_snapshot(*locations: Location, postal_points: dict[str, Any] | None = None) -> Snapshot:
    return read_snapshot(
        {"locations": [loc.model_dump(mode="json") for loc in locations], "postal_points": postal_points or {}}
    )


def make_rules(text_or_data: str | dict[str, Any], source: str = "test-rules.yaml") -> RuleSet:
    text = text_or_data if isinstance(text_or_data, str) else yaml.safe_dump(text_or_data, sort_keys=False)
    return parse_rules(text, source)


def one_rule(*pipeline: dict[str, Any], **policy: Any) -> RuleSet:
    """A rule set of one catch-all rule with this pipeline and policy."""
    return make_rules({"version": 1, "rules": [{"name": "only", "pipeline": list(pipeline), "policy": policy}]})


def make_context(order: Order, *locations: Location, now: datetime = NOW, **points: Any) -> RoutingContext:
    """The context the engine builds for ``order``: demand per SKU of the lines that ship."""
    demand: dict[str, int] = {}
    for line in order.lines:
        if line.sku and line.requires_shipping:
            demand[line.sku] = demand.get(line.sku, 0) + line.quantity
    return RoutingContext(order, make_snapshot(*locations, postal_points=points.get("postal_points")), now, demand)


def run_filter(name: str, candidates: list[Location], context: RoutingContext, **params: Any) -> FilterResult:
    """The registered filter ``name`` with the schema's defaults and ``params``, as a rule would run it."""
    return cast(
        FilterResult, registered("filter")[name](candidates, context, schema_defaults(f"filter.{name}") | params)
    )
