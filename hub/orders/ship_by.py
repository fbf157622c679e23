"""The day an order must ship by (``orders.ship_by``): what the late filter, the dashboard and the
late-shipments report judge orders against.

Marketplaces (Amazon, Walmart) send their own ship-by day with each order (``requested_ship_date``) and that
day wins. Shops (Shopify, WooCommerce) send none; the merchant promises "ships within N business days" per
channel account instead (the account setting ``ship_within_days``, ``hub.channels.accounts``), so the day is
the order's ``placed_at`` (its UTC calendar day) moved forward N business days, Monday to Friday:

* N = 1: the next business day (placed Monday: Tuesday; placed Friday, Saturday or Sunday: Monday);
* N = 0: the same day, or the Monday after when placed on a weekend.

Public holidays are not known to the hub and count as business days. An order with neither has no ship-by
day and is never late.

Both ways a new order is written (``hub.orders.store`` one by one, ``hub.channels.new_orders`` a chunk at
once) call :func:`ship_by`; the accounts' promises are read once per session (a chunk is one session), not
once per order.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from hub.channels.accounts import ship_within_days
from hub.db.models import ChannelAccount

AccountKey = tuple[str, str]  # channel, account
SATURDAY = 5
_CACHE = "orderhub.ship_within_days"  # session.info key: promises read in this session, by account


def ship_by(requested: date | None, placed_at: datetime, within_days: int | None) -> date | None:
    """The channel's own day when it sent one, else ``placed_at`` plus ``within_days`` business days, else
    None."""
    if requested is not None:
        return requested
    if within_days is None:
        return None
    moment = placed_at if placed_at.tzinfo is None else placed_at.astimezone(UTC)
    return add_business_days(moment.date(), within_days)


def add_business_days(start: date, days: int) -> date:
    """``days`` business days (Monday to Friday) after ``start``; 0 is ``start`` itself, or the Monday after
    a weekend day."""
    day = start
    while day.weekday() >= SATURDAY:
        day += timedelta(days=1)
    if start.weekday() >= SATURDAY and days > 0:
        days -= 1  # the weekend rolled to Monday: that Monday is the first business day counted
    for _ in range(days):
        day += timedelta(days=1)
        while day.weekday() >= SATURDAY:
            day += timedelta(days=1)
    return day


def promises(session: Session, accounts: Iterable[AccountKey]) -> dict[AccountKey, int | None]:
    """Each account's ``ship_within_days`` (None: no promise, or no such account), read from the database
    once per session whatever the number of orders."""
    cache: dict[AccountKey, int | None] = session.info.setdefault(_CACHE, {})
    wanted = set(accounts)
    missing = sorted(wanted - cache.keys())
    if missing:  # no autoflush: a caller half-way through projecting an order must not be flushed here
        query = select(ChannelAccount.channel, ChannelAccount.account, ChannelAccount.settings).where(
            tuple_(ChannelAccount.channel, ChannelAccount.account).in_(missing)
        )
        with session.no_autoflush:
            found = {(row.channel, row.account): row.settings or {} for row in session.execute(query)}
        for key in missing:
            cache[key] = ship_within_days(found.get(key, {}))
    return {key: cache[key] for key in wanted}


def order_ship_by(
    session: Session, channel: str, account: str, requested: date | None, placed_at: datetime
) -> date | None:
    """:func:`ship_by` for one order of ``channel``/``account``."""
    if requested is not None:
        return requested
    return ship_by(None, placed_at, promises(session, [(channel, account)])[(channel, account)])


def fill_ship_by(session: Session, rows: list[dict[str, Any]]) -> None:
    """Set ``ship_by`` on order rows gathered for a multi-row insert (``channel``, ``account``, ``placed_at``,
    and ``ship_by`` holding the channel's requested day or None)."""
    known = promises(session, {(row["channel"], row["account"]) for row in rows if row["ship_by"] is None})
    for row in rows:
        row["ship_by"] = ship_by(row["ship_by"], row["placed_at"], known.get((row["channel"], row["account"])))
