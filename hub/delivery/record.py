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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from hub.db.bulk import insert_rows, update_rows
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
    held = _held(session, sorted(by_id))
    health: dict[str, list[str]] = defaultdict(list)
    refused: dict[str, str] = {}
    final: list[Settled] = []
    changes: list[dict[str, Any]] = []
    attempts: list[dict[str, Any]] = []
    for result in outcomes:
        delivery, row = by_id[result.delivery_id], held.get(result.delivery_id)
        if row is None or row.status != DeliveryStatus.IN_FLIGHT or row.attempts != delivery.attempts:
            continue
        change = changes_for(row, result, now, config)
        changes.append({"b_id": row.id, **change})
        if result.tried:
            attempts.append(_attempt(row.id, row.number + 1, result))
        _note_health(delivery.destination, result, health, refused)
        if change["status"] in (DeliveryStatus.DELIVERED, DeliveryStatus.DEAD):
            final.append((delivery, result, str(change["status"])))
    _write(session, changes, attempts)
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


@dataclass(frozen=True)
class Held:
    """A delivery row as the record transaction read it (locked on PostgreSQL), and its last attempt's number."""

    id: int
    status: str
    attempts: int
    external_id: str | None
    number: int


def _held(session: Session, ids: list[int]) -> dict[int, Held]:
    """The rows of ``ids`` (only the columns recording reads; the payload is left where it is), each with its
    last attempt's number, in one statement."""
    number = (
        select(func.max(DeliveryAttempt.number))
        .where(DeliveryAttempt.delivery_id == Delivery.id)
        .correlate(Delivery)
        .scalar_subquery()
    )
    query = select(Delivery.id, Delivery.status, Delivery.attempts, Delivery.external_id, number.label("number"))
    query = query.where(Delivery.id.in_(ids))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Delivery)
    rows = session.execute(query.order_by(Delivery.id)).all()
    return {row.id: Held(row.id, row.status, row.attempts, row.external_id, row.number or 0) for row in rows}


def changes_for(row: Held, result: Result, now: datetime, config: EngineConfig) -> dict[str, Any]:
    """The delivery's columns as ``result`` leaves them (``status`` always among them; the lease ends)."""
    outcome, ended = result.outcome, {"lease_until": None}
    if outcome in results.SUCCEEDED:
        done = {"status": DeliveryStatus.DELIVERED, "delivered_at": now, "last_error": None}
        return ended | done | {"external_id": result.external_id or row.external_id}
    if outcome in (results.TRANSIENT, results.LOST):
        retry_at = config.retry.next_attempt_at(row.attempts, now, result.retry_after)
        if retry_at is None:
            gave_up = f"gave up after {row.attempts} attempts: {result.error}"
            return ended | {"status": DeliveryStatus.DEAD, "last_error": gave_up}
        return ended | _pending(retry_at, result.error)
    if outcome == results.PERMANENT:
        return ended | {"status": DeliveryStatus.DEAD, "last_error": result.error}
    if outcome == results.CONFIGURATION:
        return ended | _pending(now, result.error)
    if outcome == results.DEFERRED:  # not tried: the attempt it was claimed for is given back
        waiting = ended | {"status": DeliveryStatus.PENDING, "attempts": row.attempts - 1, "published_at": None}
        return waiting | (
            {"next_attempt_at": now + timedelta(seconds=result.retry_after)} if result.retry_after else {}
        )
    withdrawn = {"status": DeliveryStatus.CANCELLED, "attempts": row.attempts - 1, "last_error": result.error}
    return ended | withdrawn


def _pending(at: datetime, error: str | None) -> dict[str, Any]:
    return {"status": DeliveryStatus.PENDING, "next_attempt_at": at, "published_at": None, "last_error": error}


def _write(session: Session, changes: list[dict[str, Any]], attempts: list[dict[str, Any]]) -> None:
    """The deliveries' new columns, one ``UPDATE`` per set of columns changed (a chunk's results mostly share
    one), and the attempt rows in one ``INSERT``."""
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for change in changes:
        shapes[tuple(sorted(change))].append(change)
    for _, rows in sorted(shapes.items()):
        update_rows(session, Delivery.__table__, rows, {"id": "b_id"})
    session.flush()  # what the session holds goes first, as an ORM insert would autoflush it
    insert_rows(session, DeliveryAttempt.__table__, attempts)


def _attempt(delivery_id: int, number: int, result: Result) -> dict[str, Any]:
    return {
        "delivery_id": delivery_id,
        "number": number,
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "outcome": result.outcome,
        "status_code": result.status_code,
        "error": result.error,
        "response_excerpt": result.excerpt,
    }


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
