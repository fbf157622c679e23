"""Reading a channel account's payouts into the hub: fetched from the channel's API (Shopify Payments) or read
from a settlement report file (Amazon), each stored once (``hub.payouts.store``).

A file is refused whole when any line of it cannot be read: a settlement's fees and totals only mean
something complete, and storing half a report would book half its fees.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import select

from hub.channels.accounts import AccountContext
from hub.db.models import ChannelAccount
from hub.db.session import Database
from hub.errors import ConfigurationError, InputRejected
from hub.payouts.amazon import read_settlement
from hub.payouts.model import Payout
from hub.payouts.shopify import fetch_payouts
from hub.payouts.store import Stored, store_payout
from hub.sdk.errors import ConnectorError

AccountFactory = Callable[[str, str, dict[str, object]], AccountContext]
FETCHES = {"shopify"}
FILES = {"amazon"}


def _context(channel: str, account: str, settings: dict[str, object]) -> AccountContext:
    return AccountContext(channel, account, dict(settings))


def account_settings(database: Database, channel: str, account: str) -> dict[str, object]:
    with database.session() as session:
        row = session.scalars(
            select(ChannelAccount).where(ChannelAccount.channel == channel, ChannelAccount.account == account)
        ).one_or_none()
        if row is None:
            raise InputRejected(f"no {channel} account {account!r}")
        return dict(row.settings)


def fetch(
    database: Database,
    channel: str,
    account: str,
    start: date | None = None,
    end: date | None = None,
    *,
    accounts: AccountFactory = _context,
) -> list[Stored]:
    if channel not in FETCHES:
        raise InputRejected(f"payouts of {channel} cannot be fetched; read its settlement report with --file")
    context = accounts(channel, account, account_settings(database, channel, account))
    try:
        payouts = list(fetch_payouts(context, start, end))
    except ConnectorError as exc:  # refused (401), unreachable, throttled: one line, nothing stored
        raise ConfigurationError(f"{channel} payouts could not be read: {exc}") from None
    return store_all(database, payouts)


def read_file(database: Database, channel: str, account: str, path: Path) -> list[Stored]:
    if channel not in FILES:
        raise InputRejected(f"no settlement report file reader for {channel}; fetch its payouts with --fetch")
    account_settings(database, channel, account)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputRejected(f"{path}: cannot be read ({type(exc).__name__})") from None
    try:
        payout = read_settlement(text, account)
    except InputRejected as exc:
        raise InputRejected(f"{path}: {exc}") from None
    return store_all(database, [payout])


def store_all(database: Database, payouts: list[Payout]) -> list[Stored]:
    with database.session() as session:
        return [store_payout(session, payout) for payout in payouts]
