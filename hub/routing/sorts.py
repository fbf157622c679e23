"""The sorts a rule's pipeline may name. Each gives a candidate a key (lower ranks first) and the figure
the trace shows; several sorts rank lexicographically in the order the rule writes them, so a later sort
only breaks the ties an earlier one leaves (``bucket_km`` makes near-equal distances tie on purpose)."""

from __future__ import annotations

from hub.routing.context import RoutingContext
from hub.routing.snapshot import Location
from hub.routing.steps import Params, SortKey, routing_sort


@routing_sort("nearest")
def nearest(location: Location, context: RoutingContext, params: Params) -> SortKey:
    """Great-circle distance to the ship-to; by postal area, region and country when a point is missing."""
    near = context.closeness(location)
    return SortKey(near.key(float(params["bucket_km"])), near.shown)


@routing_sort("cheapest")
def cheapest(location: Location, context: RoutingContext, params: Params) -> SortKey:
    """Estimated cost of shipping the whole order from the location (base + per unit + destination
    surcharge); locations without a cost profile rank after every priced one."""
    cost = context.shipping_cost(location)
    if cost is None:
        return SortKey((1, 0), "no cost profile")
    return SortKey((0, cost), format(cost, "f"))


@routing_sort("priority")
def priority(location: Location, context: RoutingContext, params: Params) -> SortKey:
    return SortKey(location.priority, location.priority)


@routing_sort("fewest_splits")
def fewest_splits(location: Location, context: RoutingContext, params: Params) -> SortKey:
    """Locations that can fill more of the order's SKUs completely first, then more units."""
    short = len(context.shortfalls(location))
    units = context.fillable_units(location)
    filled = len(context.demand) - short
    return SortKey(
        (short, -units), f"fills {filled} of {len(context.demand)} SKUs, {units} of {context.total_units} units"
    )


@routing_sort("most_stock")
def most_stock(location: Location, context: RoutingContext, params: Params) -> SortKey:
    """Deepest stock of the order's SKUs first, which spreads orders toward the fullest locations."""
    units = sum(location.available(sku) for sku in context.demand)
    return SortKey(-units, units)


@routing_sort("earliest_ship")
def earliest_ship(location: Location, context: RoutingContext, params: Params) -> SortKey:
    """The location whose cutoff and shipping days let it ship soonest first."""
    day = context.ship_date(location)
    return SortKey(day, day.isoformat())


@routing_sort("kind_order")
def kind_order(location: Location, context: RoutingContext, params: Params) -> SortKey:
    """Kinds in the order the rule lists them (``order: [store, warehouse]`` prefers stores); kinds not
    listed come last."""
    order: list[str] = list(params["order"])
    place = order.index(location.kind) if location.kind in order else len(order)
    return SortKey(place, str(location.kind))
