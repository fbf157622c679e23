"""``/api/v1/orders``: find orders, and read one with everything that happened to it.

The detail is ``hub.orders.views.order_view`` (what ``orderhub order show`` prints) with every attempt of
each delivery and the order's routing state and last decision (its trace) added.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import Select, and_, bindparam, exists, not_, or_, select, union
from sqlalchemy.orm import Session, defer

from hub.api.conditional import etag_of
from hub.api.deliveries import Attempt
from hub.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, after, decode_cursor, encode_cursor
from hub.api.problems import Problem, bad_field
from hub.api.registry import Call, QueryModel, Reply, operation
from hub.canonical.order import OrderStatus
from hub.db.models import Delivery, DeliveryStatus, OrderEvent, OrderLineRecord, OrderRecord, OrderRouting
from hub.db.models.orders import DONE_STATUSES, email_key
from hub.delivery.views import attempt_details
from hub.oms.route import EVENT_BY_OUTCOME
from hub.oms.route_exceptions import EXCEPTION
from hub.orders.views import order_summary, order_view

TEXT = r"^[^\x00]*$"
DONE = DONE_STATUSES
ROUTING_EVENTS = sorted(set(EVENT_BY_OUTCOME.values()))  # order.held is also a hold by hand: data tells


class OrderFilters(QueryModel):
    channel: str | None = Field(default=None, max_length=64, pattern=TEXT, description="shopify, amazon, x12 ...")
    status: OrderStatus | None = None
    sku: str | None = Field(default=None, max_length=128, pattern=TEXT, description="Orders with a line of it.")
    customer_email: str | None = Field(default=None, max_length=320, pattern=TEXT, description="Any case.")
    po_number: str | None = Field(default=None, max_length=128, pattern=TEXT)
    placed_from: AwareDatetime | None = Field(
        default=None, description="Placed at or after (with an offset); the list is then newest placed first."
    )
    placed_to: AwareDatetime | None = Field(
        default=None, description="Placed before (with an offset); the list is then newest placed first."
    )
    late: bool | None = Field(
        default=None, description="Not shipped, and the channel's requested ship date is past (or: not late)."
    )
    stuck: bool | None = Field(
        default=None, description="A delivery is dead or routing failed and parked the order (or: neither)."
    )
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=400, description="next_cursor of the previous page.")


class OrderSummary(BaseModel):
    id: str
    channel: str
    account: str
    channel_order_id: str
    number: str | None
    po_number: str | None
    status: str
    payment_status: str
    total: str = Field(description="Decimal, as a string.")
    currency: str
    test: bool
    placed_at: str | None
    received_at: str | None


class OrderPage(BaseModel):
    items: list[OrderSummary]
    next_cursor: str | None


class Line(BaseModel):
    line_id: str
    sku: str | None
    name: str
    state: str
    quantities: dict[str, int] = Field(description="Units per state (ordered, allocated, shipped ...).")


class FulfillmentLine(BaseModel):
    line_id: str
    sku: str | None
    quantity: int
    shipped: int
    cancelled: int


class FulfillmentOrder(BaseModel):
    id: str
    location: str
    fulfilled_by: str | None
    state: str
    external_id: str | None
    reason: str | None
    lines: list[FulfillmentLine]


class ShipmentView(BaseModel):
    shipment_id: str
    source: str
    key: str
    fulfillment_orders: dict[str, Any]
    carrier: str | None
    service: str | None
    tracking_numbers: list[str]
    tracking_url: str | None
    shipped_at: str | None
    packages: list[dict[str, Any]]
    units: dict[str, int]


class OrderDelivery(BaseModel):
    id: int
    operation: str
    destination: str
    subject: str
    status: str
    attempts: int
    next_attempt_at: str | None
    external_id: str | None
    last_error: str | None
    attempt_log: list[Attempt] = Field(description="Every attempt, oldest first.")


class Routing(BaseModel):
    outcome: str
    rule: str | None
    waiting: bool
    attempts: int
    routed_at: str
    reroute_at: str | None
    cancel_at: str | None
    last_decision: dict[str, Any] | None = Field(description="The last routing event's data: decision and trace.")


class Event(BaseModel):
    at: str | None
    type: str
    source: str
    data: Any


class OrderDetail(BaseModel):
    order: OrderSummary
    lines: list[Line]
    fulfillment_orders: list[FulfillmentOrder]
    shipments: list[ShipmentView]
    deliveries: list[OrderDelivery]
    routing: Routing | None
    timeline: list[Event]


@operation("GET", "/orders", scope="read", tag="orders", query=OrderFilters, response=OrderPage,
           summary="Orders, newest first (by time placed within a date range), narrowed by the filters")  # fmt: skip
def list_orders(call: Call) -> OrderPage:
    q: OrderFilters = call.query
    rows, cursor = order_page(call.session, q, limit=q.limit)
    return OrderPage(items=[OrderSummary.model_validate(order_summary(row)) for row in rows], next_cursor=cursor)


def order_page(session: Session, q: OrderFilters, *, limit: int) -> tuple[list[OrderRecord], str | None]:
    """A page of the orders ``q`` asks for, newest first, and the next page's cursor.

    Newest by hub id, which sorts by the time received (hub.ids), so the primary key and the indexes ending
    in ``id`` order the page. A date range orders by the time placed, then id, instead: read off the index on
    (placed_at, id) the page costs the same for any range, where ids would skip every order received after it
    (the planner cannot know placed and received times go together, and would scan the newer orders).

    The page's ids are chosen first, from indexes alone where the filters allow, and only those orders are
    read: a filter that matches thousands (stuck, a SKU) never reads an order it does not show. The document
    is not read at all: the list shows columns."""
    columns: list[Any] = [OrderRecord.id]
    kinds: list[type] = [str]
    if q.placed_from is not None or q.placed_to is not None:
        columns, kinds = [OrderRecord.placed_at, OrderRecord.id], [datetime, str]
    ids = filtered(q).with_only_columns(OrderRecord.id)
    if q.cursor:
        ids = ids.where(after(columns, decode_cursor(q.cursor, kinds)))
    order = [column.desc() for column in columns]
    page = ids.order_by(*order).limit(limit + 1)
    shown = select(OrderRecord).options(defer(OrderRecord.document)).where(OrderRecord.id.in_(page))
    rows = list(session.scalars(shown.order_by(*order)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor([getattr(rows[-1], c.key) for c in columns]) if more and rows else None


def filtered(q: OrderFilters) -> Select[Any]:
    """The orders ``q`` asks for; every filter reads a column with an index ending in ``id`` (the sort)."""
    if q.placed_from and q.placed_to and q.placed_to <= q.placed_from:
        raise bad_field(400, "query", "placed_to", "must be after placed_from")
    query = select(OrderRecord)
    email = q.customer_email and email_key(q.customer_email)
    for column, value in ((OrderRecord.channel, q.channel), (OrderRecord.status, q.status),
                          (OrderRecord.po_number, q.po_number), (OrderRecord.customer_email, email)):  # fmt: skip
        if value is not None:
            query = query.where(column == value)
    if q.sku is not None:
        query = query.where(OrderRecord.id.in_(select(OrderLineRecord.order_id).where(OrderLineRecord.sku == q.sku)))
    if q.placed_from is not None:
        query = query.where(OrderRecord.placed_at >= q.placed_from)
    if q.placed_to is not None:
        query = query.where(OrderRecord.placed_at < q.placed_to)
    if q.late is not None:
        query = query.where(_late() if q.late else not_(_late()))
    if q.stuck is True:
        query = query.where(OrderRecord.id.in_(_stuck_ids()))
    elif q.stuck is False:
        query = query.where(not_(_stuck()))
    return query


def _late() -> Any:
    # Written as the partial index ix_orders_open_id_ship_by is, with the statuses inline, so that the planner
    # can prove a late order is in it (a bound parameter would hide the list).
    today = datetime.now(UTC).date()
    done = OrderRecord.status.not_in(bindparam("done", DONE, expanding=True, literal_execute=True))
    return and_(OrderRecord.ship_by.is_not(None), done, OrderRecord.ship_by < today)


def _stuck() -> Any:
    dead = exists().where(Delivery.order_id == OrderRecord.id, Delivery.status == DeliveryStatus.DEAD)
    parked = exists().where(OrderRouting.order_id == OrderRecord.id, OrderRouting.outcome == EXCEPTION)
    return or_(dead, parked)


def _stuck_ids() -> Any:
    # Stuck orders are few: as a set of ids (from the indexes on deliveries.status and order_routings.outcome)
    # the planner can fetch just those orders, where the OR of two EXISTS would test every order newest first.
    dead = select(Delivery.order_id).where(Delivery.status == DeliveryStatus.DEAD, Delivery.order_id.is_not(None))
    parked = select(OrderRouting.order_id).where(OrderRouting.outcome == EXCEPTION)
    return union(dead, parked)


@operation("GET", "/orders/<order_id>", scope="read", tag="orders", response=OrderDetail, etag=True,
           summary="One order: lines, fulfillment, shipments, deliveries with attempts, routing, timeline")  # fmt: skip
def get_order(call: Call, order_id: str) -> Reply:
    return read_order(call.session, order_id)


def read_order(session: Session, order_id: str) -> Reply:
    """The order's detail and its ETag (a digest of exactly what is shown)."""
    row = session.get(OrderRecord, order_id)
    if row is None:
        raise Problem(404, f"no order {order_id!r} (GET /api/v1/orders finds them)")
    view = order_view(session, row)
    view["deliveries"] = [_delivery(session, d) for d in view["deliveries"]]
    view["routing"] = _routing(session, order_id)
    return Reply(OrderDetail.model_validate(view), etag_of(view))


def _delivery(session: Session, shown: dict[str, Any]) -> dict[str, Any]:
    row = session.get(Delivery, shown["id"])
    attempts = [attempt_details(a) for a in row.attempt_log] if row is not None else []
    return {k: v for k, v in shown.items() if k != "last_attempt"} | {"attempt_log": attempts}


def _routing(session: Session, order_id: str) -> dict[str, Any] | None:
    row = session.get(OrderRouting, order_id)
    if row is None:
        return None
    recent = session.scalars(
        select(OrderEvent)
        .where(OrderEvent.order_id == order_id, OrderEvent.type.in_(ROUTING_EVENTS))
        .order_by(OrderEvent.id.desc())
        .limit(20)
    )
    last = next((event for event in recent if isinstance(event.data, dict) and "outcome" in event.data), None)
    return {
        "outcome": row.outcome,
        "rule": row.rule,
        "waiting": row.waiting,
        "attempts": row.attempts,
        "routed_at": row.routed_at.isoformat(),
        "reroute_at": row.reroute_at.isoformat() if row.reroute_at else None,
        "cancel_at": row.cancel_at.isoformat() if row.cancel_at else None,
        "last_decision": last.data if last is not None else None,
    }
