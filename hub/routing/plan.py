"""The allocation plan: where each unit of the order goes, built from the ranked candidates and the policy.

Stages, each recorded for the trace::

    ship_complete   the best-ranked own location that holds every SKU in full
    split           else the fewest own locations within the split limit that together hold everything
                    (among equally few, the set earliest in the ranking)
    dropship        else the same search with supplier locations added, when the rule allows drop-ship
    partial         else, one by one, the locations that cover the most (own before suppliers), within the limit
    incoming        what is left, against stock on its way (locations already used first, then the earliest
                    expected date), when backorders are allowed
    preorder        what is left, against pre-order allowances, when pre-orders are allowed
    wait            what is left, backordered with no location yet, when backorders are allowed
    hold            whatever is still left, with the reason

"Own" locations are warehouses, stores and 3PLs; suppliers only ever drop-ship. Every location that holds
any placement counts toward the split limit, and so do locations the order was allocated to before
(``prior``), so routing again after stock arrives never exceeds the limit either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from hub.routing.context import RoutingContext
from hub.routing.cover import Ledger, best_coverage, find_cover
from hub.routing.ruleset import Policy
from hub.routing.snapshot import Location, LocationKind

PlacementKind = Literal["stock", "dropship", "incoming", "preorder", "backorder"]


@dataclass(frozen=True)
class Placement:
    """Units of one SKU placed: on stock now (``stock``, ``dropship``), on stock to come (``incoming``,
    ``preorder``), or waiting with no location yet (``backorder``). ``on`` is the ship date, the expected
    date or the release date."""

    sku: str
    quantity: int
    kind: PlacementKind
    location: str | None = None
    on: date | None = None
    reference: str | None = None


@dataclass(frozen=True)
class Unplaced:
    sku: str
    quantity: int
    code: str  # no_location | split_limit | insufficient_stock
    reason: str


@dataclass
class Plan:
    placements: list[Placement] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    stages: list[dict[str, Any]] = field(default_factory=list)


def build_plan(
    context: RoutingContext,
    own: Sequence[Location],
    suppliers: Sequence[Location],
    policy: Policy,
    prior: Sequence[str] = (),
) -> Plan:
    """Place ``context.demand`` on the ranked ``own`` and ``suppliers`` candidates (suppliers empty when the
    rule does not drop-ship) under ``policy``; ``prior`` names locations already holding this order's stock."""
    planner = _Planner(context, list(own), list(suppliers), policy, list(prior))
    planner.place_now()
    if policy.allow_backorder:
        planner.place_future("incoming")
    if policy.allow_preorder:
        planner.place_future("preorder")
    if policy.allow_backorder:
        planner.place_waiting()
    planner.hold_rest()
    return planner.plan


class _Planner:
    def __init__(
        self, context: RoutingContext, own: list[Location], suppliers: list[Location], policy: Policy, prior: list[str]
    ) -> None:
        self.context, self.own, self.suppliers, self.policy = context, own, suppliers, policy
        self.candidates = own + suppliers
        self.rank = {location.id: index for index, location in enumerate(self.candidates)}
        self.need = {sku: units for sku, units in context.demand.items() if units > 0}
        self.ledger = Ledger(self.candidates, self.need)
        self.used: list[str] = list(dict.fromkeys(prior))
        self.future: dict[tuple[str, str, int], int] = {}  # (location, sku, arrival index) -> units promised
        self.plan = Plan()

    # --- bookkeeping ----------------------------------------------------------------------------------

    def room(self) -> int | None:
        """How many more locations may be added; None for no limit."""
        limit = self.policy.max_locations
        return None if limit is None else max(0, limit - len(self.used))

    def stage(self, name: str, outcome: str, detail: str, locations: Sequence[str] = ()) -> None:
        self.plan.stages.append({"stage": name, "outcome": outcome, "detail": detail, "locations": list(locations)})

    def remaining(self) -> int:
        return sum(self.need.values())

    def use(self, location: Location) -> None:
        if location.id not in self.used:
            self.used.append(location.id)

    def place(self, placement: Placement) -> None:
        self.plan.placements.append(placement)
        self.need[placement.sku] -= placement.quantity

    def allocate(self, locations: Sequence[Location]) -> None:
        for location in sorted(locations, key=lambda loc: self.rank[loc.id]):
            kind: PlacementKind = "dropship" if location.kind == LocationKind.SUPPLIER else "stock"
            for sku, needed in list(self.need.items()):
                taken = self.ledger.take(location, sku, needed)
                if taken:
                    self.use(location)
                    self.place(Placement(sku, taken, kind, location.id, self.context.ship_date(location)))

    # --- stock now ------------------------------------------------------------------------------------

    def place_now(self) -> None:
        if not self.need:
            return
        base = [location for location in self.candidates if location.id in self.used]
        if (base and self._reuse(base)) or (not base and self._ship_complete()):
            return
        if self._split(base) or self._dropship(base):
            return
        self._partial(base)

    def _reuse(self, base: list[Location]) -> bool:
        if self.ledger.coverage(base, self.need) < self.remaining():
            self.stage("ship_complete", "not possible", "the locations already holding this order lack the rest")
            return False
        self.allocate(base)
        self.stage("ship_complete", "chosen", "the locations already holding this order have the rest", self.used)
        return True

    def _ship_complete(self) -> bool:
        found = find_cover(self.ledger, self.need, self.own, most_new=1).found
        ahead = self.own[: self.own.index(found[0])] if found else self.own
        lacking = [f"{loc.id} lacks {', '.join(map(str, self.context.shortfalls(loc)))}" for loc in ahead[:5]]
        if found:
            self.allocate(found)
            passed = f" (better ranked: {'; '.join(lacking)})" if lacking else ""
            self.stage("ship_complete", "chosen", f"{found[0].id} holds every line in full{passed}", [found[0].id])
            return True
        detail = "no single own location holds every line" + (": " + "; ".join(lacking) if lacking else "")
        self.stage("ship_complete", "not possible", detail)
        return False

    def _split(self, base: list[Location]) -> bool:
        room = self.room()
        smallest = 1 if base else 2
        if room is not None and room < smallest:
            limit = self.policy.max_locations
            self.stage("split", "not allowed", f"the rule ships from at most {_locations(limit)}")
            return False
        search = find_cover(self.ledger, self.need, self.own, base, room, smallest)
        if search.found:
            self.allocate([*base, *search.found])
            self.stage("split", "chosen", f"the fewest own locations holding everything: {len(self.used)}", self.used)
            return True
        within = "any number of" if room is None else f"up to {room} more"
        stopped = "" if search.exhausted else f" (search stopped after {search.examined} combinations)"
        self.stage("split", "not possible", f"no set of {within} own locations holds everything{stopped}")
        return False

    def _dropship(self, base: list[Location]) -> bool:
        if not self.suppliers:
            if not self.policy.allow_dropship:
                self.stage("dropship", "not allowed", "the rule does not drop-ship")
            else:
                self.stage("dropship", "not possible", "no supplier location is left after the filters")
            return False
        search = find_cover(self.ledger, self.need, self.candidates, base, self.room(), 1, self.suppliers)
        if search.found:
            self.allocate([*base, *search.found])
            suppliers = [loc.id for loc in search.found if loc.kind == LocationKind.SUPPLIER]
            self.stage("dropship", "chosen", f"drop-ship from {', '.join(suppliers)}", self.used)
            return True
        self.stage("dropship", "not possible", "no set of own and supplier locations within the limit holds everything")
        return False

    def _partial(self, base: list[Location]) -> None:
        room = self.room()
        most = len(self.candidates) if room is None else room
        chosen = best_coverage(self.ledger, self.need, [self.own, self.suppliers], base, most)
        before = self.remaining()
        self.allocate([*base, *chosen])
        placed = before - self.remaining()
        if placed:
            # a search cut short by MAX_COMBINATIONS can leave the greedy pick to place everything after all
            share = "all" if placed == before else f"{placed} of"
            detail = f"{share} {before} units placed now, from the locations covering the most"
            self.stage("partial", "chosen", detail, self.used)
        else:
            self.stage("partial", "not possible", "no candidate location has any of the units still needed")

    # --- stock to come ----------------------------------------------------------------------------------

    def place_future(self, kind: Literal["incoming", "preorder"]) -> None:
        if not self.remaining():
            return
        placed: list[str] = []
        for sku in [sku for sku, units in self.need.items() if units > 0]:
            for location, index, units, when, reference in self._sources(sku, kind):
                key = (location.id, sku, index)
                free = units - self.future.get(key, 0)
                if self.need[sku] == 0 or free <= 0 or (location.id not in self.used and self.room() == 0):
                    continue
                taken = min(free, self.need[sku])
                self.future[key] = self.future.get(key, 0) + taken
                self.use(location)
                self.place(Placement(sku, taken, kind, location.id, when, reference))
                placed.append(f"{taken} {sku} at {location.id}" + (f" ({when.isoformat()})" if when else ""))
        outcome, detail = ("chosen", "; ".join(placed)) if placed else ("not possible", f"no {kind} stock to promise")
        self.stage(kind, outcome, detail)

    def _sources(self, sku: str, kind: str) -> list[tuple[Location, int, int, date | None, str | None]]:
        """Future stock of ``sku`` at the candidates: locations already used first, then the earliest date."""
        found: list[tuple[Location, int, int, date | None, str | None]] = []
        for location in self.candidates:
            level = location.stock.get(sku)
            if level is None:
                continue
            if kind == "incoming":
                found += [(location, i, a.quantity, a.expected, a.reference) for i, a in enumerate(level.incoming)]
            elif level.preorder is not None:
                found.append((location, 0, level.preorder.remaining, level.preorder.release, None))
        return sorted(
            found, key=lambda s: (s[0].id not in self.used, s[3] is None, s[3] or date.min, self.rank[s[0].id])
        )

    def place_waiting(self) -> None:
        waiting = [(sku, units) for sku, units in self.need.items() if units > 0]
        for sku, units in waiting:
            self.place(Placement(sku, units, "backorder"))
        if waiting:
            listing = ", ".join(f"{units} {sku}" for sku, units in waiting)
            self.stage("wait", "chosen", f"backordered until stock arrives anywhere: {listing}")

    def hold_rest(self) -> None:
        for sku, units in self.need.items():
            if units > 0:
                self.plan.unplaced.append(self._why_unplaced(sku, units))
        if self.plan.unplaced:
            self.stage("hold", "chosen", "; ".join(item.reason for item in self.plan.unplaced))

    def _why_unplaced(self, sku: str, units: int) -> Unplaced:
        if not self.candidates:
            return Unplaced(sku, units, "no_location", f"{sku}: no location is left after the rule's filters")
        elsewhere = [loc.id for loc in self.candidates if loc.id not in self.used and self.ledger.available(loc, sku)]
        if elsewhere:
            limit = self.policy.max_locations
            reason = (
                f"{sku}: {units} more needed; {', '.join(elsewhere[:3])} could ship them but the rule ships "
                f"from at most {_locations(limit)}"
            )
            return Unplaced(sku, units, "split_limit", reason)
        tail = "" if self.policy.allow_backorder else " and the rule allows no backorder"
        return Unplaced(sku, units, "insufficient_stock", f"{sku}: {units} more needed; no candidate has them{tail}")


def _locations(count: int | None) -> str:
    return f"{count} location" + ("" if count == 1 else "s")
