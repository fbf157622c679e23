"""What routing decided for one order: per line, where its units ship from now, what waits for stock to
come, what is held and why; for the order, the outcome, when to route it again, and the trace.

A decision commits nothing. The caller commits ``commitments()`` atomically; when a location turns out to
have less than the snapshot said, it lowers that figure (``Snapshot.with_available``) and decides again.
``to_json()`` is what the order's timeline records and what ``orderhub route simulate`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    ROUTED = "routed"  # every unit to ship has a location with stock now
    PARTIALLY_ROUTED = "partially_routed"  # some units placed now, the rest waits or is held
    BACKORDERED = "backordered"  # nothing placed now, everything waits for stock to come
    HELD = "held"  # nothing placed now and something cannot proceed without someone acting
    NOTHING_TO_ROUTE = "nothing_to_route"  # no line needs shipping (gift cards, services)


class LineStatus(StrEnum):
    ALLOCATED = "allocated"
    PARTIALLY_ALLOCATED = "partially_allocated"
    BACKORDERED = "backordered"
    HELD = "held"
    NOT_ROUTED = "not_routed"


@dataclass(frozen=True)
class Allocation:
    location: str
    quantity: int
    dropship: bool = False
    ships_on: date | None = None


@dataclass(frozen=True)
class Backorder:
    """Units waiting for stock: against an arrival at ``location`` (expected on ``expected``, for ASN or PO
    ``reference``), or with no location yet when none is known."""

    quantity: int
    location: str | None = None
    expected: date | None = None
    reference: str | None = None


@dataclass(frozen=True)
class Preorder:
    quantity: int
    location: str
    release: date | None = None


@dataclass(frozen=True)
class Hold:
    quantity: int
    code: str
    reason: str


@dataclass(frozen=True)
class LineDecision:
    line_id: str
    sku: str | None
    quantity: int
    allocations: tuple[Allocation, ...] = ()
    backorders: tuple[Backorder, ...] = ()
    preorders: tuple[Preorder, ...] = ()
    hold: Hold | None = None
    already_allocated: int = 0  # units allocated by an earlier decision (routing the rest again)
    note: str | None = None  # why the line is not routed at all

    @property
    def allocated(self) -> int:
        return self.already_allocated + sum(item.quantity for item in self.allocations)

    @property
    def waiting(self) -> int:
        return sum(item.quantity for item in self.backorders) + sum(item.quantity for item in self.preorders)

    @property
    def status(self) -> LineStatus:
        if self.note is not None:
            return LineStatus.NOT_ROUTED
        if self.allocated >= self.quantity:
            return LineStatus.ALLOCATED
        if self.allocated:
            return LineStatus.PARTIALLY_ALLOCATED
        return LineStatus.HELD if self.hold else LineStatus.BACKORDERED

    def to_json(self) -> dict[str, Any]:
        return {
            "line_id": self.line_id,
            "sku": self.sku,
            "quantity": self.quantity,
            "status": str(self.status),
            "already_allocated": self.already_allocated,
            "allocations": [
                {"location": a.location, "quantity": a.quantity, "dropship": a.dropship, "ships_on": _day(a.ships_on)}
                for a in self.allocations
            ],
            "backorders": [
                {"quantity": b.quantity, "location": b.location, "expected": _day(b.expected), "reference": b.reference}
                for b in self.backorders
            ],
            "preorders": [
                {"quantity": p.quantity, "location": p.location, "release": _day(p.release)} for p in self.preorders
            ],
            "held": None
            if self.hold is None
            else {"quantity": self.hold.quantity, "code": self.hold.code, "reason": self.hold.reason},
            "note": self.note,
        }


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class Wait:
    """For an order not fully placed: when to route it again (besides when stock arrives), and when to
    cancel what is still unplaced."""

    reroute_at: datetime | None
    cancel_at: datetime | None


@dataclass(frozen=True)
class Commitment:
    """Stock to commit at a location for a line: what the caller writes, atomically, for a decision."""

    line_id: str
    sku: str
    location: str
    quantity: int
    dropship: bool


@dataclass(frozen=True)
class Decision:
    order: str
    decided_at: datetime
    rule: str | None
    outcome: Outcome
    lines: tuple[LineDecision, ...]
    wait: Wait | None
    trace: dict[str, Any]

    def commitments(self) -> list[Commitment]:
        return [
            Commitment(line.line_id, line.sku, allocation.location, allocation.quantity, allocation.dropship)
            for line in self.lines
            if line.sku is not None
            for allocation in line.allocations
        ]

    def awaiting(self) -> dict[str, int]:
        """Units per SKU not placed on stock now (backordered, pre-ordered or held): the SKUs whose arrival
        should wake this order up."""
        units: dict[str, int] = {}
        for line in self.lines:
            if line.sku is not None and line.status != LineStatus.NOT_ROUTED:
                short = line.quantity - line.allocated
                if short > 0:
                    units[line.sku] = units.get(line.sku, 0) + short
        return units

    def line(self, line_id: str) -> LineDecision:
        return next(line for line in self.lines if line.line_id == line_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "order": self.order,
            "decided_at": self.decided_at.isoformat(),
            "rule": self.rule,
            "outcome": str(self.outcome),
            "lines": [line.to_json() for line in self.lines],
            "wait": None
            if self.wait is None
            else {
                "reroute_at": self.wait.reroute_at.isoformat() if self.wait.reroute_at else None,
                "cancel_at": self.wait.cancel_at.isoformat() if self.wait.cancel_at else None,
            },
            "trace": self.trace,
        }


def order_outcome(lines: tuple[LineDecision, ...]) -> Outcome:
    routed = [line for line in lines if line.status != LineStatus.NOT_ROUTED]
    if not routed:
        return Outcome.NOTHING_TO_ROUTE
    if all(line.status == LineStatus.ALLOCATED for line in routed):
        return Outcome.ROUTED
    if any(line.allocated for line in routed):
        return Outcome.PARTIALLY_ROUTED
    if any(line.hold for line in routed):
        return Outcome.HELD
    return Outcome.BACKORDERED
