"""The EDI register: a row for every interchange and transaction set received or sent (``edi_interchanges``,
``edi_transactions``), which is what operators search, what partners' 997s update, and what replays consult.

Outbound interchanges are queued here with status ``pending`` in the caller's transaction; the ``hub.edi.send``
task delivers them over the partner's transport once that transaction has committed (the ids come back so
the caller can publish them), and the ``hub.edi.send_pending`` sweep catches any that were not published.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db.models import EdiInterchange, EdiTransaction
from hub.db.models.base import utcnow
from hub.edi.acks import ta1_status
from hub.edi.functional_acks import group_number, interchange_number
from hub.edi.model import Group, Interchange, Transaction
from hub.edi.validate import unlisted_codes_note


@dataclass(frozen=True)
class QueuedSet:
    set_id: str
    functional_id: str
    group_control_number: str
    gs_version: str
    control_number: str
    reference: str | None = None
    document: dict[str, Any] | None = None
    order_id: str | None = None


def inbound_status(interchange: Interchange, duplicate: bool) -> str:
    if not interchange.accepted:
        return "rejected"
    return "duplicate" if duplicate else "accepted"


def previous_inbound(session: Session, inbox_id: int, interchange: Interchange) -> EdiInterchange | None:
    """This inbox message's earlier record of the same interchange, when the message is being replayed."""
    return session.scalars(
        select(EdiInterchange).where(
            EdiInterchange.inbox_message_id == inbox_id,
            EdiInterchange.direction == "in",
            EdiInterchange.control_number == interchange_number(interchange.control_number),
        )
    ).first()


def record_inbound(
    session: Session, interchange: Interchange, *, partner_id: str | None, inbox_id: int, status: str
) -> EdiInterchange:
    row = EdiInterchange(
        direction="in",
        partner_id=partner_id,
        inbox_message_id=inbox_id,
        control_number=interchange_number(interchange.control_number),
        sender=f"{interchange.sender_qualifier}:{interchange.sender_id}"[:20],
        receiver=f"{interchange.receiver_qualifier}:{interchange.receiver_id}"[:20],
        usage=interchange.usage[:1] or "P",
        status=status,
        ta1_code=ta1_status(interchange)[1],
        kind="documents",
        attempts=0,
    )
    session.add(row)
    session.flush()
    return row


def record_inbound_set(
    session: Session,
    row: EdiInterchange,
    group: Group,
    transaction: Transaction,
    *,
    status: str,
    reference: str | None = None,
    document: dict[str, Any] | None = None,
    order_id: str | None = None,
    error: str | None = None,
) -> EdiTransaction:
    error = "; ".join(note for note in (error, unlisted_codes_note(transaction.findings)) if note) or None
    entry = EdiTransaction(
        interchange_id=row.id,
        direction="in",
        partner_id=row.partner_id,
        functional_id=group.functional_id[:2],
        group_control_number=group_number(group.control_number)[:9],
        gs_version=group.version[:12],
        set_id=transaction.set_id[:3],
        control_number=transaction.control_number[:9],
        reference=reference[:80] if reference else None,
        status=status,
        ack_codes=[],
        document=document,
        order_id=order_id,
        error=error[:4000] if error else None,
    )
    session.add(entry)
    return entry


def queue_outbound(
    session: Session,
    *,
    partner_id: str,
    text: str,
    control_number: str,
    sender: str,
    receiver: str,
    usage: str,
    kind: str,
    sets: Sequence[QueuedSet] = (),
    created_at: datetime | None = None,
) -> EdiInterchange:
    """Register an interchange to send; its sets (documents, not acknowledgments) await the partner's 997.
    ``created_at`` is when it was written (the ISA date), the clock's now unless given."""
    row = EdiInterchange(
        created_at=created_at or utcnow(),
        direction="out",
        partner_id=partner_id,
        control_number=interchange_number(control_number),
        sender=sender[:20],
        receiver=receiver[:20],
        usage=usage,
        status="pending",
        kind=kind,
        text=text,
        attempts=0,
    )
    session.add(row)
    session.flush()
    for item in sets:
        session.add(
            EdiTransaction(
                interchange_id=row.id,
                direction="out",
                partner_id=partner_id,
                functional_id=item.functional_id,
                group_control_number=group_number(item.group_control_number),
                gs_version=item.gs_version,
                set_id=item.set_id,
                control_number=item.control_number,
                reference=item.reference,
                status="pending",
                ack_status="awaiting",
                ack_codes=[],
                document=item.document,
                order_id=item.order_id,
            )
        )
    return row
