"""Choosing which locations ship an order: the fewest that together hold everything, or, when no set within
the split limit does, the ones that cover the most.

Both searches see stock through ``Ledger`` (what is left at each location while one plan is built, so two
lines of the same SKU never count the same unit twice) and prefer candidates earlier in the ranking.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from hub.routing.snapshot import Location

MAX_COMBINATIONS = 50_000  # keeps a decision fast with hundreds of stores; the trace says when it stopped


class Ledger:
    """Units still unpromised at each candidate location, per SKU, while one plan is being built."""

    def __init__(self, locations: Iterable[Location], skus: Iterable[str]) -> None:
        skus = list(skus)
        self._available = {(loc.id, sku): loc.available(sku) for loc in locations for sku in skus}

    def available(self, location: Location, sku: str) -> int:
        return self._available.get((location.id, sku), 0)

    def take(self, location: Location, sku: str, wanted: int) -> int:
        taken = min(wanted, self.available(location, sku))
        if taken > 0:
            self._available[(location.id, sku)] -= taken
        return taken

    def coverage(self, locations: Sequence[Location], need: dict[str, int]) -> int:
        """Units of ``need`` the locations together could ship now."""
        return sum(min(needed, sum(self.available(loc, sku) for loc in locations)) for sku, needed in need.items())

    def gain(self, location: Location, need: dict[str, int]) -> int:
        return sum(min(needed, self.available(location, sku)) for sku, needed in need.items())


@dataclass(frozen=True)
class CoverSearch:
    """The result of looking for a set of locations that holds everything: ``found`` is None when none within
    the limit does; ``exhausted`` is False when the search stopped at ``MAX_COMBINATIONS``."""

    found: tuple[Location, ...] | None
    examined: int
    exhausted: bool


def find_cover(
    ledger: Ledger,
    need: dict[str, int],
    pool: Sequence[Location],
    base: Sequence[Location] = (),
    most_new: int | None = None,
    smallest: int = 1,
    must_use: Sequence[Location] = (),
) -> CoverSearch:
    """The fewest locations from ``pool`` (between ``smallest`` and ``most_new`` of them) that, with ``base``,
    hold all of ``need``; among equally few, the first in rank order. ``must_use`` restricts the search to
    sets that include one of those locations (the drop-ship stage: own-only sets were already tried)."""
    skus = [sku for sku, needed in need.items() if needed > 0]
    wanted = [need[sku] for sku in skus]
    taken = {loc.id for loc in base}
    required = {loc.id for loc in must_use}
    held = [sum(ledger.available(loc, sku) for loc in base) for sku in skus]
    useful = [loc for loc in pool if loc.id not in taken and ledger.gain(loc, need) > 0]
    # each location's stock as a vector over the SKUs still needed, capped at the need: one addition per SKU
    vectors = {
        loc.id: [min(ledger.available(loc, sku), units) for sku, units in zip(skus, wanted, strict=True)]
        for loc in useful
    }
    largest = len(useful) if most_new is None else min(most_new, len(useful))
    examined = 0
    for size in range(smallest, largest + 1):
        for chosen in combinations(useful, size):
            if required and not any(loc.id in required for loc in chosen):
                continue
            examined += 1
            if _covers(held, wanted, [vectors[loc.id] for loc in chosen]):
                return CoverSearch(tuple(chosen), examined, True)
            if examined >= MAX_COMBINATIONS:
                return CoverSearch(None, examined, False)
    return CoverSearch(None, examined, True)


def _covers(held: list[int], wanted: list[int], vectors: list[list[int]]) -> bool:
    for index, units in enumerate(wanted):
        if held[index] + sum(vector[index] for vector in vectors) < units:
            return False
    return True


def best_coverage(
    ledger: Ledger, need: dict[str, int], tiers: Sequence[Sequence[Location]], base: Sequence[Location], most_new: int
) -> list[Location]:
    """Greedy: repeatedly add the location that covers the most still-uncovered units (the better-ranked on a
    tie), trying each tier in turn (own locations before suppliers), until the limit or no location helps."""
    chosen: list[Location] = []
    taken = {loc.id for loc in base}
    remaining = _uncovered(ledger, need, base)
    for tier in tiers:
        while len(chosen) < most_new and sum(remaining.values()) > 0:
            candidates = [loc for loc in tier if loc.id not in taken]
            scored = [(ledger.gain(loc, remaining), -index, loc) for index, loc in enumerate(candidates)]
            if not scored or max(scored, key=lambda item: item[:2])[0] == 0:
                break
            pick = max(scored, key=lambda item: item[:2])[2]
            chosen.append(pick)
            taken.add(pick.id)
            remaining = _uncovered(ledger, need, [*base, *chosen])
    return chosen


def _uncovered(ledger: Ledger, need: dict[str, int], locations: Sequence[Location]) -> dict[str, int]:
    return {sku: max(0, needed - sum(ledger.available(loc, sku) for loc in locations)) for sku, needed in need.items()}
