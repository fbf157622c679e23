"""A cancellation from the channel carried into the lifecycle and the stock books.

When a channel cancels an order (``hub.channels.apply.apply_order`` stores the cancelled version), the
hub cancels every unit through the lifecycle and releases what the inventory committed for them, in the
same transaction, and the order stops waiting for stock. Units already sent to a warehouse or supplier
cannot be taken back by the hub alone: those stay, the rest is cancelled, and the timeline says which
fulfillment orders a person must cancel with the location (``order.cancellation_incomplete``).
Each fulfillment order a partner holds is asked to cancel through a ``fulfillment_order.cancel`` delivery
(``hub.delivery.outbox.plan_cancellation``): its stock is released, and its units cancelled, only once the
partner confirms. One already shipped is listed on that timeline entry (``already_shipped``), as is one
whose location nobody fulfils (``nobody_to_ask``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.db.models import OrderLifecycleRecord
from hub.delivery.outbox import plan_cancellation
from hub.lifecycle import FulfillmentState, LifecycleRejected
from hub.lifecycle.commands import CancelLine, CancelOrder
from hub.lifecycle.quantities import available
from hub.lifecycle.store import load
from hub.oms.stock_effects import execute_with_stock
from hub.oms.waiting import finish_waiting
from hub.orders.store import record_event

INCOMPLETE = "order.cancellation_incomplete"


def cancel_for_channel(session: Session, order_id: str, *, reason: str, source: str) -> bool:
    """Cancel the order's units and release their stock; False when some units are with fulfillment."""
    finish_waiting(session, order_id)
    if session.get(OrderLifecycleRecord, order_id) is None:
        return True  # never routed: nothing is allocated, and the lifecycle starts cancelled when it starts
    try:
        with session.begin_nested():
            execute_with_stock(session, order_id, CancelOrder(reason=reason), source=source)
        return True
    except LifecycleRejected as refused:
        kept = _cancel_what_can_be(session, order_id, reason, source)
        data = {"reason": reason, "refused": str(refused), "still_with_fulfillment": kept}
        data |= _cancel_at_partners(session, order_id, reason, source)
        record_event(session, order_id, INCOMPLETE, source=source, data=data)
        return False


def _cancel_at_partners(session: Session, order_id: str, reason: str, source: str) -> dict[str, list[str]]:
    """Ask whoever holds each released fulfillment order to cancel it (a cancel delivery: its units are released
    and cancelled when the partner confirms); list those already shipped, and those nobody can be asked about."""
    found: dict[str, list[str]] = {"cancelling_at_partner": [], "already_shipped": [], "nobody_to_ask": []}
    for fo in load(session, order_id).fulfillment_orders.values():
        if fo.state in (FulfillmentState.SHIPPED, FulfillmentState.CLOSED):
            found["already_shipped"].append(fo.id)
        elif fo.is_released():
            asked = plan_cancellation(session, fo.id, reason, cancel_lines=True, source=source)
            found["cancelling_at_partner" if asked else "nobody_to_ask"].append(fo.id)
    return found


def _cancel_what_can_be(session: Session, order_id: str, reason: str, source: str) -> dict[str, int]:
    """Cancel, line by line, every unit not released to fulfillment; the units left per line."""
    left: dict[str, int] = {}
    for line_id, line in load(session, order_id).lines.items():
        units = available(line.quantities, "cancel")
        if units:
            execute_with_stock(
                session, order_id, CancelLine(line=line_id, quantity=units, reason=reason), source=source
            )
        remaining = line.quantities.active - units
        if remaining:
            left[line_id] = remaining
    return left
