"""Returns (RMAs): units of delivered order lines coming back, from the request to the refund or exchange.

Its machine (``machines/return.yaml``), whose states map onto the canonical ``return.v1`` statuses::

    requested -> authorized -> partially_received -> received -> inspected -> restocked | disposed
              -> refunded | exchanged -> closed                         (rejected from requested or authorized)

Per line a return counts units requested, received, cancelled (not coming: the return was rejected, or they
had not arrived when the goods were inspected), restocked and disposed of. Restocking needs the location the
goods came back to. Like fulfillment orders these values are pure; what each step does to the order lines'
quantity ledger and to inventory is decided in ``hub.lifecycle.return_actions``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from hub.lifecycle.errors import QuantityRejected
from hub.lifecycle.guards import Change
from hub.lifecycle.line_units import checked_units, require_known_lines
from hub.lifecycle.machine import Machine
from hub.lifecycle.machine_files import machine


class ReturnState(StrEnum):
    REQUESTED = "requested"
    AUTHORIZED = "authorized"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    INSPECTED = "inspected"
    RESTOCKED = "restocked"
    DISPOSED = "disposed"
    REFUNDED = "refunded"
    EXCHANGED = "exchanged"
    CLOSED = "closed"
    REJECTED = "rejected"


def return_machine() -> Machine:
    return machine("return", ReturnState)


@dataclass(frozen=True)
class ReturnLine:
    line_id: str
    sku: str | None
    requested: int
    received: int = 0
    cancelled: int = 0
    restocked: int = 0
    disposed: int = 0
    condition: str | None = None  # as found at inspection ("new", "opened", "damaged")

    @property
    def expected(self) -> int:
        """Units the return still counts on: requested and not cancelled."""
        return self.requested - self.cancelled

    @property
    def awaited(self) -> int:
        return self.expected - self.received

    @property
    def undecided(self) -> int:
        """Received units neither restocked nor disposed of yet."""
        return self.received - self.restocked - self.disposed


@dataclass(frozen=True)
class ReturnAuthorization:
    id: str
    lines: Mapping[str, ReturnLine]
    state: ReturnState = ReturnState.REQUESTED
    rma_number: str | None = None
    location: str | None = None  # where the goods come back to, and are restocked
    reason: str | None = None  # the buyer's reason, or why the return was rejected
    replacements: Mapping[str, str] = field(default_factory=dict)  # line_id -> SKU sent in exchange

    def is_open(self) -> bool:
        return not return_machine().is_terminal(self.state)

    def authorize(self, rma_number: str | None, location: str | None) -> ReturnAuthorization:
        after = replace(self, rma_number=rma_number or self.rma_number, location=location or self.location)
        return self._fire("authorize", after)

    def reject(self, reason: str) -> ReturnAuthorization:
        return_machine().check_event(self.state, "reject", subject=repr(self.id))
        return self._fire("reject", replace(self._cancel_awaited(), reason=reason))

    def receive(self, units: Mapping[str, int], location: str | None) -> ReturnAuthorization:
        return_machine().check_event(self.state, "receive", subject=repr(self.id))
        units = self._checked(units, "receive", {i: line.awaited for i, line in self.lines.items()}, "awaited")
        lines = {i: replace(line, received=line.received + units.get(i, 0)) for i, line in self.lines.items()}
        return self._fire("receive", replace(self, lines=lines, location=location or self.location))

    def inspect(self, conditions: Mapping[str, str]) -> ReturnAuthorization:
        """Goods in hand are inspected; units still awaited are no longer expected."""
        return_machine().check_event(self.state, "inspect", subject=repr(self.id))
        require_known_lines(f"return {self.id!r}", conditions, self.lines)
        after = self._cancel_awaited()
        lines = {i: replace(line, condition=conditions.get(i, line.condition)) for i, line in after.lines.items()}
        return self._fire("inspect", replace(after, lines=lines))

    def restock(self, units: Mapping[str, int]) -> ReturnAuthorization:
        return_machine().check_event(self.state, "restock", subject=repr(self.id))
        if self.location is None:
            raise QuantityRejected(
                f"return {self.id!r}: cannot restock: no location is known for the goods; give one when they are "
                "received (or when the return is authorized)"
            )
        units = self._checked(units, "restock", self.undecided_by_line(), "received and not yet dispositioned")
        lines = {i: replace(line, restocked=line.restocked + units.get(i, 0)) for i, line in self.lines.items()}
        return self._fire("restock", replace(self, lines=lines))

    def dispose(self, units: Mapping[str, int]) -> ReturnAuthorization:
        return_machine().check_event(self.state, "dispose", subject=repr(self.id))
        units = self._checked(units, "dispose of", self.undecided_by_line(), "received and not yet dispositioned")
        lines = {i: replace(line, disposed=line.disposed + units.get(i, 0)) for i, line in self.lines.items()}
        return self._fire("dispose", replace(self, lines=lines))

    def refund(self) -> ReturnAuthorization:
        return self._fire("refund", self)

    def exchange(self, replacements: Mapping[str, str]) -> ReturnAuthorization:
        return_machine().check_event(self.state, "exchange", subject=repr(self.id))
        require_known_lines(f"return {self.id!r}", replacements, self.lines)
        return self._fire("exchange", replace(self, replacements=dict(replacements)))

    def close(self) -> ReturnAuthorization:
        return self._fire("close", self)

    def undecided_by_line(self) -> dict[str, int]:
        return {line_id: line.undecided for line_id, line in self.lines.items()}

    def _checked(
        self, units: Mapping[str, int], action: str, available: Mapping[str, int], what: str
    ) -> dict[str, int]:
        known = {line_id: available.get(line_id, 0) for line_id in self.lines}
        return checked_units(f"return {self.id!r}", units, known, action=action, units=what)

    def _cancel_awaited(self) -> ReturnAuthorization:
        lines = {i: replace(line, cancelled=line.cancelled + line.awaited) for i, line in self.lines.items()}
        return replace(self, lines=lines)

    def _fire(self, event: str, after: ReturnAuthorization) -> ReturnAuthorization:
        state = return_machine().fire(self.state, event, Change(self, after), subject=repr(self.id))
        return replace(after, state=ReturnState(state))
