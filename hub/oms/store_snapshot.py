"""The routing engine's stock snapshot, read from the inventory tables.

``hub.inventory.take_snapshot`` gives validated ``LocationSpec`` rows and stock positions; the routing
engine takes its own ``Snapshot`` (the same facts, in the shape ``orderhub route simulate`` reads from
JSON). The two differ in a few names and types, translated here and nowhere else:

* an incoming lot's ``expected_on`` is the snapshot's ``expected``; its reference is ``source:reference``
  (``asn:ASN-1001``), so the trace says which kind of document the units come on;
* the inventory cutoff has no closed dates: the snapshot's ``closed`` stays empty;
* a location's ``external_id`` (the code a partner or channel uses for it) is one of its ``aliases``, so
  an order naming a store by that code finds it;
* a negative available figure (oversold in the books by a count) counts as zero, as the engine expects.

Pre-order allowances and postal centroids have no source in the inventory tables, so a snapshot built
here has none: pre-orders wait against the purchase order or ASN that brings the item in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from hub.inventory import LocationSpec, StockPosition, take_snapshot
from hub.routing.snapshot import Coordinates, CostProfile, Cutoff, Incoming, Location, Place, RegionCost, Stock
from hub.routing.snapshot import Snapshot as RoutingSnapshot


def routing_snapshot(session: Session, skus: Iterable[str], now: datetime) -> RoutingSnapshot:
    """Every active location with its stock of ``skus``, as the routing engine reads it."""
    inventory = take_snapshot(session, skus)
    locations = []
    for spec in inventory.locations.values():
        positions = {
            sku: by_location[spec.id] for sku, by_location in inventory.positions.items() if spec.id in by_location
        }
        locations.append(routing_location(spec, positions))
    return RoutingSnapshot(taken_at=now, locations=tuple(locations))


def snapshot_with_stock(
    locations: Sequence[Location], positions: Mapping[str, Mapping[str, StockPosition]], now: datetime
) -> RoutingSnapshot:
    """Routing locations read before (without stock) with these positions (SKU -> location -> position)."""
    located = []
    for location in locations:
        stock = {
            sku: _stock(by_location[location.id])
            for sku, by_location in positions.items()
            if location.id in by_location
        }
        located.append(location.model_copy(update={"stock": stock}) if stock else location)
    return RoutingSnapshot(taken_at=now, locations=tuple(located))


def routing_location(spec: LocationSpec, positions: dict[str, StockPosition]) -> Location:
    """One inventory location and its stock positions (SKU -> position) as a routing location."""
    address = spec.address
    place = (
        Place(country=address.country, region=address.region, postal_code=address.postal_code, city=address.city)
        if address is not None
        else None
    )
    return Location(
        id=spec.id,
        name=spec.name,
        kind=spec.kind.value,
        capabilities=frozenset(capability.value for capability in spec.capabilities),
        address=place,
        coordinates=Coordinates(latitude=spec.coordinates.latitude, longitude=spec.coordinates.longitude)
        if spec.coordinates
        else None,
        postal_region=spec.postal_region,
        cutoff=_cutoff(spec),
        cost=_cost(spec),
        priority=spec.priority,
        aliases=(spec.external_id,) if spec.external_id else (),
        stock={sku: _stock(position) for sku, position in positions.items()},
    )


def _cutoff(spec: LocationSpec) -> Cutoff | None:
    if spec.cutoff is None:
        return None
    days = tuple(day.value for day in spec.cutoff.days)
    return Cutoff.model_validate({"time": spec.cutoff.time, "timezone": spec.cutoff.timezone, "days": days})


def _cost(spec: LocationSpec) -> CostProfile | None:
    cost = spec.cost
    if cost is None:
        return None
    regions = {key: RegionCost(per_shipment=r.per_shipment, per_unit=r.per_unit) for key, r in cost.regions.items()}
    return CostProfile(currency=cost.currency, per_shipment=cost.per_shipment, per_unit=cost.per_unit, regions=regions)


def _stock(position: StockPosition) -> Stock:
    incoming = tuple(
        Incoming(quantity=lot.quantity, expected=lot.expected_on, reference=f"{lot.source_type}:{lot.reference}")
        for lot in position.incoming
        if lot.quantity > 0
    )
    return Stock(available=max(0, position.available), incoming=incoming)
