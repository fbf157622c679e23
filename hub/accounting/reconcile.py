"""Reconciliation: what the hub's orders and refunds say for a month, against what was exported for it (and
against what the destination's ledger reads back, where its connector can read it).

Per channel and currency: orders with a sale, and their sales total; refunds, and their total. The hub's
side is recomputed from the documents as they are now (a hand-edited order counts as edited); the exported
side is the clearing amounts of the entries the export ledger shows as posted and dated in the month
(sales are what the channel owes, refunds what it paid back). Every order whose two sides differ is listed,
with both amounts, so the books tie back to the orders to the cent.

The read-back compares each posted entry with the destination's record of it (by entry id): missing there,
a different total, or there but never posted by the hub.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hub.accounting.amounts import ZERO, parse_period
from hub.accounting.export import Destination, destination
from hub.accounting.facts import Fact, collect
from hub.accounting.handler import POSTED
from hub.db.models import AccountingExport, JournalEntryRecord, JournalLineRecord
from hub.db.session import Database
from hub.delivery.accounts import account_spec, build_connector
from hub.sdk import LedgerRecord, LineRole, Period, ReadsLedger

SIDES = ("sale", "refund")
Key = tuple[str, str]  # (channel, currency)


@dataclass
class Figures:
    """Counts and sums for one channel and currency; refunds are positive amounts paid back."""

    orders: int = 0
    sales: Decimal = ZERO
    refunds: int = 0
    refunded: Decimal = ZERO


@dataclass(frozen=True)
class Difference:
    order_id: str
    number: str | None
    channel: str
    currency: str
    what: str  # sale or refund
    hub: Decimal
    exported: Decimal


@dataclass(frozen=True)
class ReadBackDifference:
    entry_id: str
    order_number: str | None
    problem: str


@dataclass
class Reconciliation:
    start: date
    end: date
    hub: dict[Key, Figures] = field(default_factory=dict)
    exported: dict[Key, Figures] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)
    read_back: list[ReadBackDifference] | None = None  # None: the connector cannot read its ledger back

    @property
    def agrees(self) -> bool:
        return not self.differences and not self.read_back


def _side(fact_key: str) -> str | None:
    kind = fact_key.partition(":")[0]
    return kind if kind in SIDES else None


def _hub_amounts(facts: Iterable[Fact], start: date, end: date) -> dict[tuple[str, str, str, str], Decimal]:
    """(order, side, channel, currency) -> amount, for facts dated in the period."""
    amounts: dict[tuple[str, str, str, str], Decimal] = defaultdict(lambda: ZERO)
    for fact in facts:
        side = _side(fact.key)
        if side is None or fact.order_id is None or not start <= fact.day <= end:
            continue
        clearing = sum((part.amount for part in fact.parts if part.role is LineRole.CLEARING), ZERO)
        amounts[(fact.order_id, side, fact.channel or "", fact.currency)] += abs(clearing)
    return amounts


def _exported_amounts(session: Session, name: str, start: date, end: date) -> dict[tuple[str, str, str, str], Decimal]:
    query = (
        select(
            JournalEntryRecord.order_id,
            JournalEntryRecord.fact,
            JournalEntryRecord.channel,
            JournalEntryRecord.currency,
            JournalLineRecord.debit,
            JournalLineRecord.credit,
        )
        .join(JournalLineRecord, JournalLineRecord.entry_pk == JournalEntryRecord.id)
        .join(AccountingExport, AccountingExport.entry_pk == JournalEntryRecord.id)
        .where(
            JournalEntryRecord.destination == name,
            AccountingExport.destination == name,
            AccountingExport.status == POSTED,
            JournalEntryRecord.entry_date >= start,
            JournalEntryRecord.entry_date <= end,
            JournalLineRecord.role == LineRole.CLEARING.value,
        )
    )
    amounts: dict[tuple[str, str, str, str], Decimal] = defaultdict(lambda: ZERO)
    for order_id, fact, channel, currency, debit, credit in session.execute(query):
        side = _side(fact)
        if side is None or order_id is None:
            continue
        signed = Decimal(debit) - Decimal(credit)
        amounts[(order_id, side, channel or "", currency)] += signed if side == "sale" else -signed
    return amounts


def _figures(amounts: dict[tuple[str, str, str, str], Decimal]) -> dict[Key, Figures]:
    figures: dict[Key, Figures] = defaultdict(Figures)
    for (_order, side, channel, currency), amount in amounts.items():
        if not amount:
            continue
        row = figures[(channel, currency)]
        if side == "sale":
            row.orders, row.sales = row.orders + 1, row.sales + amount
        else:
            row.refunds, row.refunded = row.refunds + 1, row.refunded + amount
    return dict(figures)


def reconcile(session: Session, target: Destination, start: date, end: date) -> Reconciliation:
    """Hub against exported for the period (the read-back is added by ``compare_read_back``)."""
    facts = list(collect(session, target.config.recognise_on))
    if target.config.books_from is not None:
        facts = [fact for fact in facts if fact.day >= target.config.books_from]
    numbers = {fact.order_id: (fact.context.get("order") or {}).get("number") for fact in facts if fact.order_id}
    hub = _hub_amounts(facts, start, end)
    exported = _exported_amounts(session, target.name, start, end)
    result = Reconciliation(start, end, _figures(hub), _figures(exported))
    for key in sorted(set(hub) | set(exported)):
        order_id, side, channel, currency = key
        if hub.get(key, ZERO) != exported.get(key, ZERO):
            result.differences.append(
                Difference(
                    order_id,
                    numbers.get(order_id),
                    channel,
                    currency,
                    side,
                    hub.get(key, ZERO),
                    exported.get(key, ZERO),
                )
            )
    return result


def _posted_totals(
    session: Session, name: str, start: date, end: date
) -> dict[str, tuple[Decimal, Decimal, dict[str, Any]]]:
    """Posted entries dated in the period: entry id -> (total debit, amount on the clearing side, order)."""
    clearing = func.sum(
        case(
            (JournalLineRecord.role == LineRole.CLEARING.value, JournalLineRecord.debit + JournalLineRecord.credit),
            else_=0,
        )
    )
    query = (
        select(JournalEntryRecord.entry_id, JournalEntryRecord.total, clearing, JournalEntryRecord.context)
        .join(JournalLineRecord, JournalLineRecord.entry_pk == JournalEntryRecord.id)
        .join(AccountingExport, AccountingExport.entry_pk == JournalEntryRecord.id)
        .where(
            JournalEntryRecord.destination == name,
            AccountingExport.destination == name,
            AccountingExport.status == POSTED,
            JournalEntryRecord.entry_date >= start,
            JournalEntryRecord.entry_date <= end,
        )
        .group_by(JournalEntryRecord.id)  # the other columns depend on it
    )
    return {
        entry_id: (Decimal(total), Decimal(cleared or 0), (context or {}).get("order") or {})
        for entry_id, total, cleared, context in session.execute(query)
    }


def compare_read_back(
    session: Session, target: Destination, result: Reconciliation, records: Sequence[LedgerRecord]
) -> None:
    """Posted entries dated in the period against the destination's own records of them."""
    posted = _posted_totals(session, target.name, result.start, result.end)
    theirs = {record.entry_id: record for record in records if record.entry_id}
    problems = []
    for entry_id, (total, clearing, order) in sorted(posted.items()):
        record = theirs.get(entry_id)
        if record is None:
            problems.append(ReadBackDifference(entry_id, order.get("number"), "posted by the hub, not in the ledger"))
        elif Decimal(record.total) not in (total, clearing):
            problems.append(
                ReadBackDifference(
                    entry_id,
                    order.get("number"),
                    f"total {total} (clearing {clearing}) in the hub, {record.total} in the ledger",
                )
            )
    for entry_id in sorted(set(theirs) - set(posted)):
        problems.append(
            ReadBackDifference(entry_id, theirs[entry_id].order_number, "in the ledger, not posted by the hub")
        )
    result.read_back = problems


def run_reconcile(database: Database, connector: str, account: str, period: str) -> Reconciliation:
    """Reconcile ``period`` (YYYY-MM) for a destination, with its ledger's read-back when it has one.

    The read-back happens outside any transaction (it calls the partner); a failure to read is raised as the
    connector's error, so the operator sees why the comparison could not be made."""
    start, end = parse_period(period)
    with database.session() as session:
        target = destination(session, connector, account)
        result = reconcile(session, target, start, end)
        spec = account_spec(session, target.name)
    instance = build_connector(spec)
    if isinstance(instance, ReadsLedger):
        records = instance.read_entries(Period(start, end))
        with database.session() as session:
            compare_read_back(session, target, result, records)
    return result
