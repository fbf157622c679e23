"""Changes to stock on hand that are not receipts, shipments or counts: corrections, returns put back on
the shelf, and the safety stock held back from selling.

``adjust`` adds a signed delta to on hand (damage, found units, a feed that reports movements rather than
figures). On hand never goes below zero: a removal of more than is there is refused with the figure, so
the caller can count instead. ``restock_return`` is an adjustment with its own reason, so returns stay
visible in the ledger. ``set_safety_stock`` sets the hold-back to an absolute figure. Each takes an
optional idempotency ``key`` (an RMA line, a feed record id) under which it applies once.

Absolute on-hand figures (cycle counts, 3PL and ERP feeds, 846s) do not belong here: they are reconciled
against the ledger by ``hub.inventory.counts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from hub.db.models.base import utcnow
from hub.inventory.errors import InventoryInputError, check_quantity
from hub.inventory.ledger import Bucket, Cause, Reason, key_seen, operation_key
from hub.inventory.levels import Level, change, get_level
from hub.inventory.locations import location_state
from hub.inventory.tables import ensure_level, lock_level

ADJUSTMENT_REASONS = (Reason.ADJUSTMENT, Reason.RETURN_RESTOCK, Reason.RECEIPT)


@dataclass(frozen=True)
class Adjustment:
    level: Level
    applied: bool  # False when the key had been applied before (nothing changed)


def _prepare(session: Session, sku: str, location_id: str, key: str | None, now: datetime) -> Level | None:
    """Check the location, create and lock the level; the current level when ``key`` was applied before."""
    location_state(session, location_id)
    ensure_level(session, sku, location_id, now)
    lock_level(session, sku, location_id, now)
    if key is not None and key_seen(session, key):
        return get_level(session, sku, location_id)
    return None


def adjust(
    session: Session,
    sku: str,
    location_id: str,
    delta: int,
    *,
    reason: Reason = Reason.ADJUSTMENT,
    reference: str | None = None,
    note: str | None = None,
    key: str | None = None,
    source: str = "hub",
    now: datetime | None = None,
) -> Adjustment:
    """Add ``delta`` (signed, not 0) to on hand."""
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise InventoryInputError(f"an adjustment is a non-zero whole number of units, not {delta!r}")
    if reason not in ADJUSTMENT_REASONS:
        raise InventoryInputError(f"reason {reason} is not an adjustment; use one of {', '.join(ADJUSTMENT_REASONS)}")
    ledger_key = operation_key(str(reason), location_id, sku, key) if key else None
    seen = _prepare(session, sku, location_id, ledger_key, now or utcnow())
    if seen is not None:
        return Adjustment(seen, applied=False)
    cause = Cause(reason, source, reference=reference, note=note, key=ledger_key)
    level = change(session, sku, location_id, {Bucket.ON_HAND: delta}, cause, now=now)
    if level is None:
        on_hand = get_level(session, sku, location_id).on_hand
        raise InventoryInputError(
            f"cannot remove {-delta} units of {sku} at {location_id!r}: only {on_hand} on hand "
            "(record a count if the figure is wrong)"
        )
    return Adjustment(level, applied=True)


def restock_return(
    session: Session,
    sku: str,
    location_id: str,
    quantity: int,
    *,
    reference: str | None = None,
    key: str | None = None,
    source: str = "hub",
    now: datetime | None = None,
) -> Adjustment:
    """Put ``quantity`` returned units back on hand (``reference``: the return or RMA)."""
    check_quantity(quantity)
    return adjust(
        session,
        sku,
        location_id,
        quantity,
        reason=Reason.RETURN_RESTOCK,
        reference=reference,
        key=key,
        source=source,
        now=now,
    )


def set_safety_stock(
    session: Session,
    sku: str,
    location_id: str,
    quantity: int,
    *,
    source: str = "hub",
    now: datetime | None = None,
) -> Level:
    """Hold ``quantity`` units of the level back from being promised (0 to hold none)."""
    check_quantity(quantity, "safety stock", minimum=0)
    _prepare(session, sku, location_id, None, now or utcnow())
    current = get_level(session, sku, location_id)
    cause = Cause(Reason.SAFETY_STOCK, source)
    level = change(session, sku, location_id, {Bucket.SAFETY_STOCK: quantity - current.safety_stock}, cause, now=now)
    assert level is not None  # the row exists and is locked; the new value is not negative
    return level
