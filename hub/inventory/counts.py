"""Counts: absolute stock figures reported "as of" a moment (cycle counts, 3PL and ERP feeds, X12 846
inventory advices), reconciled against the ledger instead of overwriting the level.

A feed's figure is already old when it arrives: units may have been allocated, shipped or received since
it was counted. Writing it over on hand would undo those movements. So :func:`apply_count` asks the ledger
what on hand was at the count's ``as_of`` and applies only the difference, now::

    adjustment = reported - ledger value at as_of        (applied to on hand as one ``count`` entry)

Movements recorded after ``as_of`` therefore survive. The correction itself takes effect at ``as_of`` in
the ledger (``effective_at``), so a later count reconciled against a moment after it sees it and does not
correct the same difference twice. On hand is never taken below zero (the clamp is
noted on the entry). Two more rules make feeds safe to replay:

* a count whose ``as_of`` is older than the newest count already applied to the level is recorded as
  ``stale`` and changes nothing (the level keeps ``last_count_at``);
* every count has an idempotency key (the feed's record id, or one derived from location, SKU, as_of and
  figure), so the same count delivered twice applies once; the second delivery is reported ``duplicate``.

The ``basis`` says what the figure counts. ``on_hand`` is physical stock. ``available`` is on hand less
the units committed to our orders, as a supplier or 3PL reports what it can still sell: it has already
deducted the orders we sent it, so the ledger value compared is on hand minus committed at ``as_of``.

:func:`apply_inventory_advice` feeds a location from a canonical ``InventoryAdvice`` (an 846 or a feed):
each item's QTY 33 available quantity is a count with basis ``available``, keyed by the advice id, and its
QTY 63 on-order quantity (with its date) becomes the location's ``advice`` incoming row for the SKU. Items
are matched to SKUs by ``sku`` or by a resolver (e.g. the partner's item cross-reference); items that
cannot be matched, or are not in eaches, are returned as skipped with the reason, never dropped silently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from hub.canonical.inventory import InventoryAdvice, InventoryItem
from hub.db.models.base import utcnow
from hub.inventory.errors import InventoryInputError, check_quantity
from hub.inventory.incoming import IncomingSource, expect
from hub.inventory.ledger import Bucket, Cause, Reason, bounded_key, values_at
from hub.inventory.levels import BUCKET_COLUMNS, Level, change
from hub.inventory.locations import location_state
from hub.inventory.tables import COUNTS, LEVELS, dialect_insert, ensure_level

# A count from further in the future than this is refused: applied, it would make every real count stale.
FUTURE_TOLERANCE = timedelta(hours=1)


class CountBasis(StrEnum):
    ON_HAND = "on_hand"
    AVAILABLE = "available"


class CountStatus(StrEnum):
    APPLIED = "applied"
    STALE = "stale"  # older than the newest count applied: recorded, not applied
    DUPLICATE = "duplicate"  # the key was seen before: nothing recorded again


@dataclass(frozen=True)
class CountResult:
    status: CountStatus
    key: str
    sku: str
    location_id: str
    reported: int
    as_of: datetime
    ledger_value: int | None  # what the ledger said the basis was at as_of (None when stale)
    adjustment: int | None  # what was applied to on hand (None when stale)


def count_key(location_id: str, sku: str, as_of: datetime, reported: int, basis: CountBasis) -> str:
    """The key of a count that carries none of its own: the same figure for the same moment is one count."""
    text = f"{location_id}\x1f{sku}\x1f{as_of.isoformat()}\x1f{reported}\x1f{basis}"
    return "count:" + hashlib.sha256(text.encode()).hexdigest()[:40]


def apply_count(
    session: Session,
    location_id: str,
    sku: str,
    reported: int,
    as_of: datetime,
    *,
    key: str | None = None,
    basis: CountBasis = CountBasis.ON_HAND,
    reference: str | None = None,
    source: str = "hub",
    now: datetime | None = None,
) -> CountResult:
    """Reconcile one reported figure against the ledger (see the module docstring)."""
    moment = now or utcnow()
    _check_count(session, location_id, sku, reported, as_of, moment)
    key = bounded_key(key) if key else count_key(location_id, sku, as_of, reported, basis)
    result = CountResult(CountStatus.APPLIED, key, sku, location_id, reported, as_of, None, None)
    count_id = _record(session, result, basis, reference, source, moment)
    if count_id is None:
        return _duplicate(session, key)
    ensure_level(session, sku, location_id, moment)
    level = _claim_count(session, sku, location_id, as_of, moment)
    if level is None:
        _finish(session, count_id, "stale", None, None)
        return replace(result, status=CountStatus.STALE)
    current = {Bucket.ON_HAND: level.on_hand, Bucket.COMMITTED: level.committed}
    then = values_at(session, sku, location_id, current, as_of)
    ledger_value = then[Bucket.ON_HAND] - (then[Bucket.COMMITTED] if basis is CountBasis.AVAILABLE else 0)
    wanted = reported - ledger_value
    applied = max(wanted, -level.on_hand)
    note = None if applied == wanted else f"on hand cannot go below 0: {wanted} reconciled, {applied} applied"
    cause = Cause(Reason.COUNT, source, reference=reference or key, note=note, effective_at=as_of)
    change(session, sku, location_id, {Bucket.ON_HAND: applied}, cause, now=now)
    _finish(session, count_id, "applied", ledger_value, applied)
    return replace(result, ledger_value=ledger_value, adjustment=applied)


def _check_count(session: Session, location_id: str, sku: str, reported: int, as_of: datetime, now: datetime) -> None:
    check_quantity(reported, "reported quantity", minimum=0)
    if as_of.tzinfo is None:
        raise InventoryInputError(f"count as_of {as_of.isoformat()} has no time zone: give an offset such as Z")
    if as_of > now + FUTURE_TOLERANCE:
        raise InventoryInputError(
            f"count of {sku} at {location_id!r} is as of {as_of.isoformat()}, in the future: check the sender's clock"
        )
    location_state(session, location_id)


def _record(
    session: Session, count: CountResult, basis: CountBasis, reference: str | None, source: str, now: datetime
) -> int | None:
    """Store the count as pending; None when its key was stored before (a duplicate delivery)."""
    values = {
        "key": count.key,
        "sku": count.sku,
        "location_id": count.location_id,
        "basis": str(basis),
        "reported": count.reported,
        "as_of": count.as_of,
        "status": "pending",
        "source": source,
        "reference": reference,
        "received_at": now,
    }
    insert = dialect_insert(session, COUNTS).values(**values).on_conflict_do_nothing(index_elements=["key"])
    count_id = session.execute(insert.returning(COUNTS.c.id)).scalar_one_or_none()
    return int(count_id) if count_id is not None else None


def _claim_count(session: Session, sku: str, location_id: str, as_of: datetime, now: datetime) -> Level | None:
    """Lock the level and move its last count time to ``as_of`` unless a newer count was applied (None)."""
    statement = (
        update(LEVELS)
        .where(
            LEVELS.c.sku == sku,
            LEVELS.c.location_id == location_id,
            or_(LEVELS.c.last_count_at.is_(None), LEVELS.c.last_count_at <= as_of),
        )
        .values(last_count_at=as_of, updated_at=now)
        .returning(*BUCKET_COLUMNS)
    )
    row = session.execute(statement).one_or_none()
    return Level.from_row(sku, location_id, row._mapping) if row is not None else None


def _finish(session: Session, count_id: int, status: str, ledger_value: int | None, adjustment: int | None) -> None:
    session.execute(
        update(COUNTS)
        .where(COUNTS.c.id == count_id)
        .values(status=status, ledger_value=ledger_value, adjustment=adjustment)
    )


def _duplicate(session: Session, key: str) -> CountResult:
    row = session.execute(select(COUNTS).where(COUNTS.c.key == key)).one()
    return CountResult(
        CountStatus.DUPLICATE,
        key,
        row.sku,
        row.location_id,
        row.reported,
        row.as_of,
        row.ledger_value,
        row.adjustment,
    )


@dataclass(frozen=True)
class SkippedItem:
    index: int  # position in advice.items
    item: dict[str, Any]
    reason: str


@dataclass
class AdviceResult:
    location_id: str
    counts: list[CountResult] = field(default_factory=list)
    skipped: list[SkippedItem] = field(default_factory=list)


SkuResolver = Callable[[InventoryItem], str | None]


def apply_inventory_advice(
    session: Session,
    location_id: str,
    advice: InventoryAdvice,
    *,
    resolve_sku: SkuResolver | None = None,
    source: str | None = None,
    now: datetime | None = None,
) -> AdviceResult:
    """Apply each item of the advice to the location (see the module docstring)."""
    location_state(session, location_id)
    source = source or (f"advice:{advice.advice_id}" if advice.advice_id else "advice")
    result = AdviceResult(location_id)
    for index, item in enumerate(advice.items):
        sku = item.sku or (resolve_sku(item) if resolve_sku else None)
        problem = _unusable(item, sku)
        if problem is not None or sku is None:
            result.skipped.append(SkippedItem(index, item.model_dump(mode="json", exclude_none=True), problem or ""))
            continue
        result.counts.append(_apply_item(session, location_id, advice, item, sku, source, now))
    return result


def _apply_item(
    session: Session,
    location_id: str,
    advice: InventoryAdvice,
    item: InventoryItem,
    sku: str,
    source: str,
    now: datetime | None,
) -> CountResult:
    """The item's available quantity as a count; its on-order quantity as the advice's incoming row."""
    identity = advice.advice_id or f"{advice.as_of.isoformat()}:{item.quantity_available}"
    count = apply_count(
        session,
        location_id,
        sku,
        item.quantity_available,
        advice.as_of,
        key=f"advice:{location_id}:{identity}:{sku}",
        basis=CountBasis.AVAILABLE,
        reference=advice.advice_id,
        source=source,
        now=now,
    )
    if count.status is CountStatus.APPLIED and item.quantity_on_order is not None:
        expect(
            session,
            sku,
            location_id,
            item.quantity_on_order,
            source_type=IncomingSource.ADVICE,
            reference=location_id,
            expected_on=item.available_date,
            source=source,
            now=now,
        )
    return count


def _unusable(item: InventoryItem, sku: str | None) -> str | None:
    if sku is None:
        known = ", ".join(f"{k}={v}" for k, v in sorted(item.identifiers.items())) or "no identifiers"
        return f"no SKU for the item ({known}): add an item cross-reference for the partner"
    if item.uom != "EA":
        return f"quantities are in {item.uom}, not eaches (EA): the hub cannot convert them without a pack size"
    return None
