"""Storing inbound messages: the first thing that happens to anything that arrives, before it can fail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.channels.base import Pulled
from hub.db.models import ChannelAccount, InboxMessage

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


def store_message(
    session: Session,
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
) -> tuple[InboxMessage, bool]:
    """Insert the message; if its dedupe key was seen for this channel account, return the stored one and False."""
    message = InboxMessage(
        source=source,
        channel=channel,
        account=account,
        topic=topic,
        dedupe_key=dedupe_key,
        body=body,
        headers={name: value for name, value in (headers or {}).items() if name.lower() not in UNSTORED_HEADERS},
        content_type=content_type,
        triggered_at=triggered_at,
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        existing = session.scalars(
            select(InboxMessage).where(
                InboxMessage.channel == channel, InboxMessage.account == account, InboxMessage.dedupe_key == dedupe_key
            )
        ).one()
        return existing, False
    return message, True


def store_pulled(
    session: Session, pulled: Pulled, *, source: str, channel: str, account: str
) -> tuple[InboxMessage, bool]:
    return store_message(
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
