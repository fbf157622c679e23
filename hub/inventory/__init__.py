"""The inventory core: locations, stock levels by state, the append-only ledger, and allocation that never
oversells.

Modules, each named for what it holds:

=================  ====================================================================================
``locations``      ``LocationSpec`` (kind, address, coordinates or postal region, capabilities, cutoff,
                   cost profile, priority, active) and storing/reading locations
``levels``         ``Level`` (on_hand, committed, reserved, safety_stock, incoming; available) and
                   ``change``, the one conditional update every operation goes through
``ledger``         ``Bucket``, ``Reason``, the append-only entries and the queries that explain a level
``allocation``     ``allocate`` / ``allocate_lines``: commitments to order lines, never more than available
``settlement``     ``release`` / ``ship``: committed units given back, or gone out of the door
``reservations``   ``reserve`` / ``convert_reservation`` / ``release_reservation`` / ``expire_reservations``
``incoming``       ``expect`` (PO, ASN, transfer, supplier on-order) and ``receive``
``adjustments``    ``adjust``, ``restock_return``, ``set_safety_stock``
``counts``         ``apply_count`` and ``apply_inventory_advice``: absolute figures reconciled against the
                   ledger as of their time, stale and duplicate counts ignored
``snapshot``       ``take_snapshot`` for routing, ``available_to_sell`` for channel listings
``errors``         the error tree (running short is a result, not an error)
=================  ====================================================================================

Every function takes a SQLAlchemy ``Session`` and works inside the caller's transaction, writing the level
and its ledger entries together; nothing is final until the caller commits. Every quantity is a whole
number of units. Every change records ``source`` (who made it: ``cli``, ``worker``, ``advice:INV1`` ...).
"""

from __future__ import annotations

from hub.inventory.adjustments import Adjustment, adjust, restock_return, set_safety_stock
from hub.inventory.allocation import (
    AllocationRecord,
    AllocationRequest,
    AllocationResult,
    AllocationStatus,
    allocate,
    allocate_lines,
    allocations_for_order,
    find_allocation,
)
from hub.inventory.counts import (
    AdviceResult,
    CountBasis,
    CountResult,
    CountStatus,
    apply_count,
    apply_inventory_advice,
)
from hub.inventory.errors import (
    InvalidLocation,
    InventoryConflict,
    InventoryInputError,
    LocationUnavailable,
    UnknownLocation,
    UnknownRecord,
)
from hub.inventory.incoming import IncomingRecord, IncomingSource, Receipt, expect, open_incoming, receive
from hub.inventory.ledger import Bucket, Cause, LedgerLine, Reason, history
from hub.inventory.levels import Level, find_levels, get_level
from hub.inventory.locations import (
    Capability,
    CostProfile,
    Cutoff,
    LocationKind,
    LocationSpec,
    get_location,
    list_locations,
    parse_location,
    save_location,
)
from hub.inventory.reservations import (
    ReservationRecord,
    ReservationResult,
    ReservationStatus,
    convert_reservation,
    expire_reservations,
    release_reservation,
    reserve,
)
from hub.inventory.settlement import release, ship
from hub.inventory.snapshot import InventorySnapshot, StockPosition, available_to_sell, take_snapshot

__all__ = [
    "Adjustment",
    "AdviceResult",
    "AllocationRecord",
    "AllocationRequest",
    "AllocationResult",
    "AllocationStatus",
    "Bucket",
    "Capability",
    "Cause",
    "CostProfile",
    "CountBasis",
    "CountResult",
    "CountStatus",
    "Cutoff",
    "IncomingRecord",
    "IncomingSource",
    "InvalidLocation",
    "InventoryConflict",
    "InventoryInputError",
    "InventorySnapshot",
    "LedgerLine",
    "Level",
    "LocationKind",
    "LocationSpec",
    "LocationUnavailable",
    "Reason",
    "Receipt",
    "ReservationRecord",
    "ReservationResult",
    "ReservationStatus",
    "StockPosition",
    "UnknownLocation",
    "UnknownRecord",
    "adjust",
    "allocate",
    "allocate_lines",
    "allocations_for_order",
    "apply_count",
    "apply_inventory_advice",
    "available_to_sell",
    "convert_reservation",
    "expect",
    "expire_reservations",
    "find_allocation",
    "find_levels",
    "get_level",
    "get_location",
    "history",
    "list_locations",
    "open_incoming",
    "parse_location",
    "receive",
    "release",
    "release_reservation",
    "reserve",
    "restock_return",
    "save_location",
    "set_safety_stock",
    "ship",
    "take_snapshot",
]
