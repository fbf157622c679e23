"""Fulfillment orders: units of one order's lines that one location is asked to ship.

Each routed allocation becomes one fulfillment order (one location, some units of some lines), the unit that
is later sent to a 3PL, a store or a supplier. Its machine (``machines/fulfillment_order.yaml``)::

    created -> sent -> accepted -> partially_shipped -> shipped
    created -> cancelled          (cancel_units of every unit, or cancel)
    sent / accepted -> rejected | cancelled
    partially_shipped -> closed   (the rest cancelled)

These values are pure: each operation returns a new fulfillment order, or raises (``IllegalTransition``,
``QuantityRejected``, ``UnknownReference``) leaving the old one as it was. What the operations mean for the
order lines' quantity ledger and for inventory is decided in ``hub.lifecycle.fulfillment_actions``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from hub.lifecycle.guards import Change
from hub.lifecycle.line_units import checked_units
from hub.lifecycle.machine import Machine
from hub.lifecycle.machine_files import machine


class FulfillmentState(StrEnum):
    CREATED = "created"
    SENT = "sent"
    ACCEPTED = "accepted"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    CLOSED = "closed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


def fulfillment_machine() -> Machine:
    return machine("fulfillment_order", FulfillmentState)


@dataclass(frozen=True)
class FulfillmentLine:
    line_id: str
    sku: str | None
    quantity: int
    shipped: int = 0
    cancelled: int = 0  # units this location will not ship: cancelled here, or given back by a reject or cancel

    @property
    def open(self) -> int:
        """Units still to ship from here."""
        return self.quantity - self.shipped - self.cancelled


@dataclass(frozen=True)
class FulfillmentOrder:
    id: str
    location: str
    lines: Mapping[str, FulfillmentLine]
    state: FulfillmentState = FulfillmentState.CREATED
    reason: str | None = None  # why it was rejected or cancelled
    external_id: str | None = None  # the location's reference, once it accepted

    def open_units(self) -> int:
        return sum(line.open for line in self.lines.values())

    def shipped_units(self) -> int:
        return sum(line.shipped for line in self.lines.values())

    def open_by_line(self) -> dict[str, int]:
        return {line_id: line.open for line_id, line in self.lines.items() if line.open}

    def is_released(self) -> bool:
        """True once the location has the order: its open units count as released in the ledger."""
        return self.state in (FulfillmentState.SENT, FulfillmentState.ACCEPTED, FulfillmentState.PARTIALLY_SHIPPED)

    def send(self) -> FulfillmentOrder:
        return self._fire("send", self)

    def accept(self, external_id: str | None = None) -> FulfillmentOrder:
        return self._fire("accept", replace(self, external_id=external_id or self.external_id))

    def reject(self, reason: str) -> FulfillmentOrder:
        fulfillment_machine().check_event(self.state, "reject", subject=repr(self.id))
        return self._fire("reject", replace(self._cancel_open(), reason=reason))

    def cancel(self, reason: str) -> FulfillmentOrder:
        fulfillment_machine().check_event(self.state, "cancel", subject=repr(self.id))
        return self._fire("cancel", replace(self._cancel_open(), reason=reason))

    def ship(self, units: Mapping[str, int]) -> FulfillmentOrder:
        fulfillment_machine().check_event(self.state, "ship", subject=repr(self.id))
        units = self._checked(units, "ship", "still to ship from here")
        lines = {
            line_id: replace(line, shipped=line.shipped + units.get(line_id, 0)) for line_id, line in self.lines.items()
        }
        return self._fire("ship", replace(self, lines=lines))

    def cancel_units(self, units: Mapping[str, int], reason: str) -> FulfillmentOrder:
        """Take units out before the order is sent; cancelling every unit cancels the fulfillment order."""
        fulfillment_machine().check_event(self.state, "cancel_units", subject=repr(self.id))
        units = self._checked(units, "cancel", "still open here")
        lines = {
            line_id: replace(line, cancelled=line.cancelled + units.get(line_id, 0))
            for line_id, line in self.lines.items()
        }
        after = replace(self, lines=lines)
        return self._fire("cancel_units", replace(after, reason=reason) if after.open_units() == 0 else after)

    def _checked(self, units: Mapping[str, int], action: str, what: str) -> dict[str, int]:
        available = {line_id: line.open for line_id, line in self.lines.items()}
        return checked_units(f"fulfillment order {self.id!r}", units, available, action=action, units=what)

    def _cancel_open(self) -> FulfillmentOrder:
        lines = {line_id: replace(line, cancelled=line.cancelled + line.open) for line_id, line in self.lines.items()}
        return replace(self, lines=lines)

    def _fire(self, event: str, after: FulfillmentOrder) -> FulfillmentOrder:
        state = fulfillment_machine().fire(self.state, event, Change(self, after), subject=repr(self.id))
        return replace(after, state=FulfillmentState(state))
