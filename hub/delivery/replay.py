"""What an operator does to deliveries by hand: find them, replay dead ones, cancel one.

Replaying makes a dead (or cancelled) delivery pending and due now with a fresh retry budget; its attempt
rows stay, numbered on from the last. Cancelling withdraws a delivery not yet delivered (its fulfillment
order stays as it is: the operator decides what to do with it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from hub.db.models import Delivery, DeliveryAttempt, DeliveryStatus
from hub.db.models.base import utcnow
from hub.errors import InputRejected

REPLAYABLE = (DeliveryStatus.DEAD, DeliveryStatus.CANCELLED)


def listing(
    *, status: str | None = None, connector: str | None = None, order_id: str | None = None
) -> Select[Delivery]:
    """Deliveries, newest first, narrowed by status, connector (name or ``name:account``) and order."""
    query = select(Delivery).order_by(Delivery.id.desc())
    if status:
        query = query.where(Delivery.status == status)
    if connector:
        column = Delivery.destination if ":" in connector else Delivery.connector
        query = query.where(column == connector)
    if order_id:
        query = query.where(Delivery.order_id == order_id)
    return query


def get_delivery(session: Session, delivery_id: int) -> Delivery:
    row = session.get(Delivery, delivery_id)
    if row is None:
        raise InputRejected(f"no delivery {delivery_id} (orderhub deliveries list shows them)")
    return row


def dead_deliveries(session: Session, *, connector: str | None = None, since: datetime | None = None) -> list[int]:
    """Ids of dead deliveries (to ``connector``), those whose last attempt ended at or after ``since``."""
    query = listing(status=DeliveryStatus.DEAD, connector=connector).with_only_columns(Delivery.id)
    if since is not None:
        last = (
            select(DeliveryAttempt.delivery_id)
            .group_by(DeliveryAttempt.delivery_id)
            .having(func.max(DeliveryAttempt.finished_at) >= since)
        )
        query = query.where(Delivery.id.in_(last))
    return sorted(session.scalars(query))


def check_replayable(session: Session, delivery_id: int) -> None:
    row = get_delivery(session, delivery_id)
    if row.status not in REPLAYABLE:
        raise InputRejected(
            f"delivery {delivery_id} is {row.status}: only a dead or cancelled delivery can be replayed"
        )


def make_pending(session: Session, ids: Sequence[int]) -> int:
    """Dead or cancelled deliveries among ``ids`` become pending and due now, with a fresh retry budget."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.status.in_(REPLAYABLE))
        .values(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=utcnow(),
            published_at=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def cancel(session: Session, delivery_id: int, reason: str) -> None:
    """Withdraw a delivery not delivered yet; one being sent right now is refused (try again in a moment).
    The update is conditional, so a worker claiming it at the same moment cannot be overridden."""
    row = get_delivery(session, delivery_id)
    cancelled = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.DEAD)))
        .values(status=DeliveryStatus.CANCELLED, last_error=f"cancelled by an operator: {reason}")
        .execution_options(synchronize_session=False)
    )
    if cancelled.rowcount:  # type: ignore[attr-defined]
        return
    session.refresh(row)
    if row.status == DeliveryStatus.IN_FLIGHT:
        raise InputRejected(f"delivery {delivery_id} is being sent right now; cancel it once it is back")
    raise InputRejected(f"delivery {delivery_id} is {row.status}: only a pending or dead one can be cancelled")
