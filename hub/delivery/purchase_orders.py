"""Drop-ship suppliers over X12: a fulfillment order at a supplier location fulfilled by ``edi:PARTNER`` goes
out as an 850 purchase order (``purchase_order.submit``, queue ``deliver.supplier``).

Submit
    The 850 (``hub.edi.supplier_orders``: the supplier's item numbers, the buyer's ship-to, the agreed
    prices, PO number derived from the fulfillment order) is queued on the EDI register in the transaction
    that claims the delivery, together with its ``supplier_purchase_orders`` row; the delivery keeps the PO
    number as its ``external_id``. A fulfillment order that already has its row was queued by an earlier
    claim whose result was never recorded: it counts as delivered and nothing is queued again, so each
    fulfillment order gets exactly one 850 (a resend of the same interchange after a crash repeats its ISA13,
    which the supplier recognises). Once recorded, the fulfillment order is ``sent`` (not yet accepted: the
    supplier's 855 does that) and ``hub.edi.send`` is published for the interchange. An 850 that cannot be
    written is a permanent failure: the fulfillment order is rejected and the order routed again. An unknown
    or inactive partner, or one without a transport, pauses the destination until the profile is fixed.

Cancel
    ``purchase_order.cancel`` queues an 860 with BCH01 ``01`` (or an 850 with BEG01 ``01``, per
    ``supplier.cancel_with``) for the PO and, once recorded, cancels the fulfillment order in the hub (its units
    return to the order). A fulfillment order no 850 was queued for is cancelled in the hub only. The
    cancellation's ISA13 is kept on the PO row, so a cancel tried again sends nothing more. A 997 (or TA1)
    rejecting the cancellation is noted on the order (``fulfillment_order.cancel_refused``, by
    :func:`cancellations_rejected`): the supplier still holds the PO, and a person settles it with them.

Answers (997, 855, 856, 810) are applied by ``hub.edi.apply`` (``hub.edi.supplier_answers``,
``hub.edi.supplier_invoices``); a PO not acknowledged in the agreed time is flagged by :func:`flag_overdue`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.db.models import (
    Delivery,
    DeliveryStatus,
    EdiInterchange,
    EdiTransaction,
    FulfillmentOrderRecord,
    SupplierPurchaseOrder,
)
from hub.db.models.base import utcnow
from hub.delivery import outbox, results
from hub.delivery.claim import Claimed
from hub.delivery.fulfillment import CANCEL_REFUSED, SOURCE, SUBMITTED, UNRECORDED, Cancel, Submit, _request
from hub.delivery.handlers import EDI, AfterCommit, Target, register
from hub.delivery.results import Result
from hub.edi.outbound import OutboundInvalid
from hub.edi.partners import get_partner
from hub.edi.supplier_orders import pending_interchange, queue_cancellation, queue_purchase_order
from hub.errors import InputRejected
from hub.lifecycle import FulfillmentState
from hub.lifecycle.commands import SendFulfillmentOrder
from hub.lifecycle.store import execute
from hub.orders.store import record_event
from hub.sdk import ConfigurationError, PermanentError, TransientError

SEND_TASK = "hub.edi.send"
PO_SENT = "purchase_order.sent"
CANCEL_REJECTED = "cancel_rejected"  # the PO row's status once the supplier's 997 refused its cancellation


def partner_of(destination: str) -> str:
    return destination.partition(":")[2]


def _purchase_order(session: Session, fo_id: str) -> SupplierPurchaseOrder | None:
    query = select(SupplierPurchaseOrder).where(SupplierPurchaseOrder.fulfillment_order_id == fo_id)
    return session.scalars(query).first()


def _set_external_id(session: Session, delivery_id: int, external_id: str) -> None:
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(external_id=external_id)
        .execution_options(synchronize_session=False)
    )


def _queue_failed(delivery_id: int, started: datetime, exc: Exception, what: str) -> Result:
    if isinstance(exc, OutboundInvalid):
        return results.failed(delivery_id, started, PermanentError(f"the {what} cannot be sent: {exc}"))
    if isinstance(exc, InputRejected):  # unknown or inactive partner, no transport, a profile that does not load
        return results.failed(delivery_id, started, ConfigurationError(str(exc)))
    return results.failed(delivery_id, started, exc)


class _QueuedInClaim:
    """The document is queued while the delivery is claimed; nothing is left to send outside a transaction."""

    def send_one(self, target: Target, delivery: Claimed) -> Result:
        error = TransientError("the purchase order was not queued when the delivery was claimed; it is tried again")
        return results.failed(delivery.id, utcnow(), error)

    def send_batch(self, target: Target, deliveries: Sequence[Claimed]) -> list[Result] | None:
        return [self.send_one(target, delivery) for delivery in deliveries]


class PurchaseOrderSubmit(_QueuedInClaim, Submit):
    operation: ClassVar[str] = outbox.PO_SUBMIT
    kind: ClassVar[str] = EDI

    def prepare(self, session: Session, claimed: Sequence[Claimed]) -> dict[int, Result]:
        decided = super().prepare(session, claimed)
        for delivery in claimed:
            if delivery.id not in decided:
                decided[delivery.id] = self._queue(session, delivery)
        return decided

    def _queue(self, session: Session, delivery: Claimed) -> Result:
        started = utcnow()
        existing = _purchase_order(session, delivery.subject_id)
        if existing is not None:
            note = f"its 850 (PO {existing.po_number}) was queued by an earlier try; not queued again"
            return results.succeeded(delivery.id, started, existing.po_number, note, already=True)
        try:
            with session.begin_nested():  # a refused 850 spends no control number and registers nothing
                partner = get_partner(session, partner_of(delivery.destination))
                if not partner.active:
                    raise InputRejected(f"partner {partner.id!r} is inactive; activate it before sending it POs")
                queued = queue_purchase_order(session, partner, _request(delivery.payload), now=started)
                _set_external_id(session, delivery.id, queued.purchase_order.po_number)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a recorded result
            return _queue_failed(delivery.id, started, exc, "850")
        row = queued.purchase_order
        note = f"850 PO {row.po_number} queued for {row.partner_id} (ISA {row.interchange_control_number})"
        return results.succeeded(delivery.id, started, row.po_number, note)

    def settle_many(self, session: Session, settled: Sequence[Any], after: AfterCommit) -> list[Any]:
        return list(settled)  # each PO settles on its own (below): none is left to a batch of the base class

    def settle(self, session: Session, delivery: Claimed, result: Result, status: str, after: AfterCommit) -> None:
        fo = session.get(FulfillmentOrderRecord, delivery.subject_id)
        if fo is None:
            return
        if status != DeliveryStatus.DELIVERED:
            super().settle(session, delivery, result, status, after)  # rejected and routed again, or noted
            return
        row = _purchase_order(session, fo.id)
        data = {"destination": delivery.destination, "delivery": delivery.id, "fulfillment_order": fo.id}
        data |= {"po_number": result.external_id}
        if fo.state in (FulfillmentState.CANCELLED, FulfillmentState.REJECTED):
            # the 850 was queued after the hub had withdrawn the fulfillment order: withdraw the PO too
            after.deliveries.extend(_cancel_crossed(session, fo, delivery))
            record_event(session, fo.order_id, UNRECORDED, source=SOURCE, data=data)
        else:
            if fo.state == FulfillmentState.CREATED:
                execute(session, fo.order_id, SendFulfillmentOrder(id=fo.id), source=SOURCE)
            record_event(session, fo.order_id, SUBMITTED, source=SOURCE, data=data)
            if row is not None and result.outcome == results.DELIVERED:
                record_event(session, fo.order_id, PO_SENT, source=SOURCE, data=data | _po_data(row))
        interchange = pending_interchange(session, row.partner_id, row.interchange_control_number) if row else None
        if interchange is not None:
            after.tasks.append((SEND_TASK, [interchange]))


def _po_data(row: SupplierPurchaseOrder) -> dict[str, object]:
    return {
        "partner": row.partner_id,
        "interchange": row.interchange_control_number,
        "control_number": row.set_control_number,
        "lines": row.lines,
        "ack_due_at": row.ack_due_at.isoformat() if row.ack_due_at else None,
    }


def _cancel_crossed(session: Session, fo: FulfillmentOrderRecord, delivery: Claimed) -> list[int]:
    payload = {
        "request": delivery.payload,
        "reason": f"fulfillment order {fo.id} was {fo.state} in the hub while its PO was being sent",
        "cancel_lines": False,
        "orphan": True,
    }
    delivery_id, created = outbox.enqueue(
        session,
        destination=delivery.destination,
        operation=outbox.PO_CANCEL,
        subject_type="fulfillment_order",
        subject_id=fo.id,
        idempotency_key=outbox.cancel_key(fo.id),
        payload=payload,
        order_id=fo.order_id,
        queue=delivery.queue,
    )
    return [delivery_id] if created else []


class PurchaseOrderCancel(_QueuedInClaim, Cancel):
    operation: ClassVar[str] = outbox.PO_CANCEL
    kind: ClassVar[str] = EDI

    def prepare(self, session: Session, claimed: Sequence[Claimed]) -> dict[int, Result]:
        decided = super().prepare(session, claimed)
        for delivery in claimed:
            if delivery.id not in decided:
                decided[delivery.id] = self._queue(session, delivery)
        return decided

    def _decide(self, session: Session, delivery: Claimed, state: str) -> Result | None:
        if state == FulfillmentState.CREATED and _purchase_order(session, delivery.subject_id) is not None:
            return None  # its 850 was queued before the hub recorded it (the worker stopped): the supplier has it
        return super()._decide(session, delivery, state)

    def _queue(self, session: Session, delivery: Claimed) -> Result:
        started = utcnow()
        row = _purchase_order(session, delivery.subject_id)
        if row is None:
            return results.succeeded(delivery.id, started, note="no PO was sent for it: cancelled in the hub")
        if row.cancel_control_number:
            earlier = f"ISA {row.cancel_control_number}"
            note = f"the cancellation of PO {row.po_number} was queued by an earlier try ({earlier})"
            return results.succeeded(delivery.id, started, row.po_number, note, already=True)
        try:
            with session.begin_nested():
                partner = get_partner(session, row.partner_id)
                queue_cancellation(session, partner, row, _request(delivery.payload["request"]))
                _set_external_id(session, delivery.id, row.po_number)
        except Exception as exc:  # noqa: BLE001
            session.refresh(row)
            return _queue_failed(delivery.id, started, exc, "PO cancellation")
        note = f"cancellation of PO {row.po_number} queued for {row.partner_id} (ISA {row.cancel_control_number})"
        return results.succeeded(delivery.id, started, row.po_number, note)

    def settle(self, session: Session, delivery: Claimed, result: Result, status: str, after: AfterCommit) -> None:
        super().settle(session, delivery, result, status, after)
        row = _purchase_order(session, delivery.subject_id)
        if row is None or status != DeliveryStatus.DELIVERED:
            return
        row.status, row.updated_at = "cancelled", utcnow()
        interchange = pending_interchange(session, row.partner_id, row.cancel_control_number)
        if interchange is not None:
            after.tasks.append((SEND_TASK, [interchange]))


def cancellations_rejected(session: Session, rows: Sequence[EdiTransaction]) -> int:
    """The supplier's 997 (or TA1) rejected the 860 or 850 that cancelled a PO: the supplier still holds the PO,
    so the refusal goes on the order's timeline for a person to settle, and the PO row says so. Returns how many
    were noted; a 997 read again notes nothing more."""
    noted = 0
    for tx in rows:
        interchange = session.get(EdiInterchange, tx.interchange_id)
        if tx.direction != "out" or tx.set_id not in ("850", "860") or interchange is None:
            continue
        row = session.scalars(
            select(SupplierPurchaseOrder).where(
                SupplierPurchaseOrder.partner_id == tx.partner_id,
                SupplierPurchaseOrder.cancel_control_number == interchange.control_number,
                SupplierPurchaseOrder.status != CANCEL_REJECTED,
            )
        ).first()
        if row is None:
            continue
        codes = " ".join(code for code in tx.ack_codes or [] if code)
        reason = (
            f"supplier {row.partner_id} rejected the {tx.set_id} cancelling PO {row.po_number} ({codes}): it still"
            " holds the PO; cancel it with the supplier by hand"
        )
        data = {"fulfillment_order": row.fulfillment_order_id, "po_number": row.po_number, "reason": reason}
        record_event(session, row.order_id, CANCEL_REFUSED, source=SOURCE, data=data | {"partner": row.partner_id})
        row.status, row.updated_at = CANCEL_REJECTED, utcnow()
        noted += 1
    return noted


for _handler in (PurchaseOrderSubmit(), PurchaseOrderCancel()):
    register(_handler)
