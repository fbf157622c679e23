"""Acting on an order through the API: route now, hold, release, cancel, refund through the channel, ship.

Each action is the function the CLI and the workers use, run with ``source`` ``api:<token name>``, so the
order's timeline says who did it. Sent with ``If-Match`` (the ETag of ``GET /orders/{id}``), an action on an
order that changed since is refused with 412. Each answers with the order as it is afterwards, and its ETag.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationError

from hub.api.conditional import check_if_match
from hub.api.deliveries import publish
from hub.api.orders import OrderDetail, read_order
from hub.api.problems import Problem, from_validation
from hub.api.registry import BodyModel, Call, Reply, operation
from hub.api.routing import configured_rules
from hub.canonical import Shipment
from hub.db.models import FulfillmentOrderRecord, OrderLifecycleRecord, OrderRecord
from hub.delivery.channel_updates import plan_channel_cancellation, plan_refund, refund_units
from hub.delivery.outbox import plan_fulfillment
from hub.delivery.shipments import record_shipment
from hub.errors import HubError
from hub.lifecycle.commands import Hold, ReleaseHold
from hub.lifecycle.store import start
from hub.oms.cancellation import cancel_for_channel
from hub.oms.route import OrderNotStored, route_order
from hub.oms.stock_effects import execute_with_stock
from hub.sdk import ShipmentNotice
from hub.web.extension import hub_extension

TEXT = r"^[^\x00]*$"
Reason = Field(min_length=1, max_length=2000, pattern=TEXT)
Units = dict[str, int]


class ActionResult(BaseModel):
    done: str = Field(description="What happened, in one sentence.")
    deliveries: list[int] = Field(default_factory=list, description="Deliveries this action planned.")
    shipment_id: str | None = None
    order: OrderDetail


class RouteNow(BodyModel):
    """Nothing to give: the order is routed with the configured rules (a parked order is released)."""


class HoldOrder(BodyModel):
    reason: str = Reason


class ReleaseOrder(BodyModel):
    """Nothing to give."""


class CancelOrder(BodyModel):
    reason: str = Reason
    notify_channel: bool = Field(default=True, description="Tell the channel, once every unit is cancelled.")


class RefundOrder(BodyModel):
    reason: str = Reason
    lines: dict[str, int] = Field(default_factory=dict, description="Units per SKU (or line id).")
    shipping: bool = Field(default=False, description="Refund the shipping charged too.")
    restock: bool = Field(default=False, description="Ask the channel to restock the units in its figures.")


class ShipByHand(BodyModel):
    fulfillment_order_id: str = Field(min_length=1, max_length=64, pattern=TEXT)
    carrier: str = Field(min_length=1, max_length=128, pattern=TEXT)
    tracking_numbers: list[str] = Field(min_length=1, max_length=50)
    service: str | None = Field(default=None, max_length=128, pattern=TEXT)
    lines: dict[str, int] = Field(default_factory=dict, description="Units per SKU (or line id); none: all open.")
    key: str | None = Field(default=None, max_length=200, pattern=TEXT, description="Entered twice, recorded once.")


def _checked(call: Call, order_id: str, *, lock: bool = True) -> None:
    """404 for an unknown order, 412 when If-Match names another version of it. The order is locked first
    (PostgreSQL), so an action sent by two people with the same ETag runs once and the other gets 412."""
    if lock:
        call.session.get(OrderRecord, order_id, with_for_update=True)
    check_if_match(call.if_match, read_order(call.session, order_id).etag or "")


def answer(
    call: Call, order_id: str, done: str, deliveries: list[int] | None = None, shipment: str | None = None
) -> Reply:
    """The order as it is now; deliveries the action planned go to the workers once it commits."""
    planned = list(deliveries or [])
    call.session.flush()
    call.session.expire_all()
    reply = read_order(call.session, order_id)
    if planned:
        call.after_commit.append(lambda: publish(planned))
    detail = OrderDetail.model_validate(reply.model.model_dump())
    return Reply(ActionResult(done=done, deliveries=planned, shipment_id=shipment, order=detail), reply.etag)


def _ready(call: Call, order_id: str) -> None:
    if call.session.get(OrderLifecycleRecord, order_id) is None:
        start(call.session, order_id, source=call.actor)


def _positive(lines: Units) -> Units:
    for name, units in lines.items():
        if units < 1 or not name or "\x00" in name:
            raise Problem(422, f"lines: {name!r} needs a whole number of units of at least 1")
    return lines


ACTION = {"scope": "operate", "tag": "order actions", "response": ActionResult, "if_match": True, "etag": True,
          "problems": (409,)}  # fmt: skip


@operation("POST", "/orders/<order_id>/route", body=RouteNow, summary="Route the order now", own_transactions=True,
           **ACTION)  # fmt: skip
def route_now(call: Call, order_id: str) -> Reply:
    _checked(call, order_id, lock=False)  # route_order takes the order's lock in its own transaction
    try:
        routed = route_order(hub_extension().runtime.database, order_id, rules=configured_rules(), source=call.actor)
    except OrderNotStored as missing:
        raise Problem(404, str(missing)) from None
    except HubError as failed:  # parked as an exception, or stock kept moving: the message says what to do
        raise Problem(409, str(failed)) from None
    outcome = routed.decision.outcome if routed.decision else f"not routed: {routed.note}"
    return answer(call, order_id, f"order {order_id}: {outcome}", list(routed.deliveries))


@operation("POST", "/orders/<order_id>/hold", body=HoldOrder, summary="Put the order on hold", **ACTION)
def hold(call: Call, order_id: str) -> Reply:
    _checked(call, order_id)
    _ready(call, order_id)
    execute_with_stock(call.session, order_id, Hold(reason=call.body.reason), source=call.actor)
    return answer(call, order_id, f"order {order_id} is on hold: {call.body.reason}")


@operation("POST", "/orders/<order_id>/release", body=ReleaseOrder, summary="Release the order's hold", **ACTION)
def release(call: Call, order_id: str) -> Reply:
    _checked(call, order_id)
    _ready(call, order_id)
    execute_with_stock(call.session, order_id, ReleaseHold(), source=call.actor)
    planned = plan_fulfillment(call.session, order_id)  # held orders' fulfillment orders wait to be sent
    return answer(call, order_id, f"order {order_id}: hold released", planned)


@operation("POST", "/orders/<order_id>/cancel", body=CancelOrder, summary="Cancel the order in the hub", **ACTION)
def cancel(call: Call, order_id: str) -> Reply:
    _checked(call, order_id)
    body: CancelOrder = call.body
    _ready(call, order_id)  # an order never routed is followed from now on, so its units can be cancelled
    complete = cancel_for_channel(call.session, order_id, reason=body.reason, source=call.actor)
    told = plan_channel_cancellation(call.session, order_id, body.reason) if complete and body.notify_channel else []
    done = "cancelled" if complete else "partly cancelled: some units are with fulfillment (see the timeline)"
    return answer(call, order_id, f"order {order_id} {done}", told)


@operation("POST", "/orders/<order_id>/refund", body=RefundOrder, summary="Ask the channel to refund", **ACTION)
def refund(call: Call, order_id: str) -> Reply:
    _checked(call, order_id)
    body: RefundOrder = call.body
    units = refund_units(call.session, order_id, _positive(body.lines))
    delivery_id, created = plan_refund(
        call.session, order_id, body.reason, lines=units, shipping=body.shipping, restock=body.restock
    )
    done = "refund asked of the channel" if created else "this refund was asked for before: nothing new is sent"
    return answer(call, order_id, f"{done} (delivery {delivery_id})", [delivery_id] if created else [])


@operation("POST", "/orders/<order_id>/ship", body=ShipByHand, summary="Record a shipment by hand", **ACTION)
def ship(call: Call, order_id: str) -> Reply:
    _checked(call, order_id)
    body: ShipByHand = call.body
    fo = call.session.get(FulfillmentOrderRecord, body.fulfillment_order_id)
    if fo is None or fo.order_id != order_id:
        raise Problem(404, f"order {order_id} has no fulfillment order {body.fulfillment_order_id!r}")
    notice = _notice(fo, body)
    recorded = record_shipment(call.session, source="api", notice=notice, actor=call.actor)
    done = (f"recorded shipment {recorded.shipment_id}: fulfillment order {fo.id} is {recorded.state}"
            if recorded.created else f"shipment {notice.key} was recorded before: nothing changed")  # fmt: skip
    return answer(call, order_id, done, list(recorded.planned), shipment=recorded.shipment_id)  # the channel is told


def _notice(fo: FulfillmentOrderRecord, body: ShipByHand) -> ShipmentNotice:
    line_ids = {line.line_id for line in fo.lines} - {line.sku for line in fo.lines}
    items: list[dict[str, Any]] = [
        {"line_id": name, "quantity": units} if name in line_ids else {"sku": name, "quantity": units}
        for name, units in _positive(body.lines).items()
    ]
    tracking = list(dict.fromkeys(body.tracking_numbers))
    document = {
        "order_id": fo.order_id,
        "carrier": {"name": body.carrier, "service": body.service},
        "tracking_numbers": tracking,
        "items": items,
    }
    try:
        shipment = Shipment.model_validate(document)
    except ValidationError as error:
        raise from_validation(error, "body", 422) from None
    return ShipmentNotice(body.key or f"{fo.id}:{'+'.join(tracking)}", shipment, fulfillment_order_id=fo.id)
