"""What every step sees while one order is routed: the order, what it still needs per SKU, where it goes,
the time of the decision, and facts about each candidate location worked out once.

Filters and sorts read facts through this one object, so a fact (a distance, a ship date) is computed
once per location however many steps use it, and the trace shows the same figure the step used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from hub.canonical import Order
from hub.routing.geography import Closeness, Whereabouts, closeness
from hub.routing.snapshot import Location, Snapshot


@dataclass(frozen=True)
class Shortfall:
    """A SKU a location cannot fill in full right now."""

    sku: str
    available: int
    needed: int

    def __str__(self) -> str:
        return f"{self.sku} {self.available} of {self.needed}"


@dataclass
class RoutingContext:
    order: Order
    snapshot: Snapshot
    now: datetime
    demand: dict[str, int]  # SKU -> units still to place, in the order's line order
    destination: Whereabouts = field(init=False)
    _closeness: dict[str, Closeness] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.destination = Whereabouts.of_address(self.order.ship_to, self.snapshot)

    @property
    def total_units(self) -> int:
        return sum(self.demand.values())

    def place(self, location: Location) -> Whereabouts:
        """Where ``location`` is: its coordinates, address and postal region, placed by postal points."""
        return Whereabouts.of_location(location, self.snapshot)

    def closeness(self, location: Location) -> Closeness:
        if location.id not in self._closeness:
            self._closeness[location.id] = closeness(self.place(location), self.destination)
        return self._closeness[location.id]

    def ship_date(self, location: Location) -> date:
        """The day an allocation made now leaves ``location``: its cutoff decides; without one, today."""
        if location.cutoff is None:
            return self.now.date()
        return location.cutoff.ship_date(self.now)

    def fillable_units(self, location: Location) -> int:
        """Units of the order ``location`` could ship now, each SKU counted up to what the order needs."""
        return sum(min(location.available(sku), needed) for sku, needed in self.demand.items())

    def shortfalls(self, location: Location) -> list[Shortfall]:
        return [
            Shortfall(sku, location.available(sku), needed)
            for sku, needed in self.demand.items()
            if location.available(sku) < needed
        ]

    def future_units(self, location: Location) -> int:
        """Units of the order's SKUs on their way to ``location`` or open for pre-order there."""
        units = 0
        for sku in self.demand:
            level = location.stock.get(sku)
            if level is not None:
                units += sum(arrival.quantity for arrival in level.incoming)
                units += level.preorder.remaining if level.preorder else 0
        return units

    def shipping_cost(self, location: Location) -> Decimal | None:
        """What shipping the whole order from ``location`` would cost by its cost profile; None without one."""
        if location.cost is None:
            return None
        where = self.destination
        return location.cost.estimate(self.total_units, where.country, where.region, where.postal_code)
