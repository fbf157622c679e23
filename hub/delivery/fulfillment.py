"""Handlers for fulfillment orders: submit one to whoever fulfils its location, or cancel it there.

=================================  ==========================================================================
outcome                            what it does to the fulfillment order (FO) and the order
=================================  ==========================================================================
submit delivered / already there   FO sent, then accepted with the partner's id; ``fulfillment_order.submitted``
submit refused (permanent)         FO sent, then rejected with the partner's reason: its units are released
                                   and the order is routed again (a location that refused this order twice
                                   is not tried a third time: the order is held for a person instead)
submit dead after its retries      FO stays ``created``; ``fulfillment_order.delivery_failed`` says why
cancel delivered                   FO cancelled, its units released (and, for a channel cancellation, the
                                   units cancelled on the order)
cancel refused or dead             ``fulfillment_order.cancel_refused``: the partner keeps it (it may ship)
=================================  ==========================================================================

Before sending, ``prepare`` looks at the FO as it is now: a submit whose FO was cancelled meanwhile is
withdrawn (one of an order put on hold too: releasing the hold plans it again), and a cancel of an FO no
partner has is done in the hub. A submit the partner took after the hub had cancelled the FO (the two
crossed) gets a cancel delivery of its own, so the partner's copy is withdrawn too.

Destination ``self`` is a location the operator runs: a submit is accepted at once (the operator ships it
with ``orderhub fulfillment ship``) and a cancel is done at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any, ClassVar

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.canonical import FulfillmentRequest
from hub.db.models import Delivery, DeliveryStatus, FulfillmentOrderRecord, OrderLifecycleRecord, OrderRouting
from hub.db.models.base import utcnow
from hub.delivery import outbox, results
from hub.delivery.claim import Claimed
from hub.delivery.handlers import CONNECTOR, SELF, AfterCommit, Target, register
from hub.delivery.record import Settled
from hub.delivery.results import Result
from hub.lifecycle import FulfillmentState, LifecycleRejected
from hub.lifecycle.batch import Item, Note, execute_many
from hub.lifecycle.commands import (
    AcceptFulfillmentOrder,
    CancelFulfillmentOrder,
    Hold,
    RejectFulfillmentOrder,
    SendFulfillmentOrder,
)
from hub.lifecycle.store import execute
from hub.oms.stock_effects import execute_with_stock
from hub.orders.store import record_event
from hub.sdk import (
    CancelsFulfillment,
    FulfillmentRef,
    PermanentError,
    SubmitsFulfillment,
    SubmitsFulfillmentBatch,
    TransientError,
)

SUBMITTED = "fulfillment_order.submitted"
DELIVERY_FAILED = "fulfillment_order.delivery_failed"
CANCEL_REFUSED = "fulfillment_order.cancel_refused"
UNRECORDED = "fulfillment_order.delivery_unrecorded"
SOURCE = "delivery"
CANCEL_WAIT = timedelta(seconds=30)  # a cancel waits this long for a submit of the same FO still in flight


def _fo_states(session: Session, claimed: Sequence[Claimed]) -> dict[str, tuple[str, str | None, str | None]]:
    """FO id -> (state, the order's hold reason, the FO's external id)."""
    query = (
        select(
            FulfillmentOrderRecord.id,
            FulfillmentOrderRecord.state,
            OrderLifecycleRecord.hold_reason,
            FulfillmentOrderRecord.external_id,
        )
        .join(OrderLifecycleRecord, OrderLifecycleRecord.order_id == FulfillmentOrderRecord.order_id)
        .where(FulfillmentOrderRecord.id.in_({delivery.subject_id for delivery in claimed}))
    )
    return {row.id: (row.state, row.hold_reason, row.external_id) for row in session.execute(query)}


def _request(payload: dict[str, Any]) -> FulfillmentRequest:
    try:
        return FulfillmentRequest.model_validate(payload)
    except ValidationError as exc:
        raise PermanentError(f"the stored fulfillment request is not valid: {exc.errors()[0]['msg']}") from None


class Submit:
    operation: ClassVar[str] = outbox.SUBMIT
    kind: ClassVar[str] = CONNECTOR

    def prepare(self, session: Session, claimed: Sequence[Claimed]) -> dict[int, Result]:
        states = _fo_states(session, claimed)
        decided: dict[int, Result] = {}
        for delivery in claimed:
            state, hold, _external = states.get(delivery.subject_id, ("missing", None, None))
            if state == FulfillmentState.CREATED and hold is not None:
                reason = f"the order is on hold ({hold}); releasing the hold plans it again"
                decided[delivery.id] = results.not_tried(delivery.id, results.WITHDRAWN, reason)
            elif state in (FulfillmentState.SENT, FulfillmentState.ACCEPTED, FulfillmentState.PARTIALLY_SHIPPED):
                decided[delivery.id] = results.succeeded(delivery.id, utcnow(), already=True, note=f"already {state}")
            elif state != FulfillmentState.CREATED:
                reason = f"fulfillment order {delivery.subject_id} is {state}: nothing to send"
                decided[delivery.id] = results.not_tried(delivery.id, results.WITHDRAWN, reason)
        return decided

    def send_one(self, target: Target, delivery: Claimed) -> Result:
        started = utcnow()
        try:
            connector = target.connector
            if not isinstance(connector, SubmitsFulfillment):
                raise PermanentError(f"{target.destination} cannot take fulfillment orders (no submit capability)")
            submitted = connector.submit_fulfillment(_request(delivery.payload), delivery.idempotency_key)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a recorded result
            return results.failed(delivery.id, started, exc)
        return results.succeeded(delivery.id, started, submitted.external_id, submitted.note)

    def send_batch(self, target: Target, deliveries: Sequence[Claimed]) -> list[Result] | None:
        if not isinstance(target.connector, SubmitsFulfillmentBatch) or len(deliveries) < 2:
            return None
        submit_many = target.connector.submit_fulfillments
        started = utcnow()
        try:
            answers = list(submit_many([(_request(d.payload), d.idempotency_key) for d in deliveries]))
            if len(answers) != len(deliveries):
                raise TransientError(f"the batch call answered {len(answers)} of {len(deliveries)} orders")
        except Exception as exc:  # noqa: BLE001
            return [results.failed(d.id, started, exc) for d in deliveries]
        return [
            results.failed(d.id, started, answer)
            if isinstance(answer, BaseException)
            else results.succeeded(d.id, started, answer.external_id, answer.note)
            for d, answer in zip(deliveries, answers, strict=True)
        ]

    def settle(self, session: Session, delivery: Claimed, result: Result, status: str, after: AfterCommit) -> None:
        order_id, fo_id = delivery.order_id or "", delivery.subject_id
        fo = session.get(FulfillmentOrderRecord, fo_id)
        if fo is None:
            return
        if status == DeliveryStatus.DELIVERED:
            self._accepted(session, delivery, fo, result, after)
        elif result.outcome == results.PERMANENT:
            self._refused(session, delivery, fo, result.error or "refused", after)
        else:
            data = {"destination": delivery.destination, "delivery": delivery.id, "reason": result.error}
            record_event(session, order_id, DELIVERY_FAILED, source=SOURCE, data=data | {"attempts": delivery.attempts})

    def settle_many(self, session: Session, settled: Sequence[Settled], after: AfterCommit) -> list[Settled]:
        """The common case of a chunk at once: submits the partner took whose fulfillment orders are still
        created or sent move to sent and accepted, all orders in one pass (``hub.lifecycle.batch``). Returns
        what is left for ``settle`` one by one: any other outcome or state, and every delivery of an order
        whose commands the lifecycle refused."""
        states = dict(
            session.execute(
                select(FulfillmentOrderRecord.id, FulfillmentOrderRecord.state).where(
                    FulfillmentOrderRecord.id.in_({delivery.subject_id for delivery, _, _ in settled})
                )
            ).all()
        )
        items: list[tuple[str, Item]] = []
        taken: dict[str, list[Settled]] = {}
        left = []
        for entry in settled:
            delivery, result, status = entry
            state = states.get(delivery.subject_id)
            if status != DeliveryStatus.DELIVERED or state not in ACCEPTABLE or not delivery.order_id:
                left.append(entry)
                continue
            items += [(delivery.order_id, item) for item in _acceptance(delivery, result, FulfillmentState(state))]
            taken.setdefault(delivery.order_id, []).append(entry)
        applied = execute_many(session, items, source=SOURCE)
        return left + [entry for order_id in applied.refused for entry in taken[order_id]]

    def _accepted(
        self, session: Session, delivery: Claimed, fo: FulfillmentOrderRecord, result: Result, after: AfterCommit
    ) -> None:
        state = FulfillmentState(fo.state)
        data = {"destination": delivery.destination, "delivery": delivery.id, "external_id": result.external_id}
        if state in (FulfillmentState.CANCELLED, FulfillmentState.REJECTED):
            # the partner took it after the hub had withdrawn it: withdraw the partner's copy too
            after.deliveries.extend(_cancel_orphan(session, fo, delivery, result))
            record_event(session, fo.order_id, UNRECORDED, source=SOURCE, data=data | {"fulfillment_order": fo.id})
            return
        if state is FulfillmentState.CREATED:
            execute(session, fo.order_id, SendFulfillmentOrder(id=fo.id), source=SOURCE)
            state = FulfillmentState.SENT
        if state is FulfillmentState.SENT:
            accept = AcceptFulfillmentOrder(id=fo.id, external_id=(result.external_id or None))
            execute(session, fo.order_id, accept, source=SOURCE)
        record_event(session, fo.order_id, SUBMITTED, source=SOURCE, data=data | {"fulfillment_order": fo.id})

    def _refused(
        self, session: Session, delivery: Claimed, fo: FulfillmentOrderRecord, reason: str, after: AfterCommit
    ) -> None:
        if fo.state == FulfillmentState.CREATED:
            execute(session, fo.order_id, SendFulfillmentOrder(id=fo.id), source=SOURCE)
        if fo.state in (FulfillmentState.CREATED, FulfillmentState.SENT, FulfillmentState.ACCEPTED):
            command = RejectFulfillmentOrder(id=fo.id, reason=f"{delivery.destination}: {reason}"[:2000])
            execute_with_stock(session, fo.order_id, command, source=SOURCE)
            route_again(session, fo.order_id, fo.location_id, reason, after)


# states in which a submit the partner took settles in the common way (``Submit._accepted`` without an orphan)
ACCEPTABLE = (
    FulfillmentState.CREATED,
    FulfillmentState.SENT,
    FulfillmentState.ACCEPTED,
    FulfillmentState.PARTIALLY_SHIPPED,
)


def _acceptance(delivery: Claimed, result: Result, state: FulfillmentState) -> list[Item]:
    """What ``Submit._accepted`` does for a fulfillment order the hub still wants, as items of one pass."""
    fo_id = delivery.subject_id
    items: list[Item] = []
    if state is FulfillmentState.CREATED:
        items.append(SendFulfillmentOrder(id=fo_id))
    if state in (FulfillmentState.CREATED, FulfillmentState.SENT):
        items.append(AcceptFulfillmentOrder(id=fo_id, external_id=(result.external_id or None)))
    data = {"destination": delivery.destination, "delivery": delivery.id, "external_id": result.external_id}
    items.append(Note(SUBMITTED, data | {"fulfillment_order": fo_id}))
    return items


def route_again(session: Session, order_id: str, location_id: str, reason: str, after: AfterCommit) -> None:
    """Route the order again after a location refused its fulfillment order: now (published after commit),
    and through the routing sweep should that publish be lost. A location that refused this order twice
    would only refuse again: the order is held for a person instead of going round."""
    refusals = session.scalar(
        select(func.count())
        .select_from(FulfillmentOrderRecord)
        .where(
            FulfillmentOrderRecord.order_id == order_id,
            FulfillmentOrderRecord.location_id == location_id,
            FulfillmentOrderRecord.state == FulfillmentState.REJECTED,
        )
    )
    if (refusals or 0) >= 2:
        hold = f"location {location_id} refused this order's fulfillment orders twice ({reason})"
        try:
            execute(session, order_id, Hold(reason=hold[:2000]), source=SOURCE)
        except LifecycleRejected:
            pass  # the order moved on (cancelled, shipped): nothing left to route or hold
        return
    routing = session.get(OrderRouting, order_id)
    if routing is not None:
        routing.waiting, routing.reroute_at = True, utcnow()
    after.routes.add(order_id)


def _cancel_orphan(session: Session, fo: FulfillmentOrderRecord, delivery: Claimed, result: Result) -> list[int]:
    payload = {
        "request": delivery.payload,
        "reason": f"fulfillment order {fo.id} was {fo.state} in the hub while the partner took it",
        "cancel_lines": False,
        "orphan": True,
        "external_id": result.external_id,
    }
    delivery_id, created = outbox.enqueue(
        session,
        destination=delivery.destination,
        operation=outbox.CANCEL,
        subject_type="fulfillment_order",
        subject_id=fo.id,
        idempotency_key=outbox.cancel_key(fo.id),
        payload=payload,
        order_id=fo.order_id,
    )
    return [delivery_id] if created else []


class Cancel:
    operation: ClassVar[str] = outbox.CANCEL
    kind: ClassVar[str] = CONNECTOR

    def prepare(self, session: Session, claimed: Sequence[Claimed]) -> dict[int, Result]:
        states = _fo_states(session, claimed)
        decided: dict[int, Result] = {}
        for delivery in claimed:
            state, _hold, external_id = states.get(delivery.subject_id, ("missing", None, None))
            # what the hub learned since planning (the partner's id arrives with its acceptance)
            delivery.payload.setdefault("external_id", None)
            delivery.payload["external_id"] = delivery.payload["external_id"] or external_id
            decision = self._decide(session, delivery, state)
            if decision is not None:
                decided[delivery.id] = decision
        return decided

    def _decide(self, session: Session, delivery: Claimed, state: str) -> Result | None:
        if state in outbox.RELEASED or (delivery.payload.get("orphan") and state != "missing"):
            return None
        if state == FulfillmentState.CREATED:
            submit = session.scalar(
                select(Delivery.status).where(Delivery.idempotency_key == outbox.submit_key(delivery.subject_id))
            )
            if submit == DeliveryStatus.IN_FLIGHT:
                reason = "its submit is in flight; the cancel follows it"
                waited = results.not_tried(delivery.id, results.DEFERRED, reason)
                return replace(waited, retry_after=CANCEL_WAIT.total_seconds())
            return results.succeeded(delivery.id, utcnow(), note="no partner had it: cancelled in the hub")
        if state in (FulfillmentState.SHIPPED, FulfillmentState.CLOSED):
            return results.failed(delivery.id, utcnow(), PermanentError(f"already {state}: nothing left to cancel"))
        reason = f"fulfillment order {delivery.subject_id} is {state}: nothing to cancel"
        return results.not_tried(delivery.id, results.WITHDRAWN, reason)

    def send_one(self, target: Target, delivery: Claimed) -> Result:
        started = utcnow()
        try:
            connector = target.connector
            if not isinstance(connector, CancelsFulfillment):
                raise PermanentError(
                    f"{target.destination} cannot cancel fulfillment orders through its API: cancel "
                    f"{delivery.subject_id} with the partner by hand"
                )
            request = _request(delivery.payload["request"])
            external_id = delivery.payload.get("external_id") or delivery.external_id
            ref = FulfillmentRef(request.id, external_id, request.reference)
            connector.cancel_fulfillment(request, ref, delivery.idempotency_key)
        except Exception as exc:  # noqa: BLE001
            return results.failed(delivery.id, started, exc)
        return results.succeeded(delivery.id, started)

    def send_batch(self, target: Target, deliveries: Sequence[Claimed]) -> list[Result] | None:
        return None

    def settle(self, session: Session, delivery: Claimed, result: Result, status: str, after: AfterCommit) -> None:
        fo = session.get(FulfillmentOrderRecord, delivery.subject_id)
        if fo is None:
            return
        reason = str(delivery.payload.get("reason") or "cancelled")
        cancel_lines = bool(delivery.payload.get("cancel_lines"))
        if status != DeliveryStatus.DELIVERED:
            data = {"destination": delivery.destination, "delivery": delivery.id, "reason": result.error}
            record_event(session, fo.order_id, CANCEL_REFUSED, source=SOURCE, data=data | {"fulfillment_order": fo.id})
        elif fo.state == FulfillmentState.CREATED:
            outbox.cancel_unsent(session, fo, reason, cancel_lines=cancel_lines, source=SOURCE)
        elif FulfillmentState(fo.state) in outbox.RELEASED:
            open_units = {line.line_id: line.quantity - line.shipped - line.cancelled for line in fo.lines}
            execute_with_stock(session, fo.order_id, CancelFulfillmentOrder(id=fo.id, reason=reason), source=SOURCE)
            if cancel_lines:
                outbox.cancel_returned_units(session, fo.order_id, open_units, reason, source=SOURCE)


class SelfSubmit(Submit):
    """The operator's own location: taken at once; the operator ships it by hand."""

    kind: ClassVar[str] = SELF

    def send_one(self, target: Target, delivery: Claimed) -> Result:
        return results.succeeded(delivery.id, utcnow(), note="fulfilled by the operator (orderhub fulfillment ship)")

    def send_batch(self, target: Target, deliveries: Sequence[Claimed]) -> list[Result] | None:
        return [self.send_one(target, delivery) for delivery in deliveries]


class SelfCancel(Cancel):
    kind: ClassVar[str] = SELF

    def send_one(self, target: Target, delivery: Claimed) -> Result:
        return results.succeeded(delivery.id, utcnow(), note="cancelled by the operator's location")


for _handler in (Submit(), Cancel(), SelfSubmit(), SelfCancel()):
    register(_handler)
