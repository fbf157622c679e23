"""One order's lifecycle as a value: its lines' quantity ledgers, fulfillment orders and returns.

``OrderLifecycle`` is frozen; ``apply(command)`` returns an ``Outcome`` holding the new lifecycle, the
timeline entry describing the change, and the effects the rest of the hub must carry out. A refused command
raises (``IllegalTransition``, ``QuantityRejected``, ``UnknownReference``) and, the value being frozen,
changes nothing. Nothing here touches a database: ``hub.lifecycle.store`` loads, applies and saves.

The order's state is derived, never stored on its own::

    closed                       once closed (only from shipped / delivered, with no return open)
    cancelled                    when every unit of every line is cancelled
    on_hold                      while a hold is set
    received                     until validated
    otherwise                    the rollup: the lines' quantities summed and judged like one line
                                 (validated, backordered, partially_allocated ... partially_delivered, delivered)

and it maps onto the canonical ``OrderStatus`` through ``machines/order.yaml``. Every command is checked
twice by the order machine: is the command allowed in the current state at all, and is the state it leads
to a declared move.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from hub.canonical import OrderStatus
from hub.lifecycle import fulfillment_actions, order_actions, return_actions
from hub.lifecycle.commands import LifecycleCommand
from hub.lifecycle.consistency import consistency_problems
from hub.lifecycle.draft import ACTIONS, Draft
from hub.lifecycle.effects import Effect
from hub.lifecycle.errors import IllegalTransition
from hub.lifecycle.fulfillment import FulfillmentOrder
from hub.lifecycle.guards import Change
from hub.lifecycle.machine import Machine
from hub.lifecycle.machine_files import machine
from hub.lifecycle.quantities import BUCKETS, Line, LineQuantities, LineState, forward_state
from hub.lifecycle.returns import ReturnAuthorization

# the action modules register themselves with the draft's registry when imported
_ACTION_MODULES = (order_actions, fulfillment_actions, return_actions)


class OrderState(StrEnum):
    RECEIVED = "received"
    VALIDATED = "validated"
    ON_HOLD = "on_hold"
    BACKORDERED = "backordered"
    PARTIALLY_ALLOCATED = "partially_allocated"
    ALLOCATED = "allocated"
    PARTIALLY_RELEASED = "partially_released"
    RELEASED = "released"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    PARTIALLY_DELIVERED = "partially_delivered"
    DELIVERED = "delivered"
    CLOSED = "closed"
    CANCELLED = "cancelled"


def order_state(totals: LineQuantities, *, closed: bool, on_hold: bool, validated: bool) -> OrderState:
    """The order's state from its lines' summed buckets and its own flags (closed wins, then cancelled, held,
    not yet validated; else what the lines' forward progress says)."""
    if closed:
        return OrderState.CLOSED
    if totals.active == 0:
        return OrderState.CANCELLED
    if on_hold:
        return OrderState.ON_HOLD
    if not validated:
        return OrderState.RECEIVED
    rollup = forward_state(totals)
    return OrderState.VALIDATED if rollup is LineState.PENDING else OrderState(rollup.value)


def order_machine() -> Machine:
    return machine("order", OrderState)


@dataclass(frozen=True)
class OrderLifecycle:
    order_id: str
    lines: Mapping[str, Line]
    validated: bool = False
    hold_reason: str | None = None  # set while the order is held
    closed: bool = False
    fulfillment_orders: Mapping[str, FulfillmentOrder] = field(default_factory=dict)
    returns: Mapping[str, ReturnAuthorization] = field(default_factory=dict)

    @classmethod
    def start(
        cls, order_id: str, lines: Iterable[tuple[str, str | None, int]], *, cancelled: bool = False
    ) -> OrderLifecycle:
        """A new lifecycle for lines ``(line_id, sku, quantity)``; ``cancelled`` starts every unit cancelled."""
        built = {
            line_id: Line(line_id, sku, LineQuantities(quantity, cancelled=quantity if cancelled else 0))
            for line_id, sku, quantity in lines
        }
        if not built:
            raise ValueError(f"order {order_id!r} has no lines to follow")
        return cls(order_id=order_id, lines=built)

    # A lifecycle is a value: its lines never change once it is built (a command makes a new one), so the
    # sums and the state derived from them are computed once; applying a command reads them several times.
    @cached_property
    def totals(self) -> LineQuantities:
        """Every bucket summed over the lines."""
        ledgers = [line.quantities for line in self.lines.values()]
        if len(ledgers) == 1:  # most orders have one line: its ledger is the sum
            return ledgers[0]
        # one pass over the lines, every bucket at once (bucket by bucket, it read each line eleven times)
        sums = [0] * len(BUCKETS)
        for ledger in ledgers:
            sums = [total + value for total, value in zip(sums, ledger.as_dict().values(), strict=True)]
        return LineQuantities(*sums)

    @cached_property
    def state(self) -> OrderState:
        return order_state(self.totals, closed=self.closed, on_hold=self.hold_reason is not None,
                           validated=self.validated)  # fmt: skip

    @property
    def status(self) -> OrderStatus:
        """The canonical status the order shows as."""
        return OrderStatus(order_machine().status_of(self.state) or "")  # the order machine maps every state

    def open_returns(self) -> list[ReturnAuthorization]:
        return [rma for rma in self.returns.values() if rma.is_open()]

    def apply(self, command: LifecycleCommand) -> Outcome:
        """Carry out ``command``: the new lifecycle, its timeline entry and effects; or raise, changing nothing."""
        orders = order_machine()
        subject = repr(self.order_id)
        event = command.do
        try:
            orders.check_event(self.state, event, subject=subject)
        except IllegalTransition as refused:
            if self.state is not OrderState.ON_HOLD:
                raise
            held = f"the order is on hold ({self.hold_reason}); release the hold first"
            raise IllegalTransition(
                refused.machine, refused.state, event, refused.allowed, subject=subject, detail=held
            ) from None
        draft = Draft(self)
        ACTIONS[type(command)](draft, command)
        after = draft.result()
        orders.fire(self.state, event, Change(self, after), target=after.state, subject=subject)
        problems = consistency_problems(after)
        if problems:  # a bug in an action, never the user's input: fail loudly rather than store it
            raise RuntimeError(f"order {self.order_id!r} after {event}: {'; '.join(problems)}")
        return Outcome(
            after, command.timeline_type, describe(self, after, command, draft.effects), tuple(draft.effects)
        )


@dataclass(frozen=True)
class Outcome:
    lifecycle: OrderLifecycle
    timeline_type: str
    timeline_data: dict[str, Any]
    effects: tuple[Effect, ...] = ()


def _pair(before: Any, after: Any) -> Any:
    return [str(before), str(after)] if before != after else str(after)


def describe(
    before: OrderLifecycle, after: OrderLifecycle, command: LifecycleCommand, effects: Iterable[Effect]
) -> dict[str, Any]:
    """The timeline entry of one command: what was asked, and every state and quantity it changed."""
    data: dict[str, Any] = {
        "command": command.model_dump(mode="json"),
        "order": {"state": _pair(before.state, after.state), "status": _pair(before.status, after.status)},
    }
    lines = {}
    for line_id, line in after.lines.items():
        old = before.lines[line_id]
        if line != old:
            lines[line_id] = {"state": _pair(old.state, line.state), **line.quantities.changes_from(old.quantities)}
    if lines:
        data["lines"] = lines
    for key, documents, previous in (
        ("fulfillment_orders", after.fulfillment_orders, before.fulfillment_orders),
        ("returns", after.returns, before.returns),
    ):
        changed = {
            name: {"state": _pair(previous[name].state if name in previous else "new", document.state)}
            for name, document in documents.items()
            if previous.get(name) != document
        }
        if changed:
            data[key] = changed
    data["effects"] = [effect.as_dict() for effect in effects]
    return data
