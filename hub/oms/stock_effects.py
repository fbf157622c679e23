"""Lifecycle commands carried out together with what they mean for stock.

``hub.lifecycle.store.execute`` applies a command and returns its effects; the inventory moves among them
must happen in the same transaction, or the lifecycle and the stock books disagree. ``execute_with_stock``
does both:

==========  =========================================================================================
effect      inventory call
==========  =========================================================================================
release     ``hub.inventory.release`` of the units at the location (cancelled lines, rejected or
            cancelled fulfillment orders): they are available to sell, and waiting orders wake up
ship        ``hub.inventory.ship`` of the units from the fulfillment order's location
restock     ``hub.inventory.restock_return`` at the location the return came back to
==========  =========================================================================================

No inventory idempotency key is needed: the lifecycle refuses a second shipment or restock of the same
units before any effect exists, and both writes share one transaction. Effects of lines without a SKU move
no stock. Refunds and replacements due are returned for whoever pays
them out. A refusal from the inventory (a restock with no location, say) raises, and the caller's
transaction rolls back with the lifecycle change.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.inventory import release, restock_return, ship
from hub.inventory.errors import InventoryInputError
from hub.lifecycle import InventoryEffect, LifecycleCommand, Outcome
from hub.lifecycle.store import execute


def execute_with_stock(session: Session, order_id: str, command: LifecycleCommand, *, source: str) -> Outcome:
    """Apply ``command`` to the stored order and carry out its inventory effects, in the caller's transaction."""
    outcome = execute(session, order_id, command, source=source)
    for effect in outcome.effects:
        if isinstance(effect, InventoryEffect) and effect.sku is not None:
            apply_inventory_effect(session, effect, source=source)
    return outcome


def apply_inventory_effect(session: Session, effect: InventoryEffect, *, source: str) -> None:
    """One lifecycle inventory effect, with ``hub.inventory``."""
    assert effect.sku is not None
    where = (effect.order_id, effect.line_id, effect.location)
    if effect.action == "release":
        release(session, *where, effect.quantity, source=source, note=f"lifecycle: {effect.reference}")
    elif effect.action == "ship":
        ship(session, *where, effect.quantity, reference=effect.reference, source=source)
    else:
        if not effect.location:
            raise InventoryInputError(
                f"return {effect.reference} of order {effect.order_id}: restocked units need the location they "
                "came back to; receive the return with a location first"
            )
        key = f"return:{effect.reference}:{effect.line_id}:{effect.quantity}"
        restock_return(
            session, effect.sku, effect.location, effect.quantity, reference=effect.reference, key=key, source=source
        )
