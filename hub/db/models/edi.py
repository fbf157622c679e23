"""X12 bookkeeping: outbound control-number sequences and receipts of inbound interchanges and documents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, Id, utcnow


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
