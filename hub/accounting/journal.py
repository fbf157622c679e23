"""The journal scan: book every fact the stored documents hold, once, as balanced append-only entries.

A scan recomputes each fact (``hub.accounting.facts``) and compares it, per currency and logical account,
with the sum of the entries already booked for it at this destination. Nothing booked yet: the fact's entry
(``sale:ord_...``), line by line. Booked and equal: nothing. Booked and different (an order edited, a refund
corrected, an order voided after its sale): an adjusting entry with the difference (``sale:ord_...:adj1``),
dated in an open period. Entries are never changed or deleted (the database refuses it), so running a scan
twice, or after a crash, books nothing twice: the key of a fact's next entry is taken from what is there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.accounting.amounts import ZERO, rounded
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


@dataclass(frozen=True)
class Booking:
    """What a destination has booked for one fact: the net per account, and how many entries made it."""

    net: Booked
    entries: int
    kind: str


def booked(session: Session, destination: str) -> dict[str, Booking]:
    """Net booked per fact at ``destination``: sums per account, entry counts, and the kind of its first entry."""
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
    net: dict[str, Booked] = defaultdict(dict)
    for fact, currency, account, role, amount in session.execute(sums):
        net[fact][(currency, account, role)] = Decimal(amount or 0)
    originals = select(JournalEntryRecord.fact, JournalEntryRecord.kind).where(
        JournalEntryRecord.destination == destination, JournalEntryRecord.sequence == 0
    )
    entries = {
        fact: int(count)
        for fact, count in session.execute(
            select(JournalEntryRecord.fact, func.count())
            .where(JournalEntryRecord.destination == destination)
            .group_by(JournalEntryRecord.fact)
        )
    }
    return {fact: Booking(net.get(fact, {}), entries.get(fact, 0), kind) for fact, kind in session.execute(originals)}


def build(session: Session, destination: str, *, recognise_on: str, books_from: date | None = None) -> BuildReport:
    """Book what is new or changed for ``destination`` (see the module docstring), in the caller's transaction."""
    report = BuildReport()
    closed = closed_periods(session, destination)
    existing = booked(session, destination)
    wanted: set[str] = set()
    for fact in collect(session, recognise_on):
        if books_from is not None and fact.day < books_from:
            continue
        wanted.add(fact.key)
        booking = existing.get(fact.key)
        if booking is None:
            report.entry_ids.append(_write(session, destination, fact, fact.parts, 0, open_day(fact.day, closed)))
            report.built += 1
            continue
        made = _adjust(session, destination, fact, booking, closed)
        report.adjusted += len(made)
        report.unchanged += not made
        report.entry_ids.extend(made)
    for key, booking in existing.items():  # booked once, no longer a fact (an order voided, made a test)
        if key not in wanted and any(booking.net.values()):
            gone = Fact(key, EntryKind(booking.kind), utcnow().date(), "", (), memo=f"{key} no longer stands")
            made = _adjust(session, destination, gone, booking, closed)
            report.adjusted += len(made)
            report.entry_ids.extend(made)
    session.flush()
    return report


def _net(parts: Iterable[Part], currency: str) -> Booked:
    net: Booked = defaultdict(lambda: ZERO)
    for part in parts:
        net[(currency, part.account, part.role.value)] += part.amount
    return net


def _adjust(session: Session, destination: str, fact: Fact, booking: Booking, closed: set[str]) -> list[str]:
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
        made.append(_write(session, destination, adjusted, adjusted.parts, sequence, open_day(fact.day, closed)))
        sequence += 1
    return made


def _write(session: Session, destination: str, fact: Fact, parts: Iterable[Part], sequence: int, day: date) -> str:
    lines = [part for part in parts if part.amount]
    entry_id = fact.key if sequence == 0 else f"{fact.key}:adj{sequence}"
    record = JournalEntryRecord(
        destination=destination,
        entry_id=entry_id,
        fact=fact.key,
        sequence=sequence,
        kind=fact.kind.value,
        entry_date=day,
        currency=fact.currency,
        order_id=fact.order_id,
        channel=fact.channel,
        total=sum((part.amount for part in lines if part.amount > 0), ZERO),
        reverses=fact.key if sequence else None,
        memo=fact.memo,
        context=fact.context,
        lines=[_line(position, part) for position, part in enumerate(lines)],
    )
    if sum((part.amount for part in lines), ZERO) != 0:  # facts balance by construction: a bug, never booked
        raise ValueError(f"journal entry {entry_id} does not balance; it was not booked")
    session.add(record)
    return entry_id


def _line(position: int, part: Part) -> JournalLineRecord:
    return JournalLineRecord(
        position=position,
        account=part.account,
        role=part.role.value,
        debit=part.amount if part.amount > 0 else ZERO,
        credit=-part.amount if part.amount < 0 else ZERO,
        description=part.description[:2000],
        sku=part.sku,
        quantity=part.quantity,
        unit_price=part.unit_price,
        tax_name=part.tax_name,
        tax_rate=part.tax_rate,
    )
