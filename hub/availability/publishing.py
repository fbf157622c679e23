"""Recording available to sell: compare a fresh computation with what was last published and write a change
event for every listing whose figures moved, nothing for the rest.

:func:`publish` runs in the caller's transaction. It serialises with any other run first (an advisory lock
on PostgreSQL; the write lock, taken by inserting the run row, on SQLite), so two workers never both
record the same change. ``scope="changed"`` recomputes only the SKUs with inventory ledger entries after
the previous run's watermark. The watermark advances only to entries older than :data:`SETTLE`: an
entry's id is drawn when it is written, so a transaction still open when a run reads the ledger may commit
an id below entries already seen. Entries within the settle time are read again by the next run (which
costs a recomputation that finds nothing to record), and the scheduled full run catches anything still
later, as well as what the ledger does not show (a location deactivated, new rules, a pre-order window
moving with the date).

A listing that is no longer computed (its account deactivated, or no rule covering it any more) keeps its
last published figures and gets no event: whether to delist is the channel connector's decision.

Events are what a channel connector will send on: :func:`events_after` lists them in id order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, text, update
from sqlalchemy.orm import Session

from hub.availability.computation import Availability, Key, compute
from hub.availability.rules import AvailabilityRules
from hub.db.models import AvailabilityEvent, AvailabilityRun, PublishedAvailability
from hub.db.models.base import utcnow
from hub.inventory.tables import LEDGER, dialect_insert

PUBLISHED = cast(Table, PublishedAvailability.__table__)
EVENTS = cast(Table, AvailabilityEvent.__table__)
RUNS = cast(Table, AvailabilityRun.__table__)

SETTLE = timedelta(minutes=2)  # longer than an inventory transaction stays open between writing and commit
LOCK_KEY = 0x61747031  # pg_advisory_xact_lock key of availability runs ("atp1")
SKU_CHUNK = 900


class Scope(StrEnum):
    ALL = "all"  # every SKU
    CHANGED = "changed"  # SKUs with inventory ledger entries since the last run
    SKUS = "skus"  # the SKUs the caller names


@dataclass(frozen=True)
class PublishResult:
    run_id: int
    scope: Scope
    computed: int  # listings computed
    changed: int  # events written
    watermark: int  # ledger id accounted for


def publish(
    session: Session,
    rules: AvailabilityRules,
    *,
    reason: str,
    scope: Scope = Scope.ALL,
    skus: Iterable[str] | None = None,
    now: datetime | None = None,
) -> PublishResult:
    """Recompute (every SKU, the changed ones, or ``skus``) and record an event per listing that changed."""
    moment = now or utcnow()
    run_id = _start_run(session, scope, reason, moment)
    previous = _previous_watermark(session, run_id)
    # A run over named SKUs has not looked at every change, so it leaves the watermark where it was.
    watermark = previous if scope is Scope.SKUS else _settled_watermark(session, previous, moment)
    wanted: list[str] | None = None
    if scope is Scope.SKUS:
        wanted = sorted(set(skus or ()))
    elif scope is Scope.CHANGED:
        changed_skus = select(LEDGER.c.sku).where(LEDGER.c.id > previous).distinct()
        wanted = sorted(session.scalars(changed_skus))
    results = compute(session, rules, wanted, today=moment.date()) if wanted != [] else {}
    changes = _changes(results, _published(session, wanted))
    _record(session, changes, run_id, reason, moment)
    values = {"ledger_watermark": watermark, "computed": len(results), "changed": len(changes)}
    session.execute(update(RUNS).where(RUNS.c.id == run_id).values(**values))
    return PublishResult(run_id, scope, len(results), len(changes), watermark)


def _start_run(session: Session, scope: Scope, reason: str, moment: datetime) -> int:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    row = {"scope": str(scope), "reason": reason, "ledger_watermark": 0, "computed": 0, "changed": 0}
    statement = insert(RUNS).values(**row, computed_at=moment).returning(RUNS.c.id)
    return int(session.execute(statement).scalar_one())


def _previous_watermark(session: Session, run_id: int) -> int:
    statement = select(func.max(RUNS.c.ledger_watermark)).where(RUNS.c.id != run_id)
    return int(session.execute(statement).scalar_one() or 0)


def _settled_watermark(session: Session, previous: int, moment: datetime) -> int:
    statement = select(func.max(LEDGER.c.id)).where(LEDGER.c.id > previous, LEDGER.c.recorded_at <= moment - SETTLE)
    return int(session.execute(statement).scalar_one() or previous)


def _published(session: Session, skus: list[str] | None) -> dict[Key, tuple[int, int]]:
    columns = (PUBLISHED.c.channel, PUBLISHED.c.account, PUBLISHED.c.sku)
    statement = select(*columns, PUBLISHED.c.quantity, PUBLISHED.c.preorder_quantity)
    chunks = (
        [statement]
        if skus is None
        else [
            statement.where(PUBLISHED.c.sku.in_(skus[start : start + SKU_CHUNK]))
            for start in range(0, len(skus), SKU_CHUNK)
        ]
    )
    found: dict[Key, tuple[int, int]] = {}
    for chunk in chunks:
        for channel, account, sku, quantity, preorder in session.execute(chunk):
            found[(channel, account, sku)] = (quantity, preorder)
    return found


def _changes(
    results: dict[Key, Availability], published: dict[Key, tuple[int, int]]
) -> list[tuple[Key, Availability, tuple[int, int] | None]]:
    """Listings whose figures differ from the published ones (or were never published)."""
    changes = []
    for key, availability in results.items():
        before = published.get(key)
        if before != (availability.quantity, availability.preorder_quantity):
            changes.append((key, availability, before))
    return changes


def _record(
    session: Session,
    changes: list[tuple[Key, Availability, tuple[int, int] | None]],
    run_id: int,
    reason: str,
    moment: datetime,
) -> None:
    if not changes:
        return
    events = [
        {
            "channel": channel,
            "account": account,
            "sku": sku,
            "old_quantity": None if before is None else before[0],
            "new_quantity": availability.quantity,
            "old_preorder_quantity": None if before is None else before[1],
            "new_preorder_quantity": availability.preorder_quantity,
            "reason": reason,
            "explanation": availability.explanation,
            "run_id": run_id,
            "computed_at": moment,
        }
        for (channel, account, sku), availability, before in changes
    ]
    statement = insert(EVENTS).returning(EVENTS.c.id, sort_by_parameter_order=True)
    ids = session.execute(statement, events).scalars().all()
    rows = [
        {
            "channel": event["channel"],
            "account": event["account"],
            "sku": event["sku"],
            "quantity": event["new_quantity"],
            "preorder_quantity": event["new_preorder_quantity"],
            "event_id": event_id,
            "updated_at": moment,
        }
        for event, event_id in zip(events, ids, strict=True)
    ]
    upsert = dialect_insert(session, PUBLISHED)
    names = ("quantity", "preorder_quantity", "event_id", "updated_at")
    upsert = upsert.on_conflict_do_update(
        index_elements=["channel", "account", "sku"], set_={name: upsert.excluded[name] for name in names}
    )
    session.execute(upsert, rows)


@dataclass(frozen=True)
class ChangeEvent:
    id: int
    channel: str
    account: str
    sku: str
    old_quantity: int | None
    new_quantity: int
    old_preorder_quantity: int | None
    new_preorder_quantity: int
    reason: str
    explanation: str
    computed_at: datetime

    def as_json(self) -> dict[str, Any]:
        document = {name: getattr(self, name) for name in self.__dataclass_fields__}
        document["computed_at"] = self.computed_at.isoformat()
        return document


def events_after(
    session: Session, after_id: int = 0, *, limit: int = 1000, channel: str | None = None
) -> list[ChangeEvent]:
    """Change events with ids above ``after_id``, oldest first: what a connector has not sent yet."""
    statement = select(*(EVENTS.c[name] for name in ChangeEvent.__dataclass_fields__)).where(EVENTS.c.id > after_id)
    if channel is not None:
        statement = statement.where(EVENTS.c.channel == channel)
    rows = session.execute(statement.order_by(EVENTS.c.id).limit(limit))
    return [ChangeEvent(**row._mapping) for row in rows]
