"""The per-line quantity ledger: how many units of an order line have reached each step, and the line state.

Each bucket counts the units that have reached at least that step, so the buckets nest::

    ordered   >= cancelled + backordered + allocated        (the rest is "unallocated")
    allocated >= released >= shipped >= delivered >= return_requested >= returned >= restocked + disposed

``allocated`` counts units reserved at a location, including those since released to fulfillment and
shipped; ``backordered`` units wait for stock and are not allocated. Operations take a positive number of
units and return new quantities, or raise ``QuantityRejected`` saying how many units were available and what
to do; the quantities are frozen, so a refused operation cannot have changed anything.

=================  ====================================================================================
operation          takes units from
=================  ====================================================================================
allocate n         backordered first (they were waiting for stock), then unallocated
backorder n        unallocated
deallocate n       allocated, not released (back to unallocated: the reservation is given up)
release n          allocated, not released (sent to fulfillment)
recall n           released, not shipped (fulfillment gave them back: back to unallocated)
ship n / deliver n released not shipped / shipped not delivered
cancel n           unallocated, then backordered, then allocated not released; never released or shipped
request_return n   delivered, not yet requested back;  cancel_return n: requested, not received
receive_return n   requested, not received;  restock n / dispose n: received, not yet dispositioned
=================  ====================================================================================

The line's state is derived from its quantities (``line_state``); ``Line.apply`` also checks the line machine
(``machines/line.yaml``) declares the move, so the ledger and the declared lifecycle cannot disagree silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from enum import StrEnum
from functools import cached_property

from hub.lifecycle.errors import QuantityRejected
from hub.lifecycle.guards import Change
from hub.lifecycle.machine import Machine
from hub.lifecycle.machine_files import machine


class LineState(StrEnum):
    PENDING = "pending"
    BACKORDERED = "backordered"
    PARTIALLY_ALLOCATED = "partially_allocated"
    ALLOCATED = "allocated"
    PARTIALLY_RELEASED = "partially_released"
    RELEASED = "released"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    PARTIALLY_DELIVERED = "partially_delivered"
    DELIVERED = "delivered"
    RETURN_REQUESTED = "return_requested"
    PARTIALLY_RETURNED = "partially_returned"
    RETURNED = "returned"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class LineQuantities:
    ordered: int
    allocated: int = 0
    backordered: int = 0
    released: int = 0
    shipped: int = 0
    delivered: int = 0
    cancelled: int = 0
    return_requested: int = 0
    returned: int = 0
    restocked: int = 0
    disposed: int = 0

    def __post_init__(self) -> None:
        problems = ledger_problems(self)
        if problems:
            raise ValueError(f"inconsistent line quantities {self.as_dict()}: {'; '.join(problems)}")

    @property
    def active(self) -> int:
        """Units still wanted: ordered and not cancelled."""
        return self.ordered - self.cancelled

    @property
    def unallocated(self) -> int:
        return self.ordered - self.cancelled - self.backordered - self.allocated

    def as_dict(self) -> dict[str, int]:
        # not dataclasses.asdict: its deep copy of every field made it a visible part of routing a batch
        return {name: getattr(self, name) for name in BUCKETS}

    def changes_from(self, before: LineQuantities) -> dict[str, list[int]]:
        """The buckets that differ from ``before``, as ``{bucket: [before, after]}``."""
        return {
            name: [getattr(before, name), getattr(self, name)]
            for name in BUCKETS
            if getattr(before, name) != getattr(self, name)
        }


BUCKETS = tuple(f.name for f in fields(LineQuantities))


def _changed(q: LineQuantities, **buckets: int) -> LineQuantities:
    """``q`` with some buckets set (``dataclasses.replace`` looks the fields up again on every call)."""
    return LineQuantities(**(q.as_dict() | buckets))


def ledger_problems(q: LineQuantities) -> list[str]:
    """Every invariant ``q`` breaks, in words; empty when the quantities are consistent."""
    # Every ledger operation builds new quantities, so this runs for each of them: consistent quantities (the
    # usual case) are recognised by one chain of comparisons, and only broken ones are described.
    if (
        0 <= q.restocked + q.disposed <= q.returned <= q.return_requested <= q.delivered <= q.shipped <= q.released
        and q.released <= q.allocated
        and q.cancelled + q.backordered + q.allocated <= q.ordered
        and min(q.restocked, q.disposed, q.cancelled, q.backordered) >= 0
    ):
        return []
    return every_problem(q)


def every_problem(q: LineQuantities) -> list[str]:
    """Every invariant ``q`` breaks, each checked on its own: what ``ledger_problems`` says once its single
    chain of comparisons found something wrong."""
    problems = [f"{name} is negative" for name in BUCKETS if getattr(q, name) < 0]
    chain = (
        ("cancelled + backordered + allocated", q.cancelled + q.backordered + q.allocated, "ordered", q.ordered),
        ("released", q.released, "allocated", q.allocated),
        ("shipped", q.shipped, "released", q.released),
        ("delivered", q.delivered, "shipped", q.shipped),
        ("return_requested", q.return_requested, "delivered", q.delivered),
        ("returned", q.returned, "return_requested", q.return_requested),
        ("restocked + disposed", q.restocked + q.disposed, "returned", q.returned),
    )
    problems += [f"{low} ({a}) exceeds {high} ({b})" for low, a, high, b in chain if a > b]
    return problems


@dataclass(frozen=True)
class _Rule:
    available: Callable[[LineQuantities], int]
    units: str  # what the available units are, for refusals
    change: Callable[[LineQuantities, int], LineQuantities]
    advice: str


def _allocate(q: LineQuantities, n: int) -> LineQuantities:
    from_backorder = min(n, q.backordered)
    return _changed(q, allocated=q.allocated + n, backordered=q.backordered - from_backorder)


def _cancel(q: LineQuantities, n: int) -> LineQuantities:
    from_unallocated = min(n, q.unallocated)
    from_backorder = min(n - from_unallocated, q.backordered)
    from_allocated = n - from_unallocated - from_backorder
    return _changed(
        q, cancelled=q.cancelled + n, backordered=q.backordered - from_backorder, allocated=q.allocated - from_allocated
    )


RULES: dict[str, _Rule] = {
    "allocate": _Rule(
        lambda q: q.unallocated + q.backordered,
        "unallocated or backordered",
        _allocate,
        "every other unit is allocated or cancelled",
    ),
    "backorder": _Rule(
        lambda q: q.unallocated,
        "unallocated",
        lambda q, n: _changed(q, backordered=q.backordered + n),
        "only units not allocated yet can wait for stock",
    ),
    "deallocate": _Rule(
        lambda q: q.allocated - q.released,
        "allocated and not yet released",
        lambda q, n: _changed(q, allocated=q.allocated - n),
        "units sent to fulfillment come back through a recall",
    ),
    "release": _Rule(
        lambda q: q.allocated - q.released,
        "allocated and not yet released",
        lambda q, n: _changed(q, released=q.released + n),
        "allocate units before sending them to fulfillment",
    ),
    "recall": _Rule(
        lambda q: q.released - q.shipped,
        "released and not shipped",
        lambda q, n: _changed(q, released=q.released - n, allocated=q.allocated - n),
        "shipped units cannot be recalled",
    ),
    "ship": _Rule(
        lambda q: q.released - q.shipped,
        "released and not yet shipped",
        lambda q, n: _changed(q, shipped=q.shipped + n),
        "release more units to fulfillment first",
    ),
    "deliver": _Rule(
        lambda q: q.shipped - q.delivered,
        "shipped and not yet delivered",
        lambda q, n: _changed(q, delivered=q.delivered + n),
        "only shipped units can be delivered",
    ),
    "cancel": _Rule(
        lambda q: q.unallocated + q.backordered + q.allocated - q.released,
        "not yet released to fulfillment",
        _cancel,
        "released units must come back from fulfillment (cancel the fulfillment order) before they can be "
        "cancelled, and shipped units can only be returned",
    ),
    "request_return": _Rule(
        lambda q: q.delivered - q.return_requested,
        "delivered and not already being returned",
        lambda q, n: _changed(q, return_requested=q.return_requested + n),
        "only delivered units can be returned",
    ),
    "cancel_return": _Rule(
        lambda q: q.return_requested - q.returned,
        "requested back and not received",
        lambda q, n: _changed(q, return_requested=q.return_requested - n),
        "received units stay returned",
    ),
    "receive_return": _Rule(
        lambda q: q.return_requested - q.returned,
        "requested back and not yet received",
        lambda q, n: _changed(q, returned=q.returned + n),
        "request (authorize) the return of more units first",
    ),
    "restock": _Rule(
        lambda q: q.returned - q.restocked - q.disposed,
        "returned and not yet restocked or disposed of",
        lambda q, n: _changed(q, restocked=q.restocked + n),
        "receive the units back first",
    ),
    "dispose": _Rule(
        lambda q: q.returned - q.restocked - q.disposed,
        "returned and not yet restocked or disposed of",
        lambda q, n: _changed(q, disposed=q.disposed + n),
        "receive the units back first",
    ),
}
OPERATIONS = tuple(RULES)


def available(q: LineQuantities, operation: str) -> int:
    """How many units ``operation`` could take right now."""
    return RULES[operation].available(q)


def apply_operation(q: LineQuantities, operation: str, units: int, *, line_id: str = "") -> LineQuantities:
    """``q`` after ``operation`` of ``units``; ``QuantityRejected`` (nothing changed) when it cannot apply."""
    rule = RULES.get(operation)
    if rule is None:
        raise ValueError(f"unknown ledger operation {operation!r}; operations: {', '.join(OPERATIONS)}")
    where = f"line {line_id!r}" if line_id else "line"
    if isinstance(units, bool) or not isinstance(units, int) or units < 1:
        raise QuantityRejected(f"{where}: cannot {operation} {units!r} units: give a whole number of at least 1")
    can = rule.available(q)
    if units > can:
        counts = ", ".join(f"{name} {value}" for name, value in q.as_dict().items() if value)
        raise QuantityRejected(
            f"{where}: cannot {operation} {units} unit(s): only {can} {'is' if can == 1 else 'are'} {rule.units} "
            f"({counts}); {rule.advice}"
        )
    return rule.change(q, units)


def forward_state(q: LineQuantities) -> LineState:
    """How far the units still wanted have come, ignoring returns (the order rollup uses the same rule).

    The furthest step any unit has reached decides: all the units wanted there is the whole state, fewer
    the partial one.
    """
    active = q.ordered - q.cancelled
    if active == 0:
        return LineState.CANCELLED
    if q.delivered:
        return LineState.DELIVERED if q.delivered == active else LineState.PARTIALLY_DELIVERED
    if q.shipped:
        return LineState.SHIPPED if q.shipped == active else LineState.PARTIALLY_SHIPPED
    if q.released:
        return LineState.RELEASED if q.released == active else LineState.PARTIALLY_RELEASED
    if q.allocated:
        return LineState.ALLOCATED if q.allocated == active else LineState.PARTIALLY_ALLOCATED
    return LineState.BACKORDERED if q.backordered else LineState.PENDING


def line_state(q: LineQuantities) -> LineState:
    """The line's state: its forward progress, and once every unit is delivered, where its returns stand."""
    state = forward_state(q)
    if state is not LineState.DELIVERED:
        return state
    if q.return_requested > q.returned:
        return LineState.RETURN_REQUESTED
    if q.returned == 0:
        return LineState.DELIVERED
    return LineState.RETURNED if q.returned == q.delivered else LineState.PARTIALLY_RETURNED


def line_machine() -> Machine:
    return machine("line", LineState)


@dataclass(frozen=True)
class Line:
    """One order line in the ledger: what it is, and its quantities. Its state is derived, never set."""

    line_id: str
    sku: str | None
    quantities: LineQuantities

    @cached_property  # the line is a value: its quantities never change, and applying a command reads this often
    def state(self) -> LineState:
        return line_state(self.quantities)

    def apply(self, operation: str, units: int) -> Line:
        """This line after ``operation``; refused by the line machine or the ledger without changing anything."""
        lines = line_machine()
        subject = repr(self.line_id)
        lines.check_event(self.state, operation, subject=subject)
        after = Line(self.line_id, self.sku, apply_operation(self.quantities, operation, units, line_id=self.line_id))
        lines.fire(self.state, operation, Change(self, after), target=after.state, subject=subject)
        return after
