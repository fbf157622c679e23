"""The drop-ship supplier's side of the demo: Lumen answers the purchase orders the hub sent it, as X12 files
left in the hub's mailbox, which the hub takes through its own EDI intake (``hub.edi.transports.poll``, then
``hub.channels.chunk`` hands each file to ``hub.edi.inbound``), acknowledging each with a 997 it sends back.

Most POs are accepted with an 855 and shipped with an 856; the first is rejected (the hub routes its order
again); one accepted PO is not shipped yet. One PO went out ``UNANSWERED_FOR`` before the demo was loaded and
Lumen never answered it, so it is overdue at once: its acknowledgment window (``supplier.ack_within`` in the
profile, 4 hours) has passed. The hub queued and sent it then, through the functions its delivery engine and
send task use, given that time (:func:`send_earlier`); the engine later finds it queued and settles its
delivery, as it does for a PO an earlier try queued.

The other POs went out when the demo loaded, and their answers are dated then too, so acknowledgment and ship
times are short.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hub.canonical import FulfillmentRequest
from hub.channels.chunk import process_chunk
from hub.db.models import Delivery, DeliveryStatus, SupplierPurchaseOrder
from hub.db.session import Database
from hub.delivery.outbox import PO_SUBMIT
from hub.edi.partners import get_partner
from hub.edi.supplier_orders import OPEN, queue_purchase_order
from hub.edi.supplier_watch import flag_overdue
from hub.edi.transports.poll import poll_partner
from hub.edi.transports.send import send_interchange

HUB_ID = "ORDERHUBDEMO"  # the hub's ISA id in the supplier's profile (hub.demo.setup)
SETTLED = 120  # seconds: the files are dated this long ago, so the poll takes them at once
UNANSWERED_FOR = timedelta(hours=6)  # how long before loading the PO Lumen never answered went out


@dataclass
class Answered:
    accepted: list[str]
    rejected: list[str]
    shipped: list[str]
    unanswered: list[str]


class SupplierFiles:
    """X12 files from the supplier (ISA sender ``supplier``) into the hub's mailbox inbound ``folder``."""

    def __init__(self, supplier: str, folder: Path, now: datetime) -> None:
        self.supplier, self.folder, self.now = supplier, folder, now
        self._control = count(1)

    def acknowledgment(self, po: SupplierPurchaseOrder, accepted: bool) -> Path:
        """An 855 answering every line: IA (accepted) or IR (rejected), BAK02 AT or RJ."""
        day = f"{self.now:%Y%m%d}"
        body = [f"BAK*00*{'AT' if accepted else 'RJ'}*{po.po_number}*{day}****SO-{po.po_number}*{day}"]
        for line in po.lines:
            body.append(f"PO1*{line['line_id']}*{line['quantity']}*EA*{line.get('unit_price') or ''}**{_ids(line)}")
            body.append(f"ACK*{'IA' if accepted else 'IR'}*{line['quantity']}*EA")
        body.append(f"CTT*{len(po.lines)}")
        return self._drop("PR", "855", body)

    def ship_notice(self, po: SupplierPurchaseOrder, tracking: str) -> Path:
        """An 856 shipping the whole PO in one carton by UPS Ground, today."""
        body = [f"BSN*00*ASN-{po.po_number}*{self.now:%Y%m%d}*{self.now:%H%M%S}", "HL*1**S"]
        body += ["TD5*B*2*UPSN*U*UPS GROUND", "HL*2*1*O", f"PRF*{po.po_number}", "HL*3*2*P", f"MAN*CP*{tracking}"]
        for n, line in enumerate(po.lines, 4):
            body += [f"HL*{n}*3*I", f"LIN*{line['line_id']}*{_ids(line)}", f"SN1**{line['quantity']}*EA"]
        body.append(f"CTT*{len(po.lines) + 3}")
        return self._drop("SH", "856", body)

    def _drop(self, functional_id: str, set_id: str, body: list[str]) -> Path:
        isa13, at = next(self._control), self.now
        segments = [f"ST*{set_id}*0001", *body]
        text = "".join(
            f"{segment}~\n"
            for segment in (
                f"ISA*00*{'':10}*00*{'':10}*ZZ*{self.supplier:<15}*ZZ*{HUB_ID:<15}*{at:%y%m%d}*{at:%H%M}*U*00401"
                f"*{isa13:09d}*0*P*>",
                f"GS*{functional_id}*{self.supplier}*{HUB_ID}*{at:%Y%m%d}*{at:%H%M}*{isa13}*X*004010",
                *segments,
                f"SE*{len(segments) + 1}*0001",
                f"GE*1*{isa13}",
                f"IEA*1*{isa13:09d}",
            )
        )
        path = self.folder / f"{self.supplier.lower()}_{set_id}_{isa13:05d}.x12"
        path.write_text(text, encoding="ascii")
        written = time.time() - SETTLED
        os.utime(path, (written, written))
        return path


def _ids(line: dict[str, Any]) -> str:
    pairs = [("VN", line.get("partner_item")), ("SK", line.get("sku"))]
    return "*".join(f"{qualifier}*{value}" for qualifier, value in pairs if value)


def send_earlier(database: Database, supplier: str, order_id: str, at: datetime) -> str | None:
    """Queue and send the 850 of ``order_id``'s fulfillment order at ``supplier`` as the hub did at ``at``:
    its delivery's request through ``queue_purchase_order`` and ``send_interchange``, given that time. Returns
    the PO number, None when the order has no PO waiting to go to the supplier."""
    with database.session() as session:
        delivery = session.scalars(
            select(Delivery).where(
                Delivery.order_id == order_id,
                Delivery.destination == f"edi:{supplier}",
                Delivery.operation == PO_SUBMIT,
                Delivery.status == DeliveryStatus.PENDING,
            )
        ).first()
        if delivery is None:
            return None
        request = FulfillmentRequest.model_validate(delivery.payload)
        queued = queue_purchase_order(session, get_partner(session, supplier), request, now=at)
        po_number, interchange_id = queued.purchase_order.po_number, queued.interchange_id
    send_interchange(database, interchange_id, now=at)
    return po_number


def answer(database: Database, supplier: str, inbound: Path, now: datetime, unanswered: str | None = None) -> Answered:
    """Answer the supplier's open POs but ``unanswered`` (oldest first), then let the hub take the files in."""
    with database.session() as session:
        pos = list(
            session.scalars(
                select(SupplierPurchaseOrder)
                .where(SupplierPurchaseOrder.partner_id == supplier, SupplierPurchaseOrder.status == OPEN)
                .order_by(SupplierPurchaseOrder.created_at, SupplierPurchaseOrder.po_number)
            )
        )
        session.expunge_all()
    done = Answered([], [], [], [po.po_number for po in pos if po.po_number == unanswered])
    answered = [po for po in pos if po.po_number != unanswered]
    if not answered:
        return done
    files = SupplierFiles(supplier, inbound, now.astimezone(UTC))
    for position, po in enumerate(answered):
        accepted = position > 0 or len(answered) == 1  # the oldest is rejected when there are others
        files.acknowledgment(po, accepted)
        (done.accepted if accepted else done.rejected).append(po.po_number)
    shipping = done.accepted[:-1] if len(done.accepted) > 1 else done.accepted  # the last accepted waits
    for po in answered:
        if po.po_number in shipping:
            files.ship_notice(po, f"1ZLUMEN{len(done.shipped) + 1:010d}")
            done.shipped.append(po.po_number)
    take_in(database, supplier)
    return done


def watch(database: Database) -> list[str]:
    """Note each PO whose acknowledgment is overdue on its order's timeline, as the workers' watch does
    (``hub.deliver.supplier.watch``, every few minutes); returns their numbers."""
    with database.session() as session:
        return flag_overdue(session, datetime.now(UTC))


def take_in(database: Database, supplier: str) -> None:
    """Poll the supplier's mailbox and process what it stored, then send the acknowledgments the hub owes, as
    the workers do (``hub.edi.poll``, ``hub.ingest.parse``, ``hub.edi.send``)."""
    polled = poll_partner(database, supplier)
    polled.raise_failure()
    if not polled.stored:
        return
    result = process_chunk(database, polled.stored)
    for inbox_id in polled.stored:
        outcome = result.outcomes.get(inbox_id)
        for interchange_id in outcome.outbound if outcome else ():
            send_interchange(database, interchange_id)
