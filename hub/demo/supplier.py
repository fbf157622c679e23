"""The drop-ship supplier's side of the demo: Lumen answers the purchase orders the hub sent it, as X12 files
left in the hub's mailbox, which the hub takes through its own EDI intake (``hub.edi.transports.poll``, then
``hub.channels.chunk`` hands each file to ``hub.edi.inbound``), acknowledging each with a 997 it sends back.

Most POs are accepted with an 855 and shipped with an 856; the first is rejected (the hub routes its order
again); one accepted PO is not shipped yet; the newest is left unanswered, so it turns overdue once the
supplier's acknowledgment window (``supplier.ack_within`` in its profile) has passed since it was sent.

The answers are dated when the demo loads: the POs went out then too (the hub stamps them with its own clock),
so acknowledgment and ship times are short.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hub.channels.chunk import process_chunk
from hub.db.models import SupplierPurchaseOrder
from hub.db.session import Database
from hub.edi.supplier_orders import OPEN
from hub.edi.transports.poll import poll_partner
from hub.edi.transports.send import send_interchange

HUB_ID = "ORDERHUBDEMO"  # the hub's ISA id in the supplier's profile (hub.demo.setup)
SETTLED = 120  # seconds: the files are dated this long ago, so the poll takes them at once


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


def answer(database: Database, supplier: str, inbound: Path, now: datetime) -> Answered:
    """Answer the supplier's open POs (oldest first), then let the hub take the files in."""
    with database.session() as session:
        pos = list(
            session.scalars(
                select(SupplierPurchaseOrder)
                .where(SupplierPurchaseOrder.partner_id == supplier, SupplierPurchaseOrder.status == OPEN)
                .order_by(SupplierPurchaseOrder.created_at, SupplierPurchaseOrder.po_number)
            )
        )
        session.expunge_all()
    done = Answered([], [], [], [])
    if not pos:
        return done
    files = SupplierFiles(supplier, inbound, now.astimezone(UTC))
    *answered, newest = pos
    done.unanswered.append(newest.po_number)
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
