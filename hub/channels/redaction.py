"""Privacy-law redaction (Shopify customers/redact and shop/redact): personal data leaves the stored orders
and the raw inbox messages they came from; the orders themselves, their lines and amounts stay.

Redaction cannot be undone, so it acts only on what the signed body names, and only for the account's own shop:
the request's ``shop_domain`` (and ``shop_id``) must be the shop the account is for (``check_shop``), a
``customers/redact`` touches only the orders in its ``orders_to_redact``, and ``shop/redact`` only this account's
orders. What was done (which orders, which inbox messages) is recorded on each order's timeline and in the
compliance request's outcome.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.canonical import Address, Order
from hub.channels.limits import describe, numeric_id
from hub.db.models import InboxMessage, OrderEvent, OrderRecord
from hub.mapping import MappingInputError
from hub.orders.store import record_event, replace_order

REDACTING_TOPICS = ("customers/redact", "shop/redact")
CHUNK = 500  # ids per IN (...) query: well under SQLite's limit on bound parameters
MAX_OUTCOME = 512  # compliance_requests.outcome


@dataclass(frozen=True)
class Redacted:
    orders: tuple[str, ...]  # hub order ids
    messages: tuple[int, ...]  # inbox messages emptied

    def describe(self) -> str:
        """The compliance request's outcome: counts, then as many order ids as the column holds."""
        text = f"redacted {len(self.orders)} order(s), emptied {len(self.messages)} inbox message(s)"
        if not self.orders:
            return text
        if len(text) + 2 + len(", ".join(self.orders)) <= MAX_OUTCOME:
            return f"{text}: {', '.join(self.orders)}"
        kept: list[str] = []
        room = MAX_OUTCOME - len(text) - len(": ") - len(" and 9999999 more")
        for order_id in self.orders:
            if len(", ".join([*kept, order_id])) > room:
                break
            kept.append(order_id)
        return f"{text}: {', '.join(kept)} and {len(self.orders) - len(kept)} more"


def _bare(address: Address | None) -> Address | None:
    return None if address is None else Address(country=address.country)


def redacted_order(order: Order) -> Order:
    parties = [party.model_copy(update={"address": _bare(party.address)}) for party in order.parties]
    return order.model_copy(
        update={
            "customer": None,
            "ship_to": _bare(order.ship_to),
            "bill_to": _bare(order.bill_to),
            "parties": parties,
            "notes": None,
            "attributes": {},
        }
    )


def account_shop(settings: Mapping[str, Any]) -> tuple[str | None, int | None]:
    """The shop's domain and id as the account knows them: the ``shop_domain`` setting, else ``base_url``'s
    host (https://SHOP.myshopify.com/admin/api/...); and the ``shop_id`` setting, if any."""
    domain = settings.get("shop_domain")
    if not isinstance(domain, str) or not domain.strip():
        base_url = settings.get("base_url")
        try:
            domain = urlsplit(base_url).hostname if isinstance(base_url, str) else None
        except ValueError:
            domain = None
    known_domain = domain.strip().lower() if isinstance(domain, str) and domain.strip() else None
    return known_domain, numeric_id(settings.get("shop_id"))


def check_shop(settings: Mapping[str, Any], subject: Mapping[str, Any], topic: str, account: str) -> None:
    """Raise MappingInputError unless the request names this account's shop."""
    known_domain, known_id = account_shop(settings)
    if known_domain is None and known_id is None:
        raise MappingInputError(
            f"{topic} refused: account {account} cannot tell which shop it is (set its shop_domain setting)"
        )
    named_domain = subject.get("shop_domain")
    if known_domain is not None and (not isinstance(named_domain, str) or named_domain.strip().lower() != known_domain):
        raise MappingInputError(
            f"{topic} refused: it names shop {describe(named_domain)}, account {account} is {known_domain!r}"
        )
    named_id = numeric_id(subject.get("shop_id"))
    if known_id is not None and named_id != known_id:
        shown = describe(subject.get("shop_id")) if named_id is None else str(named_id)
        raise MappingInputError(f"{topic} refused: it names shop id {shown}, account {account} is {known_id}")


def _named_orders(
    session: Session, channel: str, account: str, topic: str, subject: Mapping[str, Any]
) -> Iterator[OrderRecord]:
    """shop/redact: every order of this account; customers/redact: those of its orders_to_redact."""
    mine = select(OrderRecord).where(OrderRecord.channel == channel, OrderRecord.account == account)
    if topic == "shop/redact":
        yield from session.scalars(mine.order_by(OrderRecord.id)).all()
        return
    named = sorted({str(numeric_id(value)) for value in subject.get("orders_to_redact") or [] if numeric_id(value)})
    for start in range(0, len(named), CHUNK):
        query = mine.where(OrderRecord.channel_order_id.in_(named[start : start + CHUNK])).order_by(OrderRecord.id)
        yield from session.scalars(query).all()


def _sources(session: Session, record: OrderRecord, channel: str, account: str) -> list[int]:
    """The inbox messages of this channel account that the order's timeline names as its sources."""
    named = select(OrderEvent.inbox_message_id).where(
        OrderEvent.order_id == record.id, OrderEvent.inbox_message_id.is_not(None)
    )
    query = select(InboxMessage.id).where(
        InboxMessage.id.in_(named), InboxMessage.channel == channel, InboxMessage.account == account
    )
    return sorted(set(session.scalars(query)))


def redact(
    session: Session, channel: str, account: str, topic: str, subject: Mapping[str, Any], source: str
) -> Redacted:
    """Redact the orders the request names (after ``check_shop``); the inbox messages they came from lose
    their body and headers. Each order's timeline records the redaction and the messages emptied."""
    orders: list[str] = []
    messages: set[int] = set()
    for record in _named_orders(session, channel, account, topic, subject):
        replace_order(session, record, redacted_order(Order.model_validate(record.document)))
        sources = _sources(session, record, channel, account)
        if sources:
            session.execute(
                update(InboxMessage)
                .where(InboxMessage.id.in_(sources))
                .values(body=b"", headers={}, error="redacted: " + topic)
            )
        record_event(
            session, record.id, "order.redacted", source=source, data={"topic": topic, "inbox_messages": sources}
        )
        orders.append(record.id)
        messages.update(sources)
    return Redacted(tuple(orders), tuple(sorted(messages)))
