"""Privacy-law redaction (Shopify customers/redact and shop/redact): personal data leaves the stored orders
and the raw inbox messages they came from; the orders themselves, their lines and amounts stay."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.canonical import Address, Order
from hub.db.models import InboxMessage, OrderEvent, OrderRecord
from hub.orders.store import record_event, replace_order


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


def redact(session: Session, channel: str, account: str, topic: str, subject: dict[str, Any], source: str) -> int:
    query = select(OrderRecord).where(OrderRecord.channel == channel, OrderRecord.account == account)
    if topic == "customers/redact":
        named = [str(value) for value in subject.get("orders_to_redact") or []]
        if not named:
            return 0
        query = query.where(OrderRecord.channel_order_id.in_(named))
    count = 0
    for record in session.scalars(query).all():
        replace_order(session, record, redacted_order(Order.model_validate(record.document)))
        sources = select(OrderEvent.inbox_message_id).where(
            OrderEvent.order_id == record.id, OrderEvent.inbox_message_id.is_not(None)
        )
        session.execute(
            update(InboxMessage)
            .where(InboxMessage.id.in_(sources))
            .values(body=b"", headers={}, error="redacted: " + topic)
        )
        record_event(session, record.id, "order.redacted", source=source, data={"topic": topic})
        count += 1
    return count
