"""Closed periods: months a destination has closed its books for. Nothing is ever dated in one again.

An entry is dated on its fact's day unless that day's month is closed for the destination; then it moves to
the first day of the first open month after it. That is what makes a late change (an order edited after its
month was closed, a refund reported late) an adjusting entry in the open period instead of an edit of a
closed one.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.accounting.amounts import next_month, parse_period, period_of
from hub.db.models import AccountingPeriod


def closed_periods(session: Session, destination: str) -> set[str]:
    query = select(AccountingPeriod.period).where(AccountingPeriod.destination == destination)
    return set(session.scalars(query))


def open_day(day: date, closed: set[str]) -> date:
    """``day``, or the first day of the first open month after it when its month is closed."""
    while period_of(day) in closed:
        day = next_month(day)
    return day


def close_period(session: Session, destination: str, period: str, *, by: str = "cli") -> bool:
    """Close ``period`` (YYYY-MM) for ``destination``; False when it was closed already."""
    parse_period(period)  # refuses anything but a month
    if session.get(AccountingPeriod, (destination, period)) is not None:
        return False
    session.add(AccountingPeriod(destination=destination, period=period, closed_by=by))
    session.flush()
    return True
