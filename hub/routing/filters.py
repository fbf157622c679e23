"""The filters a rule's pipeline may name. Each drops the locations that cannot serve this order, and says
why in words a merchant understands; the parameters are declared in ``schemas/routing.schema.json``."""

from __future__ import annotations

from hub.canonical import Order, PartyRole
from hub.routing.context import RoutingContext
from hub.routing.snapshot import Capability, Location
from hub.routing.steps import Dropped, FilterResult, Params, location_filter, routing_filter


def _capabilities(location: Location) -> str:
    return ", ".join(sorted(location.capabilities)) or "none"


@location_filter("can_ship")
def can_ship(location: Location, context: RoutingContext, params: Params) -> str | None:
    if location.capabilities & {Capability.SHIP, Capability.SHIP_FROM_STORE}:
        return None
    return f"cannot ship to a buyer (capabilities: {_capabilities(location)})"


@location_filter("can_pickup")
def can_pickup(location: Location, context: RoutingContext, params: Params) -> str | None:
    if Capability.PICKUP in location.capabilities:
        return None
    return f"offers no pickup (capabilities: {_capabilities(location)})"


@location_filter("has_all_stock")
def has_all_stock(location: Location, context: RoutingContext, params: Params) -> str | None:
    missing = context.shortfalls(location)
    return "lacks " + ", ".join(str(item) for item in missing) if missing else None


@location_filter("has_any_stock")
def has_any_stock(location: Location, context: RoutingContext, params: Params) -> str | None:
    if context.fillable_units(location) > 0:
        return None
    if params["include_future"]:
        if context.future_units(location) > 0:
            return None
        return "has none of the order's SKUs available, incoming or on pre-order"
    return "has none of the order's SKUs available"


@location_filter("kind")
def of_kind(location: Location, context: RoutingContext, params: Params) -> str | None:
    include, exclude = params.get("include"), params.get("exclude") or []
    if include is not None and location.kind not in include:
        return f"is a {location.kind}; the rule takes only {', '.join(include)}"
    if location.kind in exclude:
        return f"is a {location.kind}, which the rule excludes"
    return None


@location_filter("location")
def named_locations(location: Location, context: RoutingContext, params: Params) -> str | None:
    include, exclude = params.get("include"), params.get("exclude") or []
    if include is not None and not any(location.answers_to(name) for name in include):
        return f"is not one of the locations the rule takes ({', '.join(include)})"
    if any(location.answers_to(name) for name in exclude):
        return "is excluded by the rule"
    return None


@location_filter("within_distance")
def within_distance(location: Location, context: RoutingContext, params: Params) -> str | None:
    near = context.closeness(location)
    if near.km is None:
        return None if params["unknown"] == "keep" else f"its distance is unknown ({near.shown})"
    if near.km > params["km"]:
        return f"is {near.km:.1f} km away, beyond {params['km']} km"
    return None


@location_filter("same_country")
def same_country(location: Location, context: RoutingContext, params: Params) -> str | None:
    wanted = context.destination.country
    country = context.place(location).country
    if wanted is None or country is None:
        return None if params["unknown"] == "keep" else "its country or the ship-to country is unknown"
    return None if country == wanted else f"is in {country}, the order ships to {wanted}"


@routing_filter("before_cutoff")
def before_cutoff(candidates: list[Location], context: RoutingContext, params: Params) -> FilterResult:
    """Keep the locations that still ship today; when none does, keep them all (they ship on their next
    shipping day) unless the rule says ``if_none_left: drop``."""
    kept: list[Location] = []
    dropped: list[Dropped] = []
    for candidate in candidates:
        late = _past_cutoff(candidate, context)
        if late is None:
            kept.append(candidate)
        else:
            dropped.append(Dropped(candidate, late))
    if kept or not dropped or params["if_none_left"] == "drop":
        return FilterResult(kept, dropped)
    first = min(context.ship_date(item.location) for item in dropped)
    note = f"every candidate is past its cutoff: all kept, the earliest ships on {first.isoformat()}"
    return FilterResult(candidates, [], note)


def _past_cutoff(candidate: Location, context: RoutingContext) -> str | None:
    cutoff = candidate.cutoff
    if cutoff is None:
        return None
    local = context.now.astimezone(cutoff.zone)
    ships = cutoff.ship_date(context.now)
    if ships == local.date():
        return None
    if local.time() >= cutoff.time:
        return (
            f"past its {cutoff.time.strftime('%H:%M')} {cutoff.timezone} cutoff "
            f"(local time {local.strftime('%H:%M')}); ships on {ships.isoformat()}"
        )
    return f"does not ship on {local.strftime('%a')} {local.date().isoformat()}; ships on {ships.isoformat()}"


@routing_filter("pickup_location")
def pickup_location(candidates: list[Location], context: RoutingContext, params: Params) -> FilterResult:
    """Keep only the store the buyer chose for pickup, as the order names it."""
    named = named_pickup_location(context.order, params)
    if named is None:
        if params["required"]:
            where = _where_looked(params)
            reason = f"the order names no pickup location (looked at {where})"
            return FilterResult([], [Dropped(candidate, reason) for candidate in candidates])
        return FilterResult(candidates, [], "the order names no pickup location: every candidate stays")
    wanted, source = named
    kept = [candidate for candidate in candidates if candidate.answers_to(wanted)]
    reason = f"is not the pickup location the order names ({wanted!r}, from {source})"
    dropped = [Dropped(candidate, reason) for candidate in candidates if candidate not in kept]
    note = None if kept else f"no candidate location answers to {wanted!r} (from {source})"
    return FilterResult(kept, dropped, note)


def named_pickup_location(order: Order, params: Params) -> tuple[str, str] | None:
    """The location the order asks to be picked up at, and where the order says so; None when it doesn't."""
    attributes = {key.casefold(): value for key, value in order.attributes.items()}
    for name in params["attributes"]:
        value = attributes.get(str(name).casefold(), "").strip()
        if value:
            return value, f"attribute {name}"
    for party in order.parties:
        if party.role == PartyRole.STORE and party.id:
            return party.id, "the store party"
    methods = [order.shipping_method, *(line.code for line in order.shipping_lines)]
    for prefix in params["method_prefixes"]:
        for method in methods:
            if method and method.casefold().startswith(prefix.casefold()) and method[len(prefix) :].strip():
                return method[len(prefix) :].strip(), f"shipping method {method!r}"
    return None


def _where_looked(params: Params) -> str:
    places = [f"attributes {', '.join(params['attributes'])}" if params["attributes"] else "", "store parties"]
    if params["method_prefixes"]:
        places.append(f"shipping methods starting {', '.join(repr(p) for p in params['method_prefixes'])}")
    return "; ".join(place for place in places if place)
