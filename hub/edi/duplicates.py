"""Duplicate inbound EDI: interchanges received twice, and purchase orders whose number was already seen.

An interchange is identified as X12 identifies it: sender (ISA05/ISA06), receiver (ISA07/ISA08) and ISA13.
:func:`record_interchange` remembers it and, for a second copy, returns a TA1 note 025 finding. The finding
is not fatal: the envelope is sound, so the copy is still acknowledged per the partner's policy (TA1 E 025
tells the sender we have it and it must not resend), but the caller does not process it again.

ISA13 is numeric (N0, nine digits), so it is compared as a number: "000000123" and "123" are the same
interchange. Ids are compared without their ISA padding and otherwise exactly (X12 ids are case-sensitive).

A business document repeated in a *new* interchange is a different matter: the envelope is new, the content
may be a legitimate resend or a mistake. :func:`record_purchase_order` flags a PO number already received
from the same partner and says when and where it first came; the caller decides what to do, nothing is
silently doubled or silently dropped.

Record receipts in the same transaction as the work they guard: if processing fails and rolls back, the
receipt goes with it and the partner's resend is processed. Both records are single upserts
(``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``), so two workers handed the same interchange at once
cannot both see it as new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub.db.models import DocumentReceipt, InterchangeReceipt
from hub.db.models.base import as_utc
from hub.edi.model import Finding, Interchange, Level

DUPLICATE_INTERCHANGE = "025"


@dataclass(frozen=True)
class InterchangeKey:
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    control_number: str

    def __str__(self) -> str:
        return (
            f"interchange {self.control_number} from {self.sender_qualifier}:{self.sender_id}"
            f" to {self.receiver_qualifier}:{self.receiver_id}"
        )


def interchange_key(interchange: Interchange) -> InterchangeKey:
    number = interchange.control_number.strip()
    return InterchangeKey(
        interchange.sender_qualifier.strip(),
        interchange.sender_id.strip(),
        interchange.receiver_qualifier.strip(),
        interchange.receiver_id.strip(),
        number.zfill(9) if number.isascii() and number.isdigit() else number,
    )


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def record_interchange(
    session: Session, interchange: Interchange, partner_id: str | None = None, *, now: datetime | None = None
) -> Finding | None:
    """Remember the interchange; return a TA1 025 finding if it was received before, None the first time."""
    key = interchange_key(interchange)
    now = now or datetime.now(UTC)
    table = InterchangeReceipt
    statement = (
        _insert(session)(table)
        .values(
            sender_qualifier=key.sender_qualifier,
            sender_id=key.sender_id,
            receiver_qualifier=key.receiver_qualifier,
            receiver_id=key.receiver_id,
            control_number=key.control_number,
            partner_id=partner_id,
            times_seen=1,
            first_received_at=now,
            last_received_at=now,
        )
        .on_conflict_do_update(
            index_elements=["sender_qualifier", "sender_id", "receiver_qualifier", "receiver_id", "control_number"],
            set_={"times_seen": table.times_seen + 1, "last_received_at": now},
        )
        .returning(table.times_seen, table.first_received_at)
    )
    times_seen, first = session.execute(statement).one()
    if times_seen == 1:
        return None
    return Finding(
        Level.INTERCHANGE,
        DUPLICATE_INTERCHANGE,
        f"{key} was already received on {_when(first)} (this is copy {times_seen}); it is not processed again",
        segment_id="ISA",
        element="13",
        value=interchange.control_number,
        fatal=False,
    )


@dataclass(frozen=True)
class RepeatedDocument:
    """A document whose reference was already received from the same partner: where the first copy came from."""

    partner_id: str
    set_id: str
    reference: str
    times_seen: int
    first_received_at: datetime
    first_interchange: str  # ISA13 of the first copy
    first_transaction: str  # ST02 of the first copy

    def __str__(self) -> str:
        return (
            f"{self.set_id} {self.reference!r} from partner {self.partner_id} was already received on"
            f" {_when(self.first_received_at)} (interchange {self.first_interchange}, set {self.first_transaction});"
            f" this is copy {self.times_seen}"
        )


def record_document(
    session: Session,
    partner_id: str,
    set_id: str,
    reference: str,
    *,
    interchange_control_number: str,
    transaction_control_number: str,
    now: datetime | None = None,
) -> RepeatedDocument | None:
    """Remember a document by (partner, set, reference); a repeat returns what is known of the first copy."""
    reference = reference.strip()
    if not reference:
        raise ValueError(f"a {set_id} needs its reference (e.g. the PO number) to be checked for duplicates")
    now = now or datetime.now(UTC)
    table = DocumentReceipt
    statement = (
        _insert(session)(table)
        .values(
            partner_id=partner_id,
            set_id=set_id,
            reference=reference,
            interchange_control_number=interchange_control_number.strip(),
            transaction_control_number=transaction_control_number.strip(),
            times_seen=1,
            first_received_at=now,
            last_received_at=now,
        )
        .on_conflict_do_update(
            index_elements=["partner_id", "set_id", "reference"],
            set_={"times_seen": table.times_seen + 1, "last_received_at": now},
        )
        .returning(
            table.times_seen,
            table.first_received_at,
            table.interchange_control_number,
            table.transaction_control_number,
        )
    )
    times_seen, first, interchange, transaction = session.execute(statement).one()
    if times_seen == 1:
        return None
    return RepeatedDocument(partner_id, set_id, reference, times_seen, as_utc(first), interchange, transaction)


def record_purchase_order(
    session: Session,
    partner_id: str,
    po_number: str,
    *,
    interchange_control_number: str,
    transaction_control_number: str,
    now: datetime | None = None,
) -> RepeatedDocument | None:
    """An 850 by its PO number (BEG03): None the first time, the earlier receipt when it is a repeat."""
    return record_document(
        session,
        partner_id,
        "850",
        po_number,
        interchange_control_number=interchange_control_number,
        transaction_control_number=transaction_control_number,
        now=now,
    )


def _when(instant: datetime) -> str:
    return as_utc(instant).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
