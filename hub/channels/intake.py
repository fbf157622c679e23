"""Storing inbound messages: the first thing that happens to anything that arrives, before it can fail."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from hub.channels.base import Pulled
from hub.db.models import ChannelAccount, InboxMessage, InboxStatus
from hub.db.models.base import utcnow

INBOX = cast(Table, InboxMessage.__table__)

# Credentials and signatures are verified at the door and not kept with the raw delivery.
UNSTORED_HEADERS = frozenset(
    {
        "authorization",
        "cookie",
        "x-shopify-hmac-sha256",
        "shopify-hmac-sha256",
        "x-wc-webhook-signature",
        "webhook-signature",
        "wm_sec.signature",
        "wm-sec.signature",
        "x-ebay-signature",
    }
)


class UnknownAccount(LookupError):
    pass


def account_settings(session: Session, channel: str, account: str) -> dict[str, object]:
    row = session.scalars(
        select(ChannelAccount).where(ChannelAccount.channel == channel, ChannelAccount.account == account)
    ).one_or_none()
    if row is None or not row.active:
        raise UnknownAccount(f"no active {channel} account {account!r}")
    return dict(row.settings)


@cache
def _insert(dialect: str) -> ReturningInsert[Any]:
    """The one INSERT of a message, built once per dialect (the values are bound per execution)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(INBOX).on_conflict_do_nothing(index_elements=["channel", "account", "dedupe_key"]).returning(INBOX.c.id)
    )


def store_message(
    executor: Session | Connection,
    *,
    source: str,
    channel: str,
    account: str,
    topic: str | None,
    dedupe_key: str,
    body: bytes,
    headers: dict[str, str] | None = None,
    content_type: str | None = None,
    triggered_at: datetime | None = None,
) -> tuple[int, bool]:
    """Insert the message in one statement; returns (inbox id, True), or (the stored copy's id, False) when its
    dedupe key was already seen for this channel account. Run on an autocommit connection it is a single round
    trip (the webhook path); in a session it joins the session's transaction."""
    values = {
        "source": source,
        "channel": channel,
        "account": account,
        "topic": topic,
        "dedupe_key": dedupe_key,
        "body": body,
        "headers": {name: value for name, value in (headers or {}).items() if name.lower() not in UNSTORED_HEADERS},
        "content_type": content_type,
        "triggered_at": triggered_at,
        "received_at": utcnow(),
        "status": InboxStatus.RECEIVED.value,
        "attempts": 0,
    }
    dialect = executor.get_bind().dialect.name if isinstance(executor, Session) else executor.dialect.name
    inbox_id = executor.execute(_insert(dialect), values).scalar_one_or_none()
    if inbox_id is not None:
        return int(inbox_id), True
    existing = select(InboxMessage.id).where(
        InboxMessage.channel == channel, InboxMessage.account == account, InboxMessage.dedupe_key == dedupe_key
    )
    return int(executor.execute(existing).scalar_one()), False


def store_pulled(
    session: Session, pulled: Pulled, *, source: str, channel: str, account: str
) -> tuple[InboxMessage, bool]:
    inbox_id, created = store_message(
        session,
        source=source,
        channel=channel,
        account=account,
        topic=pulled.topic,
        dedupe_key=pulled.key,
        body=pulled.body,
        content_type="application/json",
        triggered_at=pulled.updated_at,
    )
    message = session.get(InboxMessage, inbox_id)
    assert message is not None
    return message, created
