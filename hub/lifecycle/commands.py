"""The lifecycle's commands: every change to an order's lifecycle is one of these, as data.

A command names what to do (``do``) and with what; ``OrderLifecycle.apply`` carries it out or refuses it,
and ``hub.lifecycle.store.execute`` does the same on the stored order. The same shape serves the API, tasks
and the scenario tables in the tests (``{"do": "ship_fulfillment_order", "id": "ful_1", "lines": {"1": 2}}``);
``parse_command`` reads one from JSON data. ``lines`` maps an order line's ``line_id`` to a number of units.

The command's name is also the event the order machine (``machines/order.yaml``) checks, and each command
class names the event it appends to the order's timeline (``timeline_type``).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, TypeAdapter, ValidationError

from hub.ids import new_id
from hub.lifecycle.errors import LifecycleRejected

Text = Annotated[str, Field(min_length=1, max_length=2000)]
Ref = Annotated[str, Field(min_length=1, max_length=64)]
Condition = Annotated[str, Field(min_length=1, max_length=64)]  # return_lines.condition holds 64 characters
Units = dict[Ref, PositiveInt]


class LifecycleCommand(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    do: str  # each command narrows it to its own name, which is also the order machine's event
    timeline_type: ClassVar[str]


class Validate(LifecycleCommand):
    do: Literal["validate"] = "validate"
    timeline_type = "order.validated"


class Hold(LifecycleCommand):
    do: Literal["hold"] = "hold"
    reason: Text
    timeline_type = "order.held"


class ReleaseHold(LifecycleCommand):
    do: Literal["release_hold"] = "release_hold"
    timeline_type = "order.hold_released"


class Close(LifecycleCommand):
    do: Literal["close"] = "close"
    timeline_type = "order.closed"


class CancelOrder(LifecycleCommand):
    """Cancel every unit of every line; refused while any unit is with fulfillment or shipped."""

    do: Literal["cancel_order"] = "cancel_order"
    reason: Text
    timeline_type = "order.lines_cancelled"


class CancelLine(LifecycleCommand):
    """Cancel units of one line: unallocated first, then backordered, then allocated (taken out of fulfillment
    orders not sent yet, newest first, giving their reservations back)."""

    do: Literal["cancel_line"] = "cancel_line"
    line: Ref
    quantity: PositiveInt
    reason: Text
    timeline_type = "order.lines_cancelled"


class BackorderLine(LifecycleCommand):
    do: Literal["backorder_line"] = "backorder_line"
    line: Ref
    quantity: PositiveInt
    timeline_type = "line.backordered"


class DeliverLines(LifecycleCommand):
    do: Literal["deliver_lines"] = "deliver_lines"
    lines: Units
    timeline_type = "line.delivered"


class CreateFulfillmentOrder(LifecycleCommand):
    """Record an allocation the inventory made at ``location`` as a new fulfillment order."""

    do: Literal["create_fulfillment_order"] = "create_fulfillment_order"
    id: Ref = Field(default_factory=lambda: new_id("ful"))
    location: Ref
    lines: Units
    timeline_type = "fulfillment_order.created"


class SendFulfillmentOrder(LifecycleCommand):
    do: Literal["send_fulfillment_order"] = "send_fulfillment_order"
    id: Ref
    timeline_type = "fulfillment_order.sent"


class AcceptFulfillmentOrder(LifecycleCommand):
    do: Literal["accept_fulfillment_order"] = "accept_fulfillment_order"
    id: Ref
    external_id: Ref | None = None
    timeline_type = "fulfillment_order.accepted"


class RejectFulfillmentOrder(LifecycleCommand):
    do: Literal["reject_fulfillment_order"] = "reject_fulfillment_order"
    id: Ref
    reason: Text
    timeline_type = "fulfillment_order.rejected"


class ShipFulfillmentOrder(LifecycleCommand):
    """Units shipped from the location; without ``lines``, every open unit."""

    do: Literal["ship_fulfillment_order"] = "ship_fulfillment_order"
    id: Ref
    lines: Units | None = None
    timeline_type = "fulfillment_order.shipped"


class CancelFulfillmentOrder(LifecycleCommand):
    """Open units go back to their lines (unallocated, to be routed again); shipped units stay shipped."""

    do: Literal["cancel_fulfillment_order"] = "cancel_fulfillment_order"
    id: Ref
    reason: Text
    timeline_type = "fulfillment_order.cancelled"


class RequestReturn(LifecycleCommand):
    do: Literal["request_return"] = "request_return"
    id: Ref = Field(default_factory=lambda: new_id("ret"))
    lines: Units
    reason: Text | None = None
    rma_number: Ref | None = None
    location: Ref | None = None
    timeline_type = "return.requested"


class AuthorizeReturn(LifecycleCommand):
    do: Literal["authorize_return"] = "authorize_return"
    id: Ref
    rma_number: Ref | None = None
    location: Ref | None = None
    timeline_type = "return.authorized"


class RejectReturn(LifecycleCommand):
    do: Literal["reject_return"] = "reject_return"
    id: Ref
    reason: Text
    timeline_type = "return.rejected"


class ReceiveReturn(LifecycleCommand):
    """Goods back at ``location``; without ``lines``, every unit still awaited."""

    do: Literal["receive_return"] = "receive_return"
    id: Ref
    lines: Units | None = None
    location: Ref | None = None
    timeline_type = "return.received"


class InspectReturn(LifecycleCommand):
    do: Literal["inspect_return"] = "inspect_return"
    id: Ref
    conditions: dict[Ref, Condition] = Field(default_factory=dict)
    timeline_type = "return.inspected"


class RestockReturn(LifecycleCommand):
    """Received units back into stock; without ``lines``, every unit not dispositioned yet."""

    do: Literal["restock_return"] = "restock_return"
    id: Ref
    lines: Units | None = None
    timeline_type = "return.restocked"


class DisposeReturn(LifecycleCommand):
    do: Literal["dispose_return"] = "dispose_return"
    id: Ref
    lines: Units | None = None
    timeline_type = "return.disposed"


class RefundReturn(LifecycleCommand):
    do: Literal["refund_return"] = "refund_return"
    id: Ref
    timeline_type = "return.refunded"


class ExchangeReturn(LifecycleCommand):
    """Settle by sending replacements: ``replacements`` maps a line to another SKU; by default the same one."""

    do: Literal["exchange_return"] = "exchange_return"
    id: Ref
    replacements: dict[Ref, Ref] = Field(default_factory=dict)
    timeline_type = "return.exchanged"


class CloseReturn(LifecycleCommand):
    do: Literal["close_return"] = "close_return"
    id: Ref
    timeline_type = "return.closed"


Command = Annotated[
    Validate
    | Hold
    | ReleaseHold
    | Close
    | CancelOrder
    | CancelLine
    | BackorderLine
    | DeliverLines
    | CreateFulfillmentOrder
    | SendFulfillmentOrder
    | AcceptFulfillmentOrder
    | RejectFulfillmentOrder
    | ShipFulfillmentOrder
    | CancelFulfillmentOrder
    | RequestReturn
    | AuthorizeReturn
    | RejectReturn
    | ReceiveReturn
    | InspectReturn
    | RestockReturn
    | DisposeReturn
    | RefundReturn
    | ExchangeReturn
    | CloseReturn,
    Field(discriminator="do"),
]
_COMMANDS: TypeAdapter[Command] = TypeAdapter(Command)


def parse_command(data: Any) -> Command:
    """The command ``data`` describes; ``LifecycleRejected`` names the field that is wrong."""
    try:
        return _COMMANDS.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(command)"
        raise LifecycleRejected(f"lifecycle command: {where}: {first['msg']}") from None
