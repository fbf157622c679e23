"""Actions of the order-level commands: validate, hold, close, cancel, backorder and deliver.

Cancelling allocated units takes them out of fulfillment orders that have not been sent (newest first) and
gives their reservations back (``release`` effects); units already with a location are never cancelled
here: the fulfillment order is cancelled first (its units return to the line), then the units.
"""

from __future__ import annotations

from hub.lifecycle.commands import (
    BackorderLine,
    CancelLine,
    CancelOrder,
    Close,
    DeliverLines,
    Hold,
    ReleaseHold,
    Validate,
)
from hub.lifecycle.draft import Draft, action
from hub.lifecycle.errors import LifecycleRejected
from hub.lifecycle.fulfillment import FulfillmentState
from hub.lifecycle.quantities import apply_operation


@action(Validate)
def validate(draft: Draft, command: Validate) -> None:
    draft.validated = True


@action(Hold)
def hold(draft: Draft, command: Hold) -> None:
    draft.hold_reason = command.reason


@action(ReleaseHold)
def release_hold(draft: Draft, command: ReleaseHold) -> None:
    draft.hold_reason = None


@action(Close)
def close(draft: Draft, command: Close) -> None:
    draft.closed = True


@action(BackorderLine)
def backorder_line(draft: Draft, command: BackorderLine) -> None:
    draft.change_line(command.line, "backorder", command.quantity)


@action(DeliverLines)
def deliver_lines(draft: Draft, command: DeliverLines) -> None:
    draft.change_lines("deliver", command.lines)


@action(CancelLine)
def cancel_line(draft: Draft, command: CancelLine) -> None:
    cancel_units(draft, command.line, command.quantity, command.reason)


@action(CancelOrder)
def cancel_order(draft: Draft, command: CancelOrder) -> None:
    with_fulfillment = {
        line_id: line.quantities.released for line_id, line in draft.lines.items() if line.quantities.released
    }
    if with_fulfillment:
        holders = sorted(
            f"{fo.id} ({fo.state})"
            for fo in draft.fulfillment_orders.values()
            if fo.state is not FulfillmentState.CREATED and any(line_id in fo.lines for line_id in with_fulfillment)
        )
        raise LifecycleRejected(
            f"{draft.subject}: cannot cancel the whole order: units of line(s) {', '.join(with_fulfillment)} are "
            f"already with fulfillment ({', '.join(holders)}); cancel those fulfillment orders first, or cancel "
            "the remaining units line by line"
        )
    for line_id, line in list(draft.lines.items()):
        remaining = line.quantities.active
        if remaining:
            cancel_units(draft, line_id, remaining, command.reason)


def cancel_units(draft: Draft, line_id: str, units: int, reason: str) -> None:
    """Cancel ``units`` of a line; allocated ones come out of unsent fulfillment orders, newest first."""
    quantities = draft.line(line_id).quantities
    apply_operation(quantities, "cancel", units, line_id=line_id)  # refuses here, before anything moves
    from_allocated = units - quantities.unallocated - quantities.backordered
    for fo in reversed(list(draft.fulfillment_orders.values())):
        if from_allocated <= 0:
            break
        if fo.state is not FulfillmentState.CREATED or line_id not in fo.lines or not fo.lines[line_id].open:
            continue
        taken = min(from_allocated, fo.lines[line_id].open)
        draft.fulfillment_orders[fo.id] = fo.cancel_units({line_id: taken}, reason)
        draft.change_line(line_id, "deallocate", taken)
        draft.inventory("release", fo.location, line_id, taken, fo.id)
        from_allocated -= taken
    draft.change_line(line_id, "cancel", units)
