"""EDI 3PLs: a fulfillment order at a location fulfilled by ``edi:PARTNER`` goes out as an X12 940.

Submit (``fulfillment_order.submit``)
    The 940 carries the order restricted to the fulfillment order: only the lines this location ships, each
    with the units asked of it (``shipping_order``). It is queued with ``hub.edi.dispatch.queue_documents``
    (numbered from the partner's sequences and put on the EDI register) in the transaction that claims the
    delivery, and that transaction also writes the set's control numbers on the delivery (``external_id``,
    ``940 ISA <ISA13> ST <ST02>``). A delivery that already carries them was queued by an earlier claim
    whose result was never recorded (the worker stopped): it counts as delivered and nothing is queued
    again, so each fulfillment order gets exactly one 940. Once the result is recorded the fulfillment
    order is sent and accepted as for any partner, and the ``hub.edi.send`` task is published for the
    interchange, which goes out over the partner's transport (``hub.edi.send_pending`` catches a lost
    publish). A 940 the hub cannot write (no ship-to, a line without SKU ...) is a permanent failure with
    the builder's reason: the fulfillment order is rejected and the order routed again. An unknown or
    inactive partner, or one without a transport, pauses the destination until the profile is fixed.

Acknowledgment (997)
    The partner's 997 updates the register (``hub.edi.functional_acks``). A 940 it rejects (AK5 R, or a
    TA1 R for the interchange) is the 3PL refusing the fulfillment order: ``partner_rejected`` rejects it
    with the partner's codes (its units are released) and the order waits for routing again, as for any
    3PL that refuses one.

Cancel (``fulfillment_order.cancel``)
    The hub's 940 writer only writes originals (W05 01 ``N``); it cannot yet write a cancellation
    (W05 01 ``F``). A cancel of a 940 the partner holds is therefore not sent: the delivery fails with a
    reason that tells the operator to cancel it with the partner by hand, and the fulfillment order stays
    with the partner (``fulfillment_order.cancel_refused`` on the timeline). A cancel of a fulfillment order
    no 940 was queued for is done in the hub, as for any partner.

Shipments come back as 945s, which the EDI engine maps to shipments and records with
``hub.delivery.shipments.record_shipment`` under source ``edi:PARTNER``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import ClassVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.canonical import FulfillmentRequest, Order
from hub.db.models import Delivery, EdiInterchange, EdiTransaction, FulfillmentOrderRecord, OrderEvent
from hub.db.models.base import utcnow
from hub.delivery import outbox, results
from hub.delivery.claim import Claimed
from hub.delivery.fulfillment import SOURCE, Cancel, Submit, _request, route_again
from hub.delivery.handlers import EDI, AfterCommit, Target, register
from hub.delivery.results import Result
from hub.edi.dispatch import queue_documents
from hub.edi.outbound import OutboundInvalid
from hub.errors import InputRejected
from hub.lifecycle import FulfillmentState, LifecycleRejected
from hub.lifecycle.commands import RejectFulfillmentOrder
from hub.oms.stock_effects import execute_with_stock
from hub.orders.store import record_event
from hub.sdk import ConfigurationError, PermanentError, TransientError

log = logging.getLogger(__name__)
SET_ID = "940"
SEND_TASK = "hub.edi.send"
PARTNER_REJECTED = "fulfillment_order.rejected_by_partner"
_MARKER = re.compile(r"^940 ISA (?P<isa>\S+) ST (?P<st>\S+)$")


def partner_of(destination: str) -> str:
    """``edi:ACME`` -> ``ACME``."""
    return destination.partition(":")[2]


def marker(interchange_control_number: str, set_control_number: str) -> str:
    """What the delivery and the fulfillment order keep of their 940: its ISA13 and ST02."""
    return f"{SET_ID} ISA {interchange_control_number} ST {set_control_number}"


def shipping_order(request: FulfillmentRequest) -> Order:
    """The order as the 940 tells the warehouse to ship it: only the lines of this fulfillment order, each
    with the units asked of this location (the SKU the hub picked for it), and the charges of those lines.
    Amounts stay as the order has them: a 940 carries none."""
    wanted = {line.line_id: line for line in request.lines}
    lines = [
        line.model_copy(update={"quantity": wanted[line.line_id].quantity, "sku": wanted[line.line_id].sku or line.sku})
        for line in request.order.lines
        if line.line_id in wanted
    ]
    charges = [charge for charge in request.order.charges if charge.line_id is None or charge.line_id in wanted]
    update_ = {"lines": lines, "charges": charges, "test": request.test or request.order.test}
    return request.order.model_copy(update=update_)


class EdiSubmit(Submit):
    """A fulfillment order to an X12 3PL: its 940 is queued while the delivery is claimed (see the module
    docstring); nothing is left to send outside the transaction."""

    kind: ClassVar[str] = EDI

    def prepare(self, session: Session, claimed: Sequence[Claimed]) -> dict[int, Result]:
        decided = super().prepare(session, claimed)
        for delivery in claimed:
            if delivery.id not in decided:
                decided[delivery.id] = self._queue(session, delivery)
        return decided

    def _queue(self, session: Session, delivery: Claimed) -> Result:
        started = utcnow()
        if delivery.external_id:
            note = f"its 940 was queued by an earlier try ({delivery.external_id}); not queued again"
            return results.succeeded(delivery.id, started, delivery.external_id, note, already=True)
        partner = partner_of(delivery.destination)
        try:
            order = shipping_order(_request(delivery.payload))
            with session.begin_nested():  # a refused 940 spends no control number and registers nothing
                queued = queue_documents(session, partner, [order], set_ids=[SET_ID])
                number = session.scalars(
                    select(EdiTransaction.control_number).where(EdiTransaction.interchange_id == queued.id)
                ).one()
                external_id = marker(queued.control_number, number)
                session.execute(
                    update(Delivery)
                    .where(Delivery.id == delivery.id)
                    .values(external_id=external_id)
                    .execution_options(synchronize_session=False)
                )
        except OutboundInvalid as exc:
            return results.failed(delivery.id, started, PermanentError(f"the 940 cannot be sent: {exc}"))
        except InputRejected as exc:  # unknown or inactive partner, no transport, a profile that does not load
            return results.failed(delivery.id, started, ConfigurationError(str(exc)))
        except Exception as exc:  # noqa: BLE001 - a stored request that does not load, a fault: recorded
            return results.failed(delivery.id, started, exc)
        note = f"940 for order {order.channel_order_id} queued for {partner} ({external_id})"
        return results.succeeded(delivery.id, started, external_id, note)

    def send_one(self, target: Target, delivery: Claimed) -> Result:
        # prepare decides every EDI submit; reaching here means it did not, so the delivery is tried again
        error = TransientError("the 940 was not queued when the delivery was claimed; it is tried again")
        return results.failed(delivery.id, utcnow(), error)

    def send_batch(self, target: Target, deliveries: Sequence[Claimed]) -> list[Result] | None:
        return [self.send_one(target, delivery) for delivery in deliveries]

    def settle(self, session: Session, delivery: Claimed, result: Result, status: str, after: AfterCommit) -> None:
        super().settle(session, delivery, result, status, after)
        interchange = _pending_interchange(session, partner_of(delivery.destination), result.external_id)
        if interchange is not None:
            after.tasks.append((SEND_TASK, [interchange]))


def _pending_interchange(session: Session, partner: str, external_id: str | None) -> int | None:
    """The register id of the 940's interchange while it waits to be sent (None once sent, or unknown)."""
    found = _MARKER.match(external_id or "")
    if found is None:
        return None
    return session.scalars(
        select(EdiInterchange.id).where(
            EdiInterchange.partner_id == partner,
            EdiInterchange.direction == "out",
            EdiInterchange.control_number == found["isa"],
            EdiInterchange.status == "pending",
        )
    ).first()


class EdiCancel(Cancel):
    """Withdrawing a fulfillment order from an X12 3PL: by hand until the 940 writer can write a cancellation
    (see the module docstring). ``prepare`` still settles what needs no partner (a 940 never queued)."""

    kind: ClassVar[str] = EDI

    def _decide(self, session: Session, delivery: Claimed, state: str) -> Result | None:
        if state == FulfillmentState.CREATED and _queued_940(session, delivery.subject_id):
            return None  # its 940 went out before the hub recorded it (the worker stopped): the partner has it
        return super()._decide(session, delivery, state)

    def send_one(self, target: Target, delivery: Claimed) -> Result:
        partner = partner_of(delivery.destination)
        sent = delivery.payload.get("external_id") or delivery.external_id or "its 940"
        request = delivery.payload.get("request") or {}
        order = (request.get("order") or {}).get("channel_order_id") or delivery.order_id
        error = PermanentError(
            f"the hub cannot cancel a 940 through X12 yet (it writes only originals, W05 N): ask {partner} by hand "
            f"to cancel fulfillment order {delivery.subject_id} (depositor order {order}, {sent}); until then it "
            "stays with the partner, and a 945 for it is still recorded"
        )
        return results.failed(delivery.id, utcnow(), error)


def _queued_940(session: Session, fo_id: str) -> bool:
    query = select(Delivery.external_id).where(Delivery.idempotency_key == outbox.submit_key(fo_id))
    return bool(session.scalars(query).first())


def partner_rejected(session: Session, rows: Sequence[EdiTransaction]) -> int:
    """The partner's 997 (or TA1) rejected these sets we sent: each 940 that carried a fulfillment order
    still open at the partner rejects it (units released, the order waits for routing again). Returns how
    many fulfillment orders were rejected. Runs in the inbound processor's transaction."""
    rejected = 0
    for row in rows:
        if row.set_id != SET_ID or row.direction != "out" or row.ack_status != "rejected" or not row.partner_id:
            continue
        interchange = session.get(EdiInterchange, row.interchange_id)
        if interchange is None:
            continue
        destination = f"{EDI}:{row.partner_id}"
        fo_id = session.scalars(
            select(Delivery.subject_id).where(
                Delivery.destination == destination,
                Delivery.operation == outbox.SUBMIT,
                Delivery.external_id == marker(interchange.control_number, row.control_number),
            )
        ).first()
        if fo_id is not None and _reject(session, destination, fo_id, row):
            rejected += 1
    return rejected


def _reject(session: Session, destination: str, fo_id: str, row: EdiTransaction) -> bool:
    fo = session.get(FulfillmentOrderRecord, fo_id)
    if fo is None or _noted(session, fo.order_id, fo_id):
        return False  # gone, or this rejection was handled before (the acknowledgment read again)
    codes = " ".join(row.ack_codes or [])
    reason = f"{row.partner_id} rejected its 940 (set {row.control_number}) in its acknowledgment: {codes}"
    data = {"fulfillment_order": fo_id, "destination": destination, "ack_codes": list(row.ack_codes or [])}
    record_event(session, fo.order_id, PARTNER_REJECTED, source=SOURCE, data=data | {"reason": reason})
    if fo.state not in (FulfillmentState.SENT, FulfillmentState.ACCEPTED):
        return False  # shipped in part, cancelled, or rejected before: the note above is all there is to do
    try:
        with session.begin_nested():
            command = RejectFulfillmentOrder(id=fo_id, reason=f"{destination}: {reason}"[:2000])
            execute_with_stock(session, fo.order_id, command, source=SOURCE)
            route_again(session, fo.order_id, fo.location_id, reason, AfterCommit())
    except LifecycleRejected as exc:
        log.warning("fulfillment order %s: %s, but it could not be rejected: %s", fo_id, reason, exc)
        return False
    return True


def _noted(session: Session, order_id: str, fo_id: str) -> bool:
    events = session.scalars(
        select(OrderEvent.data).where(OrderEvent.order_id == order_id, OrderEvent.type == PARTNER_REJECTED)
    )
    return any(data.get("fulfillment_order") == fo_id for data in events)


for _handler in (EdiSubmit(), EdiCancel()):
    register(_handler)
