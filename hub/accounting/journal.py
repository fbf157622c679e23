"""The journal scan: book every fact the stored documents hold, once, as balanced append-only entries.

A scan recomputes each fact (``hub.accounting.facts``) and compares it, per currency and logical account,
with the sum of the entries already booked for it at this destination. Nothing booked yet: the fact's entry
(``sale:ord_...``), line by line. Booked and equal: nothing. Booked and different (an order edited, a refund
corrected, an order voided after its sale): an adjusting entry with the difference (``sale:ord_...:adj1``),
dated in an open period. Entries are never changed or deleted (the database refuses it), so running a scan
twice, or after a crash, books nothing twice: the key of a fact's next entry is taken from what is there.

A scan reads only the orders touched since the destination's previous one (``hub.accounting.changes``: a
watermark over the orders, their refunds, shipments and supplier invoices, with a grace window for rows
committed late); the first scan, or one after the destination's settings changed, reads every order. Each
table is read in bulk, and the new entries and lines are inserted a thousand at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, insert, select
from sqlalchemy.orm import Session

from hub.accounting.amounts import ZERO, rounded
from hub.accounting.changes import GRACE, advance, chunks, cursor_name, scope
from hub.accounting.facts import Fact, Part, collect
from hub.accounting.periods import closed_periods, open_day
from hub.db.models import JournalEntryRecord, JournalLineRecord
from hub.db.models.base import utcnow
from hub.sdk import EntryKind, LineRole

Booked = dict[tuple[str, str, str], Decimal]  # (currency, account, role) -> signed sum


@dataclass
class BuildReport:
    built: int = 0
    adjusted: int = 0
    unchanged: int = 0
    entry_ids: list[str] = field(default_factory=list)
    full: bool = True  # every order was read (no watermark yet), rather than those changed since the last scan
    scanned: set[str] = field(default_factory=set)  # the orders (or order-less facts) whose facts were computed


@dataclass(frozen=True)
class Booking:
    """What a destination has booked for one fact: the net per account, and how many entries made it."""

    net: Booked
    entries: int
    kind: str
    order_id: str | None = None
    channel: str | None = None


def _booked_query(destination: str, order_ids: list[str] | None) -> tuple[Any, Any]:
    """Net per (fact, currency, account, role), and per fact its entry count, first kind and order."""
    sums = (
        select(
            JournalEntryRecord.fact,
            JournalEntryRecord.currency,
            JournalLineRecord.account,
            JournalLineRecord.role,
            func.sum(JournalLineRecord.debit - JournalLineRecord.credit),
        )
        .join(JournalLineRecord, JournalLineRecord.entry_pk == JournalEntryRecord.id)
        .where(JournalEntryRecord.destination == destination)
        .group_by(
            JournalEntryRecord.fact, JournalEntryRecord.currency, JournalLineRecord.account, JournalLineRecord.role
        )
    )
    first_kind = func.min(case((JournalEntryRecord.sequence == 0, JournalEntryRecord.kind)))
    facts = (
        select(
            JournalEntryRecord.fact,
            func.count(),
            first_kind,
            func.min(JournalEntryRecord.order_id),
            func.min(JournalEntryRecord.channel),
        )
        .where(JournalEntryRecord.destination == destination)
        .group_by(JournalEntryRecord.fact)
    )
    if order_ids is not None:  # every entry of the facts booked for these orders (by fact: see ``build``)
        theirs = select(JournalEntryRecord.fact).where(
            JournalEntryRecord.destination == destination, JournalEntryRecord.order_id.in_(order_ids)
        )
        sums = sums.where(JournalEntryRecord.fact.in_(theirs))
        facts = facts.where(JournalEntryRecord.fact.in_(theirs))
    return sums, facts


def booked(session: Session, destination: str, order_ids: Collection[str] | None = None) -> dict[str, Booking]:
    """Net booked per fact at ``destination`` (only the facts of ``order_ids`` when given): sums per account,
    entry counts, and the kind of its first entry."""
    net: dict[str, Booked] = defaultdict(dict)
    found: dict[str, Booking] = {}
    for part in [None] if order_ids is None else chunks(order_ids):
        sums, facts = _booked_query(destination, part)
        for fact, currency, account, role, amount in session.execute(sums):
            net[fact][(currency, account, role)] = Decimal(amount or 0)
        for fact, count, kind, order_id, channel in session.execute(facts):
            if kind is not None:
                found[fact] = Booking(net[fact], int(count), kind, order_id, channel)
    return found


def build(
    session: Session,
    destination: str,
    *,
    recognise_on: str,
    books_from: date | None = None,
    full: bool = False,
    grace: timedelta = GRACE,
) -> BuildReport:
    """Book what is new or changed for ``destination`` (see the module docstring), in the caller's transaction:
    the orders touched since its last scan (``hub.accounting.changes``), or every order when ``full``."""
    started = utcnow()
    cursor, found = scope(session, cursor_name(destination, recognise_on, books_from), full=full, grace=grace)
    report = BuildReport(full=found.full)
    closed = closed_periods(session, destination)
    existing = booked(session, destination, found.order_ids)
    writer = Writer(session, destination)
    wanted: set[str] = set()
    for fact in collect(session, recognise_on, found.order_ids):
        report.scanned.add(fact.order_id or fact.key)
        if books_from is not None and fact.day < books_from:
            continue
        wanted.add(fact.key)
        booking = existing.get(fact.key)
        if booking is None:
            report.entry_ids.append(writer.add(fact, fact.parts, 0, open_day(fact.day, closed)))
            report.built += 1
            continue
        made = _adjust(writer, fact, booking, closed)
        report.adjusted += len(made)
        report.unchanged += not made
        report.entry_ids.extend(made)
    _reverse_gone(writer, {key: b for key, b in existing.items() if key not in wanted}, closed, report)
    writer.flush()
    advance(cursor, found, started)
    session.flush()
    return report


def _reverse_gone(writer: Writer, gone: dict[str, Booking], closed: set[str], report: BuildReport) -> None:
    """Facts booked once that no longer stand (an order voided, made a test): reversed in an open period."""
    for key, booking in gone.items():
        if not any(booking.net.values()):
            continue
        fact = Fact(
            key,
            EntryKind(booking.kind),
            utcnow().date(),
            "",
            (),
            order_id=booking.order_id,  # so a later scan of the order finds its reversal too
            channel=booking.channel,
            memo=f"{key} no longer stands",
        )
        made = _adjust(writer, fact, booking, closed)
        report.adjusted += len(made)
        report.entry_ids.extend(made)


def _net(parts: Iterable[Part], currency: str) -> Booked:
    net: Booked = defaultdict(lambda: ZERO)
    for part in parts:
        net[(currency, part.account, part.role.value)] += part.amount
    return net


def _adjust(writer: Writer, fact: Fact, booking: Booking, closed: set[str]) -> list[str]:
    """Adjusting entries (one per currency) that bring what is booked to what the fact says now."""
    wanted = _net(fact.parts, fact.currency) if fact.parts else {}
    keys = set(wanted) | set(booking.net)
    by_currency: dict[str, list[Part]] = defaultdict(list)
    for currency, account, role in sorted(keys):
        difference = wanted.get((currency, account, role), ZERO) - booking.net.get((currency, account, role), ZERO)
        if rounded(difference, currency):
            part = Part(account, LineRole(role), rounded(difference, currency), f"adjustment: {account}")
            by_currency[currency].append(part)
    made = []
    sequence = booking.entries
    for currency, parts in sorted(by_currency.items()):
        adjusted = Fact(
            fact.key,
            EntryKind.ADJUSTMENT,
            fact.day,
            currency,
            tuple(parts),
            fact.order_id,
            fact.channel,
            f"adjustment of {fact.key}: {fact.memo}",
            fact.context,
        )
        made.append(writer.add(adjusted, adjusted.parts, sequence, open_day(fact.day, closed)))
        sequence += 1
    return made


class Writer:
    """Entries to book, inserted in bulk (two statements per thousand entries, ids returned by the insert)
    rather than as ORM objects flushed one by one: a first scan of a busy month writes tens of thousands."""

    BATCH = 1000

    def __init__(self, session: Session, destination: str) -> None:
        self.session, self.destination = session, destination
        self.entries: list[dict[str, Any]] = []
        self.lines: list[list[dict[str, Any]]] = []

    def add(self, fact: Fact, parts: Iterable[Part], sequence: int, day: date) -> str:
        lines = [part for part in parts if part.amount]
        entry_id = fact.key if sequence == 0 else f"{fact.key}:adj{sequence}"
        if sum((part.amount for part in lines), ZERO) != 0:  # facts balance by construction: a bug, never booked
            raise ValueError(f"journal entry {entry_id} does not balance; it was not booked")
        self.entries.append(
            {
                "destination": self.destination,
                "entry_id": entry_id,
                "fact": fact.key,
                "sequence": sequence,
                "kind": fact.kind.value,
                "entry_date": day,
                "currency": fact.currency,
                "order_id": fact.order_id,
                "channel": fact.channel,
                "total": sum((part.amount for part in lines if part.amount > 0), ZERO),
                "reverses": fact.key if sequence else None,
                "memo": fact.memo,
                "context": fact.context,
                "created_at": utcnow(),
            }
        )
        self.lines.append([_line(position, part) for position, part in enumerate(lines)])
        if len(self.entries) >= self.BATCH:
            self.flush()
        return entry_id

    def flush(self) -> None:
        if not self.entries:
            return
        # One executemany, then the new ids read back by entry id: an INSERT .. RETURNING that must keep the
        # rows' order runs one statement per row on SQLite.
        self.session.connection().execute(insert(JournalEntryRecord), self.entries)  # Core: no ORM per row
        ids: dict[str, int] = {}
        for part in chunks([entry["entry_id"] for entry in self.entries]):
            query = select(JournalEntryRecord.entry_id, JournalEntryRecord.id).where(
                JournalEntryRecord.destination == self.destination, JournalEntryRecord.entry_id.in_(part)
            )
            ids.update((entry_id, pk) for entry_id, pk in self.session.execute(query))
        rows = [
            line | {"entry_pk": ids[entry["entry_id"]]}
            for entry, lines in zip(self.entries, self.lines, strict=True)
            for line in lines
        ]
        if rows:
            self.session.connection().execute(insert(JournalLineRecord), rows)
        self.entries, self.lines = [], []


def _line(position: int, part: Part) -> dict[str, Any]:
    return {
        "position": position,
        "account": part.account,
        "role": part.role.value,
        "debit": part.amount if part.amount > 0 else ZERO,
        "credit": -part.amount if part.amount < 0 else ZERO,
        "description": part.description[:2000],
        "sku": part.sku,
        "quantity": part.quantity,
        "unit_price": part.unit_price,
        "tax_name": part.tax_name,
        "tax_rate": part.tax_rate,
    }
