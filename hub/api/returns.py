"""``/api/v1/orders/{id}/returns``: an order's returns, and each step of one (request, authorize, reject,
receive, inspect, restock, dispose, refund, exchange, close).

A step's body is the lifecycle's own command model (``hub.lifecycle.commands``), so what the API accepts and
what the lifecycle checks are one definition; it runs through ``execute_with_stock``, so a restock puts the
units back on hand in the same transaction. Refunding the buyer's money is the channel's work:
``POST /orders/{id}/refund`` asks it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.conditional import check_if_match
from hub.api.order_actions import ACTION, answer
from hub.api.orders import read_order
from hub.api.problems import Problem
from hub.api.registry import BodyModel, Call, Reply, operation
from hub.db.models import OrderLifecycleRecord, OrderRecord, ReturnRecord
from hub.lifecycle.commands import (
    AuthorizeReturn,
    CloseReturn,
    DisposeReturn,
    ExchangeReturn,
    InspectReturn,
    ReceiveReturn,
    RefundReturn,
    RejectReturn,
    RequestReturn,
    RestockReturn,
)
from hub.oms.stock_effects import execute_with_stock

ReturnCommand = Annotated[
    RequestReturn | AuthorizeReturn | RejectReturn | ReceiveReturn | InspectReturn | RestockReturn | DisposeReturn
    | RefundReturn | ExchangeReturn | CloseReturn,
    Field(discriminator="do"),
]


class ReturnStep(BodyModel):
    command: ReturnCommand = Field(description="One step; `do` names it (request_return, receive_return ...).")


class ReturnLine(BaseModel):
    line_id: str
    sku: str | None
    requested: int
    received: int
    cancelled: int
    restocked: int
    disposed: int
    condition: str | None


class Return(BaseModel):
    id: str
    state: str
    rma_number: str | None
    location: str | None
    reason: str | None
    replacements: dict[str, str]
    lines: list[ReturnLine]


class Returns(BaseModel):
    items: list[Return]


def returns_of(session: Session, order_id: str) -> list[Return]:
    query = select(ReturnRecord).where(ReturnRecord.order_id == order_id).order_by(ReturnRecord.position)
    rows = session.scalars(query)
    return [
        Return(
            id=r.id, state=r.state, rma_number=r.rma_number, location=r.location_id, reason=r.reason,
            replacements=dict(r.replacements or {}),
            lines=[ReturnLine(line_id=x.line_id, sku=x.sku, requested=x.requested, received=x.received,
                              cancelled=x.cancelled, restocked=x.restocked, disposed=x.disposed, condition=x.condition)
                   for x in r.lines],
        )
        for r in rows
    ]  # fmt: skip


@operation("GET", "/orders/<order_id>/returns", scope="read", tag="returns", response=Returns,
           summary="The order's returns, with units per state on each line")  # fmt: skip
def list_returns(call: Call, order_id: str) -> Returns:
    if call.session.get(OrderRecord, order_id) is None:
        raise Problem(404, f"no order {order_id!r}")
    return Returns(items=returns_of(call.session, order_id))


@operation("POST", "/orders/<order_id>/returns", body=ReturnStep, summary="One step of a return", **ACTION)
def return_step(call: Call, order_id: str) -> Reply:
    call.session.get(OrderRecord, order_id, with_for_update=True)
    check_if_match(call.if_match, read_order(call.session, order_id).etag or "")
    if call.session.get(OrderLifecycleRecord, order_id) is None:
        raise Problem(409, f"order {order_id} was never routed: nothing of it can have been shipped or returned")
    command = call.body.command
    execute_with_stock(call.session, order_id, command, source=call.actor)
    return answer(call, order_id, f"return {command.id}: {command.timeline_type}")
