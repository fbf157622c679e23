"""The accounting journal as stored: balanced entries per accounting destination, their lines, what was
exported where, and the periods a destination has closed.

Entries and their lines are append-only (database triggers refuse UPDATE and DELETE): a fact that changes
later gets an adjusting entry, never an edit. Lines name *logical* accounts (``revenue``,
``tax:CA State Tax``, ``clearing:shopify``); the destination's mapping file turns them into its account codes
when an entry is exported, so a corrected mapping applies to what has not gone out yet.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db.models.base import Base, Id, Json, utcnow

Amount = Numeric(18, 4)


class JournalEntryRecord(Base):
    """One balanced entry in one currency, booked for one destination."""

    __tablename__ = "journal_entries"
    __table_args__ = (
        UniqueConstraint("destination", "entry_id"),
        Index("ix_journal_entries_destination_fact", "destination", "fact"),
        Index("ix_journal_entries_destination_entry_date", "destination", "entry_date"),
        Index("ix_journal_entries_order_id", "order_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    destination: Mapped[str] = mapped_column(String(200))  # quickbooks:main, csv-journal:books
    entry_id: Mapped[str] = mapped_column(String(200))  # sale:ord_..., or <fact>:adj<n> for an adjustment
    fact: Mapped[str] = mapped_column(String(200))  # the fact it books (sale:ord_..., refund:ord_...:...)
    sequence: Mapped[int]  # 0 for the fact's first entry, 1.. for its adjustments
    kind: Mapped[str] = mapped_column(String(32))
    entry_date: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3))
    order_id: Mapped[str | None] = mapped_column(String(40))
    channel: Mapped[str | None] = mapped_column(String(200))  # the order's channel and account: shopify:main
    total: Mapped[Decimal] = mapped_column(Amount)  # total debit
    reverses: Mapped[str | None] = mapped_column(String(200))
    memo: Mapped[str] = mapped_column(Text, default="")
    context: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)  # order reference, customer, source id
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[JournalLineRecord]] = relationship(
        order_by="JournalLineRecord.position", cascade="save-update, merge"
    )


class JournalLineRecord(Base):
    __tablename__ = "journal_lines"
    __table_args__ = (UniqueConstraint("entry_pk", "position"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    entry_pk: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    position: Mapped[int]
    account: Mapped[str] = mapped_column(String(200))  # logical account: revenue, tax:<name>, clearing:<channel>
    role: Mapped[str] = mapped_column(String(16))
    debit: Mapped[Decimal] = mapped_column(Amount)
    credit: Mapped[Decimal] = mapped_column(Amount)
    description: Mapped[str] = mapped_column(Text, default="")
    sku: Mapped[str | None] = mapped_column(String(128))
    quantity: Mapped[int | None]
    unit_price: Mapped[Decimal | None] = mapped_column(Amount)
    tax_name: Mapped[str | None] = mapped_column(String(128))
    tax_rate: Mapped[str | None] = mapped_column(String(16))


class AccountingExport(Base):
    """The export ledger: one row per (destination, entry) ever planned, so no entry is posted twice."""

    __tablename__ = "accounting_exports"
    __table_args__ = (
        UniqueConstraint("destination", "entry_pk"),
        Index("ix_accounting_exports_status", "status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    destination: Mapped[str] = mapped_column(String(200))
    entry_pk: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    run_id: Mapped[int | None] = mapped_column(BigInteger)
    delivery_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))  # pending, posted, dead
    external_id: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
    planned_at: Mapped[datetime] = mapped_column(default=utcnow)
    posted_at: Mapped[datetime | None]


class AccountingPeriod(Base):
    """A month a destination has closed: no entry dated in it is written any more."""

    __tablename__ = "accounting_periods"

    destination: Mapped[str] = mapped_column(String(200), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)  # 2026-11
    closed_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_by: Mapped[str] = mapped_column(String(128), default="cli")


class AccountingRun(Base):
    """One export run of a destination (by hand or on its schedule)."""

    __tablename__ = "accounting_runs"
    __table_args__ = (Index("ix_accounting_runs_destination_started_at", "destination", "started_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    destination: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    since: Mapped[date | None]
    until: Mapped[date | None]
    built: Mapped[int] = mapped_column(default=0)
    planned: Mapped[int] = mapped_column(default=0)
    posted: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(String(32), default="cli")  # cli, schedule
