"""X12 bookkeeping: control-number sequences, receipts of inbound interchanges and documents, and the register
of every interchange and transaction set received or sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, Id, Json, utcnow


class ControlNumber(Base):
    """One outbound sequence per partner and kind (ISA13, GS06, ST02): ``value`` is the last number issued.

    Numbers are drawn with one atomic ``UPDATE ... RETURNING`` (see ``hub.edi.control_numbers``), so the row
    is the whole state: no number is handed out twice, on SQLite or PostgreSQL, by threads or processes.
    """

    __tablename__ = "edi_control_numbers"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)  # 0 until the first number is drawn
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InterchangeReceipt(Base):
    """An inbound interchange the hub has processed, keyed as X12 keys it: sender, receiver and ISA13.

    A second interchange with the same key is a duplicate (TA1 note 025) and is not processed again.
    """

    __tablename__ = "edi_interchange_receipts"
    __table_args__ = (
        UniqueConstraint(
            "sender_qualifier",
            "sender_id",
            "receiver_qualifier",
            "receiver_id",
            "control_number",
            name="uq_edi_interchange_receipts_key",
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    sender_qualifier: Mapped[str] = mapped_column(String(2))  # ISA05
    sender_id: Mapped[str] = mapped_column(String(15))  # ISA06, without its padding
    receiver_qualifier: Mapped[str] = mapped_column(String(2))  # ISA07
    receiver_id: Mapped[str] = mapped_column(String(15))  # ISA08, without its padding
    control_number: Mapped[str] = mapped_column(String(9))  # ISA13, nine digits
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    times_seen: Mapped[int] = mapped_column(default=1)
    first_received_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_received_at: Mapped[datetime] = mapped_column(default=utcnow)


class DocumentReceipt(Base):
    """A business document received from a partner, by its own reference (an 850 by its PO number, BEG03).

    The same reference arriving again is flagged to the caller, which decides; it is never silently doubled.
    """

    __tablename__ = "edi_document_receipts"
    __table_args__ = (UniqueConstraint("partner_id", "set_id", "reference", name="uq_edi_document_receipts_key"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    set_id: Mapped[str] = mapped_column(String(3))  # ST01: 850, 860 ...
    reference: Mapped[str] = mapped_column(String(80))
    # Where it first came from: ISA13 and ST02 of the first copy.
    interchange_control_number: Mapped[str] = mapped_column(String(9))
    transaction_control_number: Mapped[str] = mapped_column(String(9))
    times_seen: Mapped[int] = mapped_column(default=1)
    first_received_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_received_at: Mapped[datetime] = mapped_column(default=utcnow)


class EdiInterchange(Base):
    """One interchange received or sent. Inbound ones point at the inbox message holding their raw bytes;
    outbound ones (acknowledgments and documents) hold their text until the partner's transport took it."""

    __tablename__ = "edi_interchanges"
    __table_args__ = (
        Index("ix_edi_interchanges_partner_id_direction_control_number", "partner_id", "direction", "control_number"),
        Index("ix_edi_interchanges_direction_status", "direction", "status"),
        Index("ix_edi_interchanges_inbox_message_id", "inbox_message_id"),
        Index("ix_edi_interchanges_partner_id_id", "partner_id", "id"),  # a partner's, newest first
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))  # in, out
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    inbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("inbox_messages.id"))
    control_number: Mapped[str] = mapped_column(String(9))  # ISA13
    sender: Mapped[str] = mapped_column(String(20))  # "ZZ:ACME", ISA05:ISA06
    receiver: Mapped[str] = mapped_column(String(20))  # ISA07:ISA08
    usage: Mapped[str] = mapped_column(String(1))  # ISA15: P production, T test
    # in: accepted, rejected, duplicate; out: pending, sent, failed
    status: Mapped[str] = mapped_column(String(16))
    ta1_code: Mapped[str | None] = mapped_column(String(3))  # in: TA105 we answered; out: TA105 we were sent
    kind: Mapped[str] = mapped_column(String(16))  # documents, acknowledgment
    text: Mapped[str | None] = mapped_column(Text)  # outbound X12, as sent
    transport: Mapped[str | None] = mapped_column(String(16))  # http, mailbox, sftp
    filename: Mapped[str | None] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # Inbound: the outbound interchange (TA1/997/999) that answered it, so a replay does not answer twice.
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("edi_interchanges.id"))


class EdiTransaction(Base):
    """One transaction set received or sent, with what became of it.

    Inbound: accepted or rejected by validation, then applied (or flagged, or failed with its error).
    Outbound: ``ack_status`` follows the partner's 997/999 for it (awaiting, accepted, accepted_with_errors,
    rejected), matched by partner, GS06 (AK102) and ST02 (AK202).
    """

    __tablename__ = "edi_transactions"
    __table_args__ = (
        Index(
            "ix_edi_transactions_partner_id_direction_group_control_number",
            "partner_id",
            "direction",
            "group_control_number",
            "control_number",
        ),
        Index("ix_edi_transactions_interchange_id", "interchange_id"),
        Index("ix_edi_transactions_order_id", "order_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    interchange_id: Mapped[int] = mapped_column(ForeignKey("edi_interchanges.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(3))
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    functional_id: Mapped[str] = mapped_column(String(2))  # GS01
    group_control_number: Mapped[str] = mapped_column(String(9))  # GS06
    gs_version: Mapped[str] = mapped_column(String(12))  # GS08
    set_id: Mapped[str] = mapped_column(String(3))  # ST01
    control_number: Mapped[str] = mapped_column(String(9))  # ST02
    reference: Mapped[str | None] = mapped_column(String(80))  # PO number, shipment id, invoice number
    # in: accepted, rejected, applied, flagged, failed; out: pending, sent
    status: Mapped[str] = mapped_column(String(16))
    ack_status: Mapped[str | None] = mapped_column(String(24))
    ack_codes: Mapped[list[str]] = mapped_column(Json, default=list)  # AK501 then AK502..., or IK5
    acknowledged_at: Mapped[datetime | None]
    ack_interchange_id: Mapped[int | None] = mapped_column(ForeignKey("edi_interchanges.id"))
    document: Mapped[dict[str, Any] | None] = mapped_column(Json)  # the canonical document, when there is one
    order_id: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
