"""A working copy of an order lifecycle that one command changes, and the registry of command actions.

``OrderLifecycle.apply`` hands each command to its action with a fresh ``Draft``. The action changes lines,
fulfillment orders and returns only through the draft (each change checked by the ledger and the machines,
so a refusal raises), and notes the effects. If anything raises, the draft is dropped and the lifecycle it
came from is untouched; otherwise ``result`` builds the new lifecycle.

Actions live in ``order_actions``, ``fulfillment_actions`` and ``return_actions``, registered per command
class with ``@action(CommandClass)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from hub.lifecycle.effects import Effect, InventoryAction, InventoryEffect
from hub.lifecycle.errors import LifecycleRejected, UnknownReference
from hub.lifecycle.fulfillment import FulfillmentOrder
from hub.lifecycle.quantities import Line
from hub.lifecycle.returns import ReturnAuthorization

if TYPE_CHECKING:
    from hub.lifecycle.aggregate import OrderLifecycle
    from hub.lifecycle.commands import LifecycleCommand

CommandT = TypeVar("CommandT", bound="LifecycleCommand")
Action = Callable[["Draft", Any], None]
ACTIONS: dict[type[LifecycleCommand], Action] = {}


def action(command: type[CommandT]) -> Callable[[Callable[[Draft, CommandT], None]], Callable[[Draft, CommandT], None]]:
    def register(function: Callable[[Draft, CommandT], None]) -> Callable[[Draft, CommandT], None]:
        if command in ACTIONS:
            raise RuntimeError(f"{command.__name__} has two actions")
        ACTIONS[command] = function
        return function

    return register


class Draft:
    def __init__(self, before: OrderLifecycle) -> None:
        self.before = before
        self.validated = before.validated
        self.hold_reason = before.hold_reason
        self.closed = before.closed
        self.lines = dict(before.lines)
        self.fulfillment_orders = dict(before.fulfillment_orders)
        self.returns = dict(before.returns)
        self.effects: list[Effect] = []

    @property
    def subject(self) -> str:
        return f"order {self.before.order_id!r}"

    def line(self, line_id: str) -> Line:
        try:
            return self.lines[line_id]
        except KeyError:
            raise UnknownReference(
                f"{self.subject}: has no line {line_id!r}; its lines: {', '.join(self.lines)}"
            ) from None

    def change_line(self, line_id: str, operation: str, units: int) -> Line:
        """Apply a ledger operation to one line (checked by the ledger and the line machine)."""
        changed = self.line(line_id).apply(operation, units)
        self.lines[line_id] = changed
        return changed

    def change_lines(self, operation: str, units: Mapping[str, int]) -> dict[str, Line]:
        """The same ledger operation on several lines (``{line_id: units}``); the lines as changed."""
        return {line_id: self.change_line(line_id, operation, count) for line_id, count in units.items()}

    def fulfillment_order(self, fulfillment_order_id: str) -> FulfillmentOrder:
        try:
            return self.fulfillment_orders[fulfillment_order_id]
        except KeyError:
            known = ", ".join(self.fulfillment_orders) or "none"
            raise UnknownReference(
                f"{self.subject}: has no fulfillment order {fulfillment_order_id!r}; its fulfillment orders: {known}"
            ) from None

    def rma(self, return_id: str) -> ReturnAuthorization:
        try:
            return self.returns[return_id]
        except KeyError:
            known = ", ".join(self.returns) or "none"
            raise UnknownReference(f"{self.subject}: has no return {return_id!r}; its returns: {known}") from None

    def require_new_id(self, kind: str, new_id: str) -> None:
        if new_id in self.fulfillment_orders or new_id in self.returns:
            raise LifecycleRejected(f"{self.subject}: already has a {kind} {new_id!r}; give the new one another id")

    def inventory(self, action: InventoryAction, location: str, line_id: str, quantity: int, reference: str) -> None:
        sku = self.line(line_id).sku
        self.effects.append(InventoryEffect(action, location, sku, quantity, self.before.order_id, line_id, reference))

    def result(self) -> OrderLifecycle:
        return replace(
            self.before,
            validated=self.validated,
            hold_reason=self.hold_reason,
            closed=self.closed,
            lines=self.lines,
            fulfillment_orders=self.fulfillment_orders,
            returns=self.returns,
        )
