"""Handlers for channel updates: confirm a shipment, change its tracking, cancel, refund, at the order's channel.

=================================  ==========================================================================
outcome                            what it does
=================================  ==========================================================================
delivered / already there          ``channel.shipment_confirmed`` (``channel.tracking_updated``,
                                   ``channel.cancelled``, ``channel.refund_requested``) on the timeline, with
                                   the channel's id for what it made (kept as the delivery's ``external_id``)
the channel has no way to take it  (the connector raised ``NoBackChannel``: an order fulfilled by the
                                   marketplace, a digital order) the delivery ends ``cancelled`` with the
                                   reason, and ``channel.update_skipped`` says why on the timeline
refused (permanent) or dead        ``channel.update_failed`` with the reason; ``orderhub deliveries replay``
=================================  ==========================================================================

A tracking change needs the channel's id of the fulfillment the confirmation made: ``prepare`` reads it from
that delivery, and waits while the confirmation is still on its way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any, ClassVar

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.canonical import Order, Shipment
from hub.db.models import Delivery, DeliveryStatus
from hub.db.models.base import utcnow
from hub.delivery import channel_updates as plans
from hub.delivery import results
from hub.delivery.claim import Claimed
from hub.delivery.handlers import CONNECTOR, AfterCommit, Target, register
from hub.delivery.results import Result
from hub.orders.store import record_event
from hub.sdk import (
    ChannelCancellation,
    ChannelRefund,
    ChannelShipment,
    NoBackChannel,
    PermanentError,
    Submitted,
    UpdateLine,
)

SOURCE = "delivery"
FAILED = "channel.update_failed"
CONFIRMATION_WAIT = timedelta(seconds=30)  # a tracking change waits this long for its confirmation to land


def _lines(payload: dict[str, Any]) -> tuple[UpdateLine, ...]:
    return tuple(
        UpdateLine(line["line_id"], int(line["quantity"]), line.get("channel_line_id"), line.get("sku"))
        for line in payload.get("lines", [])
    )


def _order(payload: dict[str, Any]) -> Order:
    try:
        return Order.model_validate(payload["order"])
    except (KeyError, ValidationError) as exc:
        raise PermanentError(f"the stored order of this update is not valid: {exc}") from None


def shipment_update(payload: dict[str, Any]) -> ChannelShipment:
    try:
        shipment = Shipment.model_validate(payload["shipment"])
    except (KeyError, ValidationError) as exc:
        raise PermanentError(f"the stored shipment of this update is not valid: {exc}") from None
    return ChannelShipment(
        order=_order(payload),
        shipment_id=str(payload["shipment_id"]),
        shipment=shipment,
        lines=_lines(payload),
        tracking_url=payload.get("tracking_url"),
        notify_customer=bool(payload.get("notify_customer", True)),
    )


class ChannelUpdate:
    """What every channel update shares; a subclass names its operation, the event a success leaves and the
    connector call."""

    operation: ClassVar[str]
    kind: ClassVar[str] = CONNECTOR
    done_event: ClassVar[str]

    def prepare(self, session: Session, claimed: Sequence[Claimed]) -> dict[int, Result]:
        return {}

    def call(self, connector: Any, delivery: Claimed) -> Submitted:
        raise NotImplementedError

    def send_one(self, target: Target, delivery: Claimed) -> Result:
        started = utcnow()
        try:
            method = plans.CAPABILITY[self.operation]
            if not callable(getattr(target.connector, method, None)):
                raise NoBackChannel(f"the {delivery.connector} connector cannot {plans.WHAT[self.operation]}")
            submitted = self.call(target.connector, delivery)
        except NoBackChannel as exc:
            error = PermanentError(f"{plans.NOT_SENT}{exc}")
            return results.failed(delivery.id, started, error)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a recorded result
            return results.failed(delivery.id, started, exc)
        return results.succeeded(delivery.id, started, submitted.external_id, submitted.note)

    def send_batch(self, target: Target, deliveries: Sequence[Claimed]) -> list[Result] | None:
        return None

    def settle(self, session: Session, delivery: Claimed, result: Result, status: str, after: AfterCommit) -> None:
        if not delivery.order_id:
            return
        data = {"destination": delivery.destination, "delivery": delivery.id, "subject": delivery.subject_id}
        if status == DeliveryStatus.DELIVERED:
            record_event(session, delivery.order_id, self.done_event, source=SOURCE, data=data | self._done(result))
            return
        error = result.error or "refused"
        if error.startswith(plans.NOT_SENT):
            row = session.get(Delivery, delivery.id)
            if row is not None:
                row.status, row.last_error = DeliveryStatus.CANCELLED, error
            reason = error.removeprefix(plans.NOT_SENT)
            data = data | {"operation": self.operation, "reason": reason}
            record_event(session, delivery.order_id, plans.SKIPPED, source=SOURCE, data=data)
            return
        data = data | {"operation": self.operation, "reason": error, "attempts": delivery.attempts}
        record_event(session, delivery.order_id, FAILED, source=SOURCE, data=data)

    def _done(self, result: Result) -> dict[str, Any]:
        return {"external_id": result.external_id, "already": result.outcome == results.ALREADY_DELIVERED}


class ConfirmShipment(ChannelUpdate):
    operation: ClassVar[str] = plans.SHIPMENT
    done_event: ClassVar[str] = "channel.shipment_confirmed"

    def call(self, connector: Any, delivery: Claimed) -> Submitted:
        submitted: Submitted = connector.confirm_shipment(shipment_update(delivery.payload), delivery.idempotency_key)
        return submitted


class UpdateTracking(ChannelUpdate):
    operation: ClassVar[str] = plans.TRACKING
    done_event: ClassVar[str] = "channel.tracking_updated"

    def prepare(self, session: Session, claimed: Sequence[Claimed]) -> dict[int, Result]:
        keys = {str(d.payload.get("confirmation")) for d in claimed}
        rows = session.execute(
            select(Delivery.idempotency_key, Delivery.id, Delivery.status, Delivery.external_id).where(
                Delivery.idempotency_key.in_(keys)
            )
        )
        confirmations = {row.idempotency_key: (row.id, row.status, row.external_id) for row in rows}
        decided: dict[int, Result] = {}
        for delivery in claimed:
            found = confirmations.get(str(delivery.payload.get("confirmation")))
            decision = _before_tracking(delivery, found)
            if decision is not None:
                decided[delivery.id] = decision
        return decided

    def call(self, connector: Any, delivery: Claimed) -> Submitted:
        external_id = str(delivery.payload.get("external_id") or "")
        update = shipment_update(delivery.payload)
        submitted: Submitted = connector.update_tracking(update, external_id, delivery.idempotency_key)
        return submitted


def _before_tracking(delivery: Claimed, confirmation: tuple[int, str, str | None] | None) -> Result | None:
    """What the shipment's confirmation says about sending its tracking change: go (with the channel's id for
    the fulfillment), wait for the confirmation, or nothing to change."""
    if confirmation is None:
        reason = "the channel never took this shipment (its confirmation was never planned)"
        return results.not_tried(delivery.id, results.WITHDRAWN, reason)
    confirmation_id, status, external_id = confirmation
    if status == DeliveryStatus.DELIVERED and external_id:
        delivery.payload["external_id"] = external_id
        return None
    if status == DeliveryStatus.DELIVERED:
        reason = (
            f"the channel's id for this shipment's fulfillment is not known (delivery {confirmation_id} found it "
            "already there): change the tracking in the channel by hand"
        )
        return results.not_tried(delivery.id, results.WITHDRAWN, reason)
    if status in (DeliveryStatus.PENDING, DeliveryStatus.IN_FLIGHT):
        waiting = results.not_tried(delivery.id, results.DEFERRED, "its shipment confirmation is on its way")
        return replace(waiting, retry_after=CONFIRMATION_WAIT.total_seconds())
    reason = (
        f"the channel never took this shipment (delivery {confirmation_id} is {status}); replaying that "
        "confirmation sends the current tracking"
    )
    return results.not_tried(delivery.id, results.WITHDRAWN, reason)


class CancelAtChannel(ChannelUpdate):
    operation: ClassVar[str] = plans.CANCEL
    done_event: ClassVar[str] = "channel.cancelled"

    def call(self, connector: Any, delivery: Claimed) -> Submitted:
        payload = delivery.payload
        cancellation = ChannelCancellation(
            order=_order(payload), reason=str(payload.get("reason") or "cancelled"), lines=_lines(payload)
        )
        submitted: Submitted = connector.cancel_order(cancellation, delivery.idempotency_key)
        return submitted


class RefundAtChannel(ChannelUpdate):
    operation: ClassVar[str] = plans.REFUND
    done_event: ClassVar[str] = "channel.refund_requested"

    def call(self, connector: Any, delivery: Claimed) -> Submitted:
        payload = delivery.payload
        refund = ChannelRefund(
            order=_order(payload),
            reason=str(payload.get("reason") or "refund"),
            lines=_lines(payload),
            shipping=bool(payload.get("shipping")),
            amount=payload.get("amount"),
            restock=bool(payload.get("restock")),
        )
        submitted: Submitted = connector.refund_order(refund, delivery.idempotency_key)
        return submitted


for _handler in (ConfirmShipment(), UpdateTracking(), CancelAtChannel(), RefundAtChannel()):
    register(_handler)
