"""Recording a chunk's results in one transaction: the deliveries' new states, one attempt row per try, the
destinations' breakers and pauses, and what each final outcome does to the hub (the handlers' ``settle``).

A result is recorded only if its delivery is still held by the claim that produced it (``in_flight`` with
the same attempt number): when a lease ran out and the sweep took the delivery back, the late result is
dropped (the partner's idempotency key makes the next try find what this one did).

Settling starts by locking every order the chunk's final outcomes touch, in order of id, so two chunks
touching the same orders never wait on each other in a circle. A handler that can settle many deliveries
at once (``settle_many``: the fulfillment submit, whose common case is two lifecycle commands per order)
gets them together, in one savepoint, with a fixed number of statements for the chunk; what it leaves
(other outcomes, orders the lifecycle refused), and all of them should the savepoint fail, are settled one
by one, each in its own savepoint: a settlement the lifecycle refuses is noted on the order's timeline and
does not undo the rest of the chunk.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from hub.db.models import Delivery, DeliveryAttempt, DeliveryStatus
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.delivery import breaker, results
from hub.delivery.claim import Claimed
from hub.delivery.config import EngineConfig
from hub.delivery.destinations import pause
from hub.delivery.handlers import AfterCommit, Handler, handler_for
from hub.delivery.results import Result
from hub.lifecycle.batch import lock_orders
from hub.orders.store import record_event

log = logging.getLogger(__name__)
UNSETTLED = "delivery.unsettled"
TRIES = 3  # a deadlock or a locked SQLite file: the whole chunk is recorded again
SETTLES = ("settle", "settle_many")
Settled = tuple[Claimed, Result, str]  # a delivery with a final outcome: its result and status (delivered, dead)


def record(
    database: Database, claimed: Sequence[Claimed], outcomes: Sequence[Result], config: EngineConfig
) -> AfterCommit:
    """Record ``outcomes`` (see the module docstring) in one transaction, tried again on a lock conflict."""
    for attempt in range(1, TRIES + 1):
        try:
            with database.session() as session:
                return record_in_session(session, claimed, outcomes, config, now=utcnow())
        except OperationalError:
            if attempt == TRIES:
                raise
            log.warning("recording %d delivery results met a lock conflict; trying again", len(outcomes))
    raise AssertionError("unreachable")


def record_in_session(
    session: Session, claimed: Sequence[Claimed], outcomes: Sequence[Result], config: EngineConfig, *, now: datetime
) -> AfterCommit:
    by_id = {delivery.id: delivery for delivery in claimed}
    ids = sorted(by_id)
    query = select(Delivery).where(Delivery.id.in_(ids)).order_by(Delivery.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    rows = {row.id: row for row in session.scalars(query.execution_options(populate_existing=True))}
    numbers = dict(
        session.execute(
            select(DeliveryAttempt.delivery_id, func.max(DeliveryAttempt.number))
            .where(DeliveryAttempt.delivery_id.in_(ids))
            .group_by(DeliveryAttempt.delivery_id)
        ).all()
    )
    health: dict[str, list[str]] = defaultdict(list)
    refused: dict[str, str] = {}
    final: list[Settled] = []
    for result in outcomes:
        delivery, row = by_id[result.delivery_id], rows.get(result.delivery_id)
        if row is None or row.status != DeliveryStatus.IN_FLIGHT or row.attempts != delivery.attempts:
            continue
        status = apply_result(row, result, now, config)
        if result.tried:
            session.add(_attempt(row.id, numbers.get(row.id, 0) + 1, result))
        _note_health(delivery.destination, result, health, refused)
        if status in (DeliveryStatus.DELIVERED, DeliveryStatus.DEAD):
            final.append((delivery, result, status))
    session.flush()
    for destination, seen in sorted(health.items()):
        breaker.record(session, destination, seen, now, config.breaker)
    for destination, reason in sorted(refused.items()):
        pause(session, destination, f"the partner refused the hub's credentials or settings: {reason}")
    after = AfterCommit()
    if final:
        lock_orders(session, sorted({delivery.order_id for delivery, _, _ in final if delivery.order_id}))
    for delivery, result, status in _settle_together(session, final, after):
        _settle(session, delivery, result, status, after)
    return after


def apply_result(row: Delivery, result: Result, now: datetime, config: EngineConfig) -> str:
    """Move the delivery row to what ``result`` means; returns its new status."""
    row.lease_until = None
    outcome = result.outcome
    if outcome in results.SUCCEEDED:
        row.status, row.delivered_at, row.last_error = DeliveryStatus.DELIVERED, now, None
        row.external_id = result.external_id or row.external_id
    elif outcome in (results.TRANSIENT, results.LOST):
        retry_at = config.retry.next_attempt_at(row.attempts, now, result.retry_after)
        if retry_at is None:
            row.status = DeliveryStatus.DEAD
            row.last_error = f"gave up after {row.attempts} attempts: {result.error}"
        else:
            row.status, row.next_attempt_at, row.published_at = DeliveryStatus.PENDING, retry_at, None
            row.last_error = result.error
    elif outcome == results.PERMANENT:
        row.status, row.last_error = DeliveryStatus.DEAD, result.error
    elif outcome == results.CONFIGURATION:
        row.status, row.next_attempt_at, row.published_at = DeliveryStatus.PENDING, now, None
        row.last_error = result.error
    elif outcome == results.DEFERRED:
        row.status, row.attempts, row.published_at = DeliveryStatus.PENDING, row.attempts - 1, None
        if result.retry_after:
            row.next_attempt_at = now + timedelta(seconds=result.retry_after)
    else:  # withdrawn
        row.status, row.attempts, row.last_error = DeliveryStatus.CANCELLED, row.attempts - 1, result.error
    return str(row.status)


def _attempt(delivery_id: int, number: int, result: Result) -> DeliveryAttempt:
    return DeliveryAttempt(
        delivery_id=delivery_id,
        number=number,
        started_at=result.started_at,
        finished_at=result.finished_at,
        outcome=result.outcome,
        status_code=result.status_code,
        error=result.error,
        response_excerpt=result.excerpt,
    )


def _note_health(destination: str, result: Result, health: dict[str, list[str]], refused: dict[str, str]) -> None:
    """What the result says about the destination: its breaker counts transient failures and is closed by
    any real answer; refused credentials pause it."""
    if result.outcome == results.TRANSIENT:
        health[destination].append(breaker.FAILURE)
    elif result.outcome in (*results.SUCCEEDED, results.PERMANENT):
        health[destination].append(breaker.SUCCESS)
    elif result.outcome == results.CONFIGURATION:
        refused.setdefault(destination, result.error or "refused")


def _settle_together(session: Session, final: Sequence[Settled], after: AfterCommit) -> list[Settled]:
    """Hand each handler that has ``settle_many`` its deliveries at once; returns what is left to settle one
    by one (in order of order and delivery id)."""
    groups: dict[int, list[Settled]] = defaultdict(list)
    handlers: dict[int, Handler | None] = {}
    for entry in final:
        handler = handler_for(entry[0].operation, entry[0].destination)
        handlers[id(handler)] = handler
        groups[id(handler)].append(entry)
    left: list[Settled] = []
    for key, entries in groups.items():
        many = _settle_many(handlers[key])
        if many is None:
            left += entries
            continue
        step = AfterCommit()
        try:
            with session.begin_nested():
                left += many(session, entries, step)
        except Exception as exc:  # noqa: BLE001 - the same deliveries are settled one by one instead
            log.warning("settling %d deliveries together failed (%s); settling them one by one", len(entries), exc)
            left += entries
            continue
        after.merge(step)
    return sorted(left, key=lambda entry: (entry[0].order_id or "", entry[0].id))


def _settle_many(handler: Handler | None) -> Any:
    """The handler's ``settle_many``, if the class that defines it also defines its ``settle``: a subclass
    that adds to ``settle`` alone (the EDI submit queues its 940's sending there) settles one by one."""
    if handler is None:
        return None
    owners = {name: next((cls for cls in type(handler).__mro__ if name in vars(cls)), None) for name in SETTLES}
    if owners["settle_many"] is None or owners["settle_many"] is not owners["settle"]:
        return None
    return handler.settle_many  # type: ignore[attr-defined]


def _settle(session: Session, delivery: Claimed, result: Result, status: str, after: AfterCommit) -> None:
    handler = handler_for(delivery.operation, delivery.destination)
    if handler is None:
        return
    step = AfterCommit()
    try:
        with session.begin_nested():
            handler.settle(session, delivery, result, status, step)
    except Exception as exc:  # noqa: BLE001 - one refused settlement must not undo the chunk's records
        what = (delivery.id, delivery.operation, status, exc)
        log.warning("delivery %s (%s) was %s but the hub could not record its effect: %s", *what)
        if delivery.order_id:
            data = {"delivery": delivery.id, "operation": delivery.operation, "status": status, "error": str(exc)}
            record_event(session, delivery.order_id, UNSETTLED, source="delivery", data=data)
        return
    after.merge(step)
