"""``/api/v1/inventory``: stock levels of a SKU across locations (or of a location), and the ledger behind
them, paged back in time (counts and adjustments: ``hub.api.stock``)."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import select

from hub.api.pagination import fetch_page
from hub.api.problems import bad_field
from hub.api.registry import Call, QueryModel, operation
from hub.db.models import InventoryLedgerEntry
from hub.inventory import find_levels
from hub.inventory.ledger import LedgerLine

TEXT = r"^[^\x00]*$"


class LevelFilters(QueryModel):
    sku: str | None = Field(default=None, max_length=128, pattern=TEXT, description="Give a SKU, a location or both.")
    location: str | None = Field(default=None, max_length=64, pattern=TEXT)


class StockLevel(BaseModel):
    sku: str
    location_id: str
    on_hand: int
    committed: int
    reserved: int
    safety_stock: int
    incoming: int
    available: int = Field(description="on hand - committed - reserved - safety stock, never below 0.")
    shortage: int = Field(description="Committed units that stock on hand no longer covers.")


class StockLevels(BaseModel):
    items: list[StockLevel]
    available: int = Field(description="Sum of available over the levels listed.")


class LedgerFilters(QueryModel):
    sku: str = Field(max_length=128, pattern=TEXT)
    location: str | None = Field(default=None, max_length=64, pattern=TEXT)
    order_id: str | None = Field(default=None, max_length=40, pattern=TEXT)
    limit: int = Field(default=50, ge=1, le=500, description="The newest entries, listed oldest first.")
    cursor: str | None = Field(default=None, max_length=200, description="From next_cursor: older entries.")


class LedgerEntry(BaseModel):
    id: int
    sku: str
    location_id: str
    bucket: str
    delta: int
    balance: int
    reason: str
    reference: str | None
    order_id: str | None
    line_id: str | None
    source: str
    note: str | None
    recorded_at: str


class Ledger(BaseModel):
    items: list[LedgerEntry]
    next_cursor: str | None = Field(default=None, description="The entries before these, if there are any.")


@operation("GET", "/inventory", scope="read", tag="inventory", query=LevelFilters, response=StockLevels,
           summary="Stock levels of a SKU across locations, or of one location")  # fmt: skip
def levels(call: Call) -> StockLevels:
    q: LevelFilters = call.query
    if q.sku is None and q.location is None:
        raise bad_field(400, "query", "sku", "give sku, location or both")
    found = find_levels(call.session, [q.sku] if q.sku else None, [q.location] if q.location else None)
    items = [StockLevel.model_validate(level.as_json()) for level in found]
    return StockLevels(items=items, available=sum(item.available for item in items))


@operation("GET", "/inventory/ledger", scope="read", tag="inventory", query=LedgerFilters, response=Ledger,
           summary="The newest ledger entries of a SKU: every change to its stock and why")  # fmt: skip
def ledger(call: Call) -> Ledger:
    q: LedgerFilters = call.query
    entry = InventoryLedgerEntry
    query = select(entry).where(entry.sku == q.sku)
    for column, value in ((entry.location_id, q.location), (entry.order_id, q.order_id)):
        if value is not None:
            query = query.where(column == value)
    rows, cursor = fetch_page(call.session, query, [entry.id], [int], limit=q.limit, cursor=q.cursor,
                              key=lambda row: [row.id])  # fmt: skip
    fields = LedgerLine.__dataclass_fields__
    lines = [LedgerLine(**{name: getattr(row, name) for name in fields}) for row in reversed(rows)]
    return Ledger(items=[LedgerEntry.model_validate(line.as_json()) for line in lines], next_cursor=cursor)
