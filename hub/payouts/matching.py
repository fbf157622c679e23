"""A stored payout set against the hub's orders: per order it pays (matched by channel order id within the
channel account), what the channel paid for the sale and the refunds next to the hub's order total and
refund totals, to the cent; lines naming an order the hub does not hold, and lines naming none, listed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.accounting.amounts import rounded
from hub.accounting.changes import REFUND_EVENT, chunks
from hub.canonical import Refund
from hub.db.models import OrderEvent, OrderRecord, PayoutRecord
from hub.payouts.model import LineKind, PayoutLine
from hub.payouts.store import lines_of

ZERO = Decimal(0)


@dataclass
class OrderMatch:
    channel_order_id: str
    order_id: str | None  # the hub's id; None when the hub does not hold the order
    paid: Decimal = ZERO  # sale lines
    refunded: Decimal = ZERO  # refund lines (negative)
    other: Decimal = ZERO  # adjustments
    fees: Decimal = ZERO
    hub_total: Decimal | None = None
    hub_refunded: Decimal | None = None  # negative, like the payout's

    @property
    def agrees(self) -> bool:
        if self.order_id is None or self.hub_total is None or self.hub_refunded is None:
            return False
        return (not self.paid or self.paid == self.hub_total) and self.refunded == self.hub_refunded


@dataclass
class PayoutMatch:
    record: PayoutRecord
    orders: list[OrderMatch] = field(default_factory=list)
    unmatched: list[PayoutLine] = field(default_factory=list)  # lines of orders the hub does not hold, or none

    @property
    def agrees(self) -> bool:
        return not self.unmatched and all(order.agrees for order in self.orders)


def match_payout(session: Session, record: PayoutRecord) -> PayoutMatch:
    lines = lines_of(record)
    by_order: dict[str, OrderMatch] = {}
    result = PayoutMatch(record)
    for line in lines:
        if line.channel_order_id is None:
            result.unmatched.append(line)
            continue
        match = by_order.setdefault(line.channel_order_id, OrderMatch(line.channel_order_id, None))
        if line.kind is LineKind.SALE:
            match.paid += line.amount
        elif line.kind is LineKind.REFUND:
            match.refunded += line.amount
        else:
            match.other += line.amount
        match.fees += line.fee
    orders = hub_orders(session, record.channel, record.account, list(by_order))
    refunds = refund_totals(session, [order.id for order in orders.values()])
    for channel_order_id, match in sorted(by_order.items()):
        order = orders.get(channel_order_id)
        if order is None:
            result.unmatched.extend(line for line in lines if line.channel_order_id == channel_order_id)
        else:
            match.order_id, match.hub_total = order.id, rounded(order.total, record.currency)
            match.hub_refunded = -rounded(refunds.get(order.id, ZERO), record.currency)
        result.orders.append(match)
    return result


def hub_orders(session: Session, channel: str, account: str, channel_order_ids: list[str]) -> dict[str, OrderRecord]:
    found: dict[str, OrderRecord] = {}
    for part in chunks(channel_order_ids):
        query = select(OrderRecord).where(
            OrderRecord.channel == channel, OrderRecord.account == account, OrderRecord.channel_order_id.in_(part)
        )
        found.update((record.channel_order_id, record) for record in session.scalars(query))
    return found


def refund_totals(session: Session, order_ids: list[str]) -> dict[str, Decimal]:
    """What the hub recorded as refunded per order (a refund reported twice counted once)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    seen: set[tuple[str, str]] = set()
    for part in chunks(order_ids):
        query = select(OrderEvent).where(OrderEvent.type == REFUND_EVENT, OrderEvent.order_id.in_(part))
        for event in session.scalars(query.order_by(OrderEvent.id)):
            try:
                refund = Refund.model_validate(event.data)
            except ValidationError:
                continue
            key = (event.order_id, refund.channel_refund_id or refund.id or f"e{event.id}")
            if key not in seen:
                seen.add(key)
                totals[event.order_id] += refund.total.amount
    return totals


def as_document(match: PayoutMatch) -> dict[str, Any]:
    record = match.record
    return {
        "payout_id": record.payout_id,
        "date": record.payout_date.isoformat(),
        "currency": record.currency,
        "gross": str(rounded(record.gross, record.currency)),
        "fees": str(rounded(record.fees, record.currency)),
        "net": str(rounded(record.net, record.currency)),
        "agrees": match.agrees,
        "orders": [
            {
                "channel_order_id": order.channel_order_id,
                "order_id": order.order_id,
                "paid": str(order.paid),
                "refunded": str(order.refunded),
                "adjusted": str(order.other),
                "fees": str(order.fees),
                "hub_total": None if order.hub_total is None else str(order.hub_total),
                "hub_refunded": None if order.hub_refunded is None else str(order.hub_refunded),
                "agrees": order.agrees,
            }
            for order in match.orders
        ],
        "unmatched": [line.as_json() for line in match.unmatched],
    }
