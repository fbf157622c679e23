"""Read-only views of inventory for the code that decides with it: the routing engine and available-to-sell.

:func:`take_snapshot` reads, for a set of SKUs, the active locations (as validated ``LocationSpec``) and
each level's position: available now, the buckets behind it, and the open incoming lots with their dates.
The snapshot is plain frozen data with no session behind it, so a pure routing function can take it as
input and be tested without a database. A snapshot is advisory: stock can move after it is read, so a
routing decision is made binding only by ``hub.inventory.allocation.allocate``, which re-checks under the
row lock and may answer ``insufficient``; the router then re-plans with a fresh snapshot.

:func:`available_to_sell` sums what can be promised per SKU over a set of locations, which is what a
channel listing shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from hub.inventory.incoming import open_incoming
from hub.inventory.levels import BUCKET_COLUMNS, Level, find_levels
from hub.inventory.locations import LocationSpec, list_locations
from hub.inventory.tables import AVAILABLE, INCOMING, LEDGER, LEVELS, LOCATIONS


@dataclass(frozen=True)
class IncomingLot:
    quantity: int
    expected_on: date | None
    source_type: str
    reference: str


@dataclass(frozen=True)
class StockPosition:
    level: Level
    incoming: tuple[IncomingLot, ...] = ()

    @property
    def available(self) -> int:
        return self.level.available

    def available_by(self, day: date) -> int:
        """Available now plus what is expected on or before ``day`` (undated lots are not counted)."""
        due = sum(lot.quantity for lot in self.incoming if lot.expected_on is not None and lot.expected_on <= day)
        return self.level.available + due


@dataclass(frozen=True)
class InventorySnapshot:
    locations: dict[str, LocationSpec]
    positions: dict[str, dict[str, StockPosition]] = field(default_factory=dict)  # sku -> location id -> position

    def available(self, sku: str, location_id: str) -> int:
        position = self.positions.get(sku, {}).get(location_id)
        return position.available if position else 0

    def candidates(self, sku: str, quantity: int) -> list[LocationSpec]:
        """Locations that could fill ``quantity`` of ``sku`` alone, by priority."""
        return [spec for spec in self.locations.values() if self.available(sku, spec.id) >= quantity]


def take_snapshot(
    session: Session, skus: Iterable[str], *, location_ids: Iterable[str] | None = None
) -> InventorySnapshot:
    """Active locations (all, or those named) and the positions of ``skus`` at them."""
    wanted = set(location_ids) if location_ids is not None else None
    locations = {spec.id: spec for spec in list_locations(session, active=True) if wanted is None or spec.id in wanted}
    sku_list = sorted(set(skus))
    positions: dict[str, dict[str, StockPosition]] = {}
    lots: dict[tuple[str, str], list[IncomingLot]] = {}
    for sku in sku_list:
        for row in open_incoming(session, sku):
            lot = IncomingLot(row.quantity, row.expected_on, row.source_type, row.reference)
            lots.setdefault((sku, row.location_id), []).append(lot)
    for level in find_levels(session, sku_list, list(locations)):
        incoming = tuple(lots.get((level.sku, level.location_id), ()))
        positions.setdefault(level.sku, {})[level.location_id] = StockPosition(level, incoming)
    return InventorySnapshot(locations, positions)


def stock_positions(
    session: Session, skus: Iterable[str], location_ids: Iterable[str]
) -> dict[str, dict[str, StockPosition]]:
    """Positions (sku -> location id -> position) of ``skus`` at the locations named (see ``read_stock``)."""
    return read_stock(session, skus, location_ids).positions


@dataclass(frozen=True)
class StockRead:
    positions: dict[str, dict[str, StockPosition]]  # sku -> location id -> position
    ledger_mark: int | None  # the newest ledger entry as the stock was read; None when no level was found


def read_stock(session: Session, skus: Iterable[str], location_ids: Iterable[str]) -> StockRead:
    """Positions of ``skus`` at the locations named, in one query whatever the number of SKUs: each level
    with its open incoming lots joined to it (a row per lot, soonest first, undated last; one row with no lot
    for a level that expects none); and, read by the same statement, the newest ledger entry then (what a
    decision made on these figures has seen: later entries are news to it)."""
    sku_list, wanted = sorted(set(skus)), list(location_ids)
    if not sku_list or not wanted:
        return StockRead({}, None)
    lot = INCOMING.c
    joined = LEVELS.outerjoin(
        INCOMING, and_(lot.sku == LEVELS.c.sku, lot.location_id == LEVELS.c.location_id, lot.status == "open")
    )
    newest = select(func.max(LEDGER.c.id)).scalar_subquery()
    statement = (
        select(LEVELS.c.sku, LEVELS.c.location_id, *BUCKET_COLUMNS, lot.id.label("lot_id"))
        .add_columns(lot.quantity, lot.expected_on, lot.source_type, lot.reference, newest.label("ledger_mark"))
        .select_from(joined)
        .where(LEVELS.c.sku.in_(sku_list), LEVELS.c.location_id.in_(wanted))
        .order_by(LEVELS.c.location_id, LEVELS.c.sku, lot.expected_on.is_(None), lot.expected_on, lot.id)
    )
    levels: dict[tuple[str, str], Level] = {}
    lots: dict[tuple[str, str], list[IncomingLot]] = {}
    mark: int | None = None
    for row in session.execute(statement):
        key, mark = (row.sku, row.location_id), int(row.ledger_mark or 0)
        if key not in levels:
            levels[key] = Level.from_row(row.sku, row.location_id, row._mapping)
        if row.lot_id is not None:
            lots.setdefault(key, []).append(IncomingLot(row.quantity, row.expected_on, row.source_type, row.reference))
    positions: dict[str, dict[str, StockPosition]] = {}
    for (sku, location_id), level in levels.items():
        positions.setdefault(sku, {})[location_id] = StockPosition(level, tuple(lots.get((sku, location_id), ())))
    return StockRead(positions, mark)


def available_to_sell(
    session: Session, skus: Iterable[str], *, location_ids: Iterable[str] | None = None
) -> dict[str, int]:
    """Units that can be promised per SKU, summed over the active locations (all, or those named)."""
    sku_list = sorted(set(skus))
    positive = case((AVAILABLE > 0, AVAILABLE), else_=0)
    statement = (
        select(LEVELS.c.sku, func.sum(positive))
        .join(LOCATIONS, LOCATIONS.c.id == LEVELS.c.location_id)
        .where(LEVELS.c.sku.in_(sku_list), LOCATIONS.c.active.is_(True))
        .group_by(LEVELS.c.sku)
    )
    if location_ids is not None:
        statement = statement.where(LEVELS.c.location_id.in_(list(location_ids)))
    found = {sku: int(total or 0) for sku, total in session.execute(statement)}
    return {sku: found.get(sku, 0) for sku in sku_list}
