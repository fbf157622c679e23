"""Payouts kept once per channel account and payout id: reading a settlement again replaces what was stored
(a channel may correct a report) and changes nothing when it says the same.

A stored payout's fees are booked by the accounting journal (``hub.accounting.facts.channel_fee_facts``).
Those facts belong to no order's timeline, so a journal's incremental scan would not see a new payout: when
a payout is stored or changed, every journal's scan cursor is dropped and its next scan reads everything.
Reading everything again books nothing twice (entries are keyed by fact).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub.db.models import EventCursor, PayoutRecord
from hub.db.models.base import utcnow
from hub.payouts.model import Payout, PayoutLine


@dataclass(frozen=True)
class Stored:
    payout_id: str
    created: bool
    changed: bool


def store_payout(session: Session, payout: Payout) -> Stored:
    found = session.scalars(
        select(PayoutRecord).where(
            PayoutRecord.channel == payout.channel,
            PayoutRecord.account == payout.account,
            PayoutRecord.payout_id == payout.payout_id,
        )
    ).one_or_none()
    values = {
        "payout_date": payout.day,
        "currency": payout.currency,
        "gross": payout.gross,
        "fees": payout.fees,
        "net": payout.net,
        "lines": [line.as_json() for line in payout.lines],
    }
    if found is not None and _same(found, payout):
        return Stored(payout.payout_id, created=False, changed=False)
    created = found is None
    if found is None:
        found = PayoutRecord(channel=payout.channel, account=payout.account, payout_id=payout.payout_id, **values)
        session.add(found)
    else:
        for name, value in values.items():
            setattr(found, name, value)
        found.read_at = utcnow()
    session.execute(delete(EventCursor).where(EventCursor.name.like("journal:%")))
    session.flush()
    return Stored(payout.payout_id, created=created, changed=True)


def _same(record: PayoutRecord, payout: Payout) -> bool:
    return (
        record.payout_date == payout.day
        and record.currency == payout.currency
        and record.net == payout.net
        and [PayoutLine.from_json(line) for line in record.lines] == list(payout.lines)
    )


def stored_payouts(
    session: Session, channel: str, account: str, start: date | None = None, end: date | None = None
) -> list[PayoutRecord]:
    query = select(PayoutRecord).where(PayoutRecord.channel == channel, PayoutRecord.account == account)
    if start is not None:
        query = query.where(PayoutRecord.payout_date >= start)
    if end is not None:
        query = query.where(PayoutRecord.payout_date <= end)
    return list(session.scalars(query.order_by(PayoutRecord.payout_date, PayoutRecord.payout_id)))


def lines_of(record: PayoutRecord) -> list[PayoutLine]:
    return [PayoutLine.from_json(line) for line in record.lines]
