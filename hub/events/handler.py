"""The ``event.publish`` handler: one event to one subscriber, in order per order, on the published schedule.

Order: a subscriber sees an order's events in the order they happened. A delivery waits (``deferred``) while
an earlier one of the same subscriber and order is unfinished; when that one ends (taken, or dead) the next
is published at once.

Schedule: attempts follow Standard Webhooks' example schedule (then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
10 h after the first try, as Svix documents it; the engine's jitter may only lengthen a wait, and the
subscriber's ``Retry-After`` is a floor). When the last attempt fails, that event is dead (replayable) and
the subscriber is disabled (its destination paused with the reason) until an operator resumes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.orm import Session

from hub.db.models import Delivery, DeliveryStatus
from hub.db.models.base import utcnow
from hub.delivery import results
from hub.delivery.claim import Claimed
from hub.delivery.destinations import pause
from hub.delivery.handlers import CONNECTOR, AfterCommit, Target, register
from hub.delivery.results import Result
from hub.events.plan import OPERATION
from hub.sdk import OutboundEvent, PermanentError, PublishesEvents

SCHEDULE_SECONDS = (5, 300, 1800, 7200, 18000, 36000, 36000)  # waits after attempts 1..7
ATTEMPTS = len(SCHEDULE_SECONDS) + 1
DEFER_SECONDS = 30.0  # a later event looks again this late if the publish of its turn were lost
GAVE_UP = "every attempt of the published schedule failed"
OPEN = (DeliveryStatus.PENDING, DeliveryStatus.IN_FLIGHT)


def event_of(payload: dict[str, Any]) -> OutboundEvent:
    try:
        occurred = datetime.fromisoformat(str(payload["occurred_at"]))
        return OutboundEvent(str(payload["id"]), str(payload["type"]), occurred, dict(payload["data"]))
    except (KeyError, TypeError, ValueError) as error:
        raise PermanentError(f"the stored event is not valid: {error}") from None


class Publish:
    operation: ClassVar[str] = OPERATION
    kind: ClassVar[str] = CONNECTOR

    def prepare(self, session: Session, claimed: Sequence[Claimed]) -> dict[int, Result]:
        pairs = {(d.destination, d.order_id) for d in claimed if d.order_id}
        if not pairs:
            return {}
        query = (
            select(Delivery.destination, Delivery.order_id, func.min(Delivery.id))
            .where(
                Delivery.operation == OPERATION,
                Delivery.status.in_([status.value for status in OPEN]),
                tuple_(Delivery.destination, Delivery.order_id).in_(pairs),
            )
            .group_by(Delivery.destination, Delivery.order_id)
        )
        first = {(row[0], row[1]): row[2] for row in session.execute(query)}
        waiting: dict[int, Result] = {}
        for delivery in claimed:
            earlier = first.get((delivery.destination, delivery.order_id))
            if earlier is not None and earlier < delivery.id:
                reason = f"waits for delivery {earlier}, an earlier event of the same order"
                waited = results.not_tried(delivery.id, results.DEFERRED, reason)
                waiting[delivery.id] = replace(waited, retry_after=DEFER_SECONDS)
        return waiting

    def send_one(self, target: Target, delivery: Claimed) -> Result:
        started = utcnow()
        try:
            connector = target.connector
            if not isinstance(connector, PublishesEvents):
                raise PermanentError(f"{target.destination} cannot publish events")
            submitted = connector.publish_event(event_of(delivery.payload), delivery.idempotency_key)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a recorded result
            return _on_schedule(delivery, results.failed(delivery.id, started, exc))
        return results.succeeded(delivery.id, started, submitted.external_id, submitted.note)

    def send_batch(self, target: Target, deliveries: Sequence[Claimed]) -> list[Result] | None:
        return None  # one request per event: each carries its own id, timestamp and signature

    def settle(self, session: Session, delivery: Claimed, result: Result, status: str, after: AfterCommit) -> None:
        if status == DeliveryStatus.DEAD and (result.error or "").startswith(GAVE_UP):
            name = delivery.destination.partition(":")[2]
            reason = (
                f"disabled: {result.error} (event {delivery.payload.get('id')}); fix the endpoint, then "
                f"orderhub subscriber resume {name} (and orderhub deliveries replay for the dead events)"
            )
            pause(session, delivery.destination, reason[:1000])
        if delivery.order_id:
            after.deliveries.extend(_next_in_line(session, delivery))


def _on_schedule(delivery: Claimed, result: Result) -> Result:
    """A transient failure waits the schedule's time; past the last attempt it is final."""
    if result.outcome != results.TRANSIENT:
        return result
    if delivery.attempts >= ATTEMPTS:
        return replace(result, outcome=results.PERMANENT, error=f"{GAVE_UP} ({ATTEMPTS} attempts): {result.error}")
    wait = float(SCHEDULE_SECONDS[delivery.attempts - 1])
    return replace(result, retry_after=max(result.retry_after or 0.0, wait))


def _next_in_line(session: Session, delivery: Claimed) -> list[int]:
    """The same order's next event for this subscriber, due now, to publish after the commit."""
    query = select(func.min(Delivery.id)).where(
        Delivery.operation == OPERATION,
        Delivery.destination == delivery.destination,
        Delivery.order_id == delivery.order_id,
        Delivery.status == DeliveryStatus.PENDING.value,
        Delivery.id > delivery.id,
    )
    following = session.scalar(query)
    if following is None:
        return []
    session.execute(update(Delivery).where(Delivery.id == following).values(next_attempt_at=utcnow()))
    return [int(following)]


register(Publish())
