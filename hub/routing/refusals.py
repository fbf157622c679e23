"""Locations that refused units of an order: routing the order again does not send those units back there.

A 3PL or a drop-ship supplier can say no to a fulfillment order (its state becomes ``rejected``, with the
partner's reason). Its units come back to the order's lines unallocated, and the next routing must place
them elsewhere: with the same stock figures the same rules would otherwise pick the same location again,
and the order would bounce between the hub and a partner that already said no.

``Refusals`` maps a location to the SKUs it refused and why. ``exclude_refused`` applies it to one order's
routing before any rule filter runs: a location that refused every SKU the order still needs is no longer
a candidate, and one that refused only some of them stays a candidate with no stock of those SKUs (no units
now, none incoming, no pre-orders), so it can still ship the other lines. Both are written in the trace as
the step ``refused`` with the partner's reason, so "why not the supplier?" is answered from the timeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.routing.snapshot import Location, Snapshot, Stock

Refusals = Mapping[str, Mapping[str, str]]  # location id -> SKU -> why the location refused those units

STEP = "refused"


def exclude_refused(
    snapshot: Snapshot, refused: Refusals, demand: Mapping[str, int]
) -> tuple[Snapshot, list[tuple[Location, str]], dict[str, Any] | None]:
    """(the snapshot this order is routed on, locations dropped with the reason, the trace step or None)."""
    wanted = {sku for sku, units in demand.items() if units > 0}
    dropped: list[tuple[Location, str]] = []
    narrowed: list[dict[str, Any]] = []
    locations: list[Location] = []
    for location in snapshot.locations:
        skus = sorted(set(refused.get(location.id, {})) & wanted)
        if not skus:
            locations.append(location)
            continue
        reason = _reason(location.id, skus, refused[location.id])
        if set(skus) == wanted:
            dropped.append((location, reason))
            continue
        stock = {sku: (Stock() if sku in skus else level) for sku, level in location.stock.items()}
        locations.append(location.model_copy(update={"stock": stock}))
        narrowed.append({"location": location.id, "skus": skus, "reason": reason})
    if not dropped and not narrowed:
        return snapshot, [], None
    step: dict[str, Any] = {
        "step": STEP,
        "before": len(snapshot.locations),
        "kept": [location.id for location in locations],
        "dropped": [{"location": location.id, "reason": reason} for location, reason in dropped],
    }
    if narrowed:
        step["narrowed"] = narrowed
    return snapshot.model_copy(update={"locations": tuple(locations)}), dropped, step


def _reason(location_id: str, skus: list[str], why: Mapping[str, str]) -> str:
    reasons = sorted({why[sku] for sku in skus if why[sku]})
    said = f": {'; '.join(reasons)}" if reasons else ""
    return f"excluded: {location_id} refused {', '.join(skus)} of this order before{said}"
