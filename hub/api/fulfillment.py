"""``/api/v1/fulfillment-orders``: what each location has to ship, oldest first (a work queue), as
``orderhub fulfillment list`` shows it. Shipping one by hand is ``POST /orders/{id}/ship``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import select

from hub.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, fetch_page
from hub.api.registry import Call, QueryModel, operation
from hub.db.models import FulfillmentOrderRecord, Location
from hub.delivery.shipments import OPEN_STATES
from hub.lifecycle import FulfillmentState

StateFilter = Literal["open", "all"] | FulfillmentState


class FulfillmentFilters(QueryModel):
    location: str | None = Field(default=None, max_length=64, pattern=r"^[^\x00]*$")
    order_id: str | None = Field(default=None, max_length=40, pattern=r"^[^\x00]*$")
    state: StateFilter = Field(default="open", description="open (created, sent, accepted, part shipped), all, or one.")
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=400, description="next_cursor of the previous page.")


class FulfillmentLine(BaseModel):
    line_id: str
    sku: str | None
    quantity: int
    shipped: int
    cancelled: int
    open: int = Field(description="Units still to ship.")


class FulfillmentOrderSummary(BaseModel):
    id: str
    order_id: str
    location: str
    fulfilled_by: str | None = Field(description="Who ships it: connector:account, edi:PARTNER, self, or nobody.")
    state: str
    external_id: str | None
    created_at: str
    lines: list[FulfillmentLine]


class FulfillmentPage(BaseModel):
    items: list[FulfillmentOrderSummary]
    next_cursor: str | None


@operation("GET", "/fulfillment-orders", scope="read", tag="fulfillment", query=FulfillmentFilters,
           response=FulfillmentPage, summary="Fulfillment orders, oldest first, with what is left to ship")  # fmt: skip
def list_fulfillment_orders(call: Call) -> FulfillmentPage:
    q: FulfillmentFilters = call.query
    query = select(FulfillmentOrderRecord)
    if q.state == "open":
        query = query.where(FulfillmentOrderRecord.state.in_([s.value for s in OPEN_STATES]))
    elif q.state != "all":
        query = query.where(FulfillmentOrderRecord.state == q.state)
    if q.location is not None:
        query = query.where(FulfillmentOrderRecord.location_id == q.location)
    if q.order_id is not None:
        query = query.where(FulfillmentOrderRecord.order_id == q.order_id)
    rows, cursor = fetch_page(
        call.session, query, [FulfillmentOrderRecord.id], [str], limit=q.limit, cursor=q.cursor,
        key=lambda row: [row.id], descending=False,
    )  # fmt: skip
    located = select(Location.id, Location.fulfilled_by).where(Location.id.in_({row.location_id for row in rows}))
    fulfillers: dict[str, str | None] = {location: by for location, by in call.session.execute(located)}
    return FulfillmentPage(items=[_summary(row, fulfillers.get(row.location_id)) for row in rows], next_cursor=cursor)


def _summary(fo: FulfillmentOrderRecord, fulfilled_by: str | None) -> FulfillmentOrderSummary:
    lines = [
        FulfillmentLine(
            line_id=line.line_id, sku=line.sku, quantity=line.quantity, shipped=line.shipped,
            cancelled=line.cancelled, open=line.quantity - line.shipped - line.cancelled,
        )  # fmt: skip
        for line in fo.lines
    ]
    return FulfillmentOrderSummary(
        id=fo.id, order_id=fo.order_id, location=fo.location_id, fulfilled_by=fulfilled_by, state=fo.state,
        external_id=fo.external_id, created_at=fo.created_at.isoformat(), lines=lines,
    )  # fmt: skip
