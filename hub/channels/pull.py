"""Polling and reconciliation: read orders changed since an account's watermark from the channel's API.

Pollers (Amazon, eBay, Walmart) get orders only this way; webhook channels use it to catch deliveries that
were lost. Each order version read is stored in the inbox like a webhook (so it is replayable) and processed;
the watermark advances only after a whole pull succeeded, and re-reading a version is a no-op (dedupe key).
What processing a message leaves to do (routing the order it created, say) is handed to ``follow_up`` as
soon as that message is committed, so a pulled order is routed at once, not at the next routing sweep; the
caller passes ``hub.worker.follow_ups.FollowUps`` (this package does not know the broker).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from hub.channels.intake import UnknownAccount, store_pulled
from hub.channels.process import AccountFactory, Outcome, default_account, process_message
from hub.channels.registry import all_channels, get_channel
from hub.db.models import ChannelAccount
from hub.db.models.base import as_utc
from hub.db.session import Database


@dataclass(frozen=True)
class PullResult:
    read: int
    stored: int
    watermark: datetime | None


def pullable_accounts(database: Database) -> list[tuple[str, str]]:
    names = [name for name, channel in all_channels().items() if channel.pulls]
    with database.session() as session:
        rows = session.execute(
            select(ChannelAccount.channel, ChannelAccount.account).where(
                ChannelAccount.active.is_(True), ChannelAccount.channel.in_(names)
            )
        ).all()
    return [(row.channel, row.account) for row in rows]


def pull_account(
    database: Database,
    channel_name: str,
    account_name: str,
    *,
    accounts: AccountFactory = default_account,
    follow_up: Callable[[Outcome], object] | None = None,
) -> PullResult:
    channel = get_channel(channel_name)
    with database.session() as session:
        row = session.scalars(
            select(ChannelAccount).where(ChannelAccount.channel == channel_name, ChannelAccount.account == account_name)
        ).one_or_none()
        if row is None:
            raise UnknownAccount(f"no {channel_name} account {account_name!r}")
        settings, watermark = dict(row.settings), as_utc(row.watermark)
    context = accounts(channel_name, account_name, settings)
    newest, read, stored = watermark, 0, 0
    for pulled in channel.pull(context, watermark):
        read += 1
        with database.session() as session:
            message, created = store_pulled(session, pulled, source="poll", channel=channel_name, account=account_name)
            inbox_id = message.id
        if created:
            stored += 1
            outcome = process_message(database, inbox_id, accounts=accounts)
            if follow_up is not None:
                follow_up(outcome)
        if pulled.updated_at is not None and (newest is None or pulled.updated_at > newest):
            newest = pulled.updated_at
    with database.session() as session:
        row = session.scalars(
            select(ChannelAccount).where(ChannelAccount.channel == channel_name, ChannelAccount.account == account_name)
        ).one()
        row.watermark = newest
    return PullResult(read, stored, newest)
