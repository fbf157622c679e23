"""The dashboard's figures, each one small query over what the hub stores.

Orders per hour are bucketed here rather than in SQL, so the same code runs on SQLite and PostgreSQL; the
query reads two columns of the last 24 hours only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.api.orders import DONE, OrderFilters, filtered
from hub.db.models import Delivery, DeliveryStatus, InboxMessage, InboxStatus, OrderRecord, SupplierPurchaseOrder
from hub.db.models.base import utcnow
from hub.edi.supplier_orders import OPEN
from hub.inventory.levels import find_levels
from hub.orders.views import order_summary

HOURS = 24
SHOWN = 10


def orders_per_hour(session: Session, now: datetime) -> dict[str, Any]:
    """Orders received in each of the last 24 hours, per channel, for a stacked bar chart."""
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=HOURS - 1)
    rows = session.execute(select(OrderRecord.channel, OrderRecord.created_at).where(OrderRecord.created_at >= start))
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for channel, created in rows:
        hour = int((_aware(created) - start).total_seconds() // 3600)
        counts[min(max(hour, 0), HOURS - 1)][channel] += 1
    channels = sorted({c for hour in counts.values() for c in hour})
    bars = [{"hour": (start + timedelta(hours=h)).strftime("%H:00"), "counts": counts[h]} for h in range(HOURS)]
    peak = max((sum(counts[h].values()) for h in range(HOURS)), default=0)
    total = sum(sum(c.values()) for c in counts.values())
    return {"bars": bars, "channels": channels, "peak": max(peak, 1), "total": total}


def _aware(moment: datetime) -> datetime:  # SQLite hands back naive UTC
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def backlog(session: Session) -> dict[str, Any]:
    """Deliveries waiting per queue, deliveries per status, and inbound messages not yet processed or failed."""
    waiting = (DeliveryStatus.PENDING, DeliveryStatus.IN_FLIGHT)
    per_queue = session.execute(
        select(Delivery.queue, func.count()).where(Delivery.status.in_(waiting)).group_by(Delivery.queue)
    ).all()
    per_status = session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
    inbox = session.execute(
        select(InboxMessage.status, func.count())
        .where(InboxMessage.status.in_((InboxStatus.RECEIVED, InboxStatus.FAILED)))
        .group_by(InboxMessage.status)
    ).all()
    failing = session.scalar(
        select(func.count()).where(
            Delivery.status == DeliveryStatus.PENDING, Delivery.attempts > 0, Delivery.last_error.is_not(None)
        )
    )
    return {
        "queues": sorted((str(q), n) for q, n in per_queue),
        "statuses": {str(s): n for s, n in per_status},
        "inbox": {str(s): n for s, n in inbox},
        "failing": failing or 0,
    }


def oldest_unfilled(session: Session) -> list[dict[str, Any]]:
    query = select(OrderRecord).where(OrderRecord.status.not_in(DONE)).order_by(OrderRecord.created_at).limit(SHOWN)
    return [order_summary(row) for row in session.scalars(query)]


def late_orders(session: Session) -> list[dict[str, Any]]:
    query = filtered(OrderFilters(late=True)).order_by(OrderRecord.created_at).limit(SHOWN)
    return [order_summary(row) for row in session.scalars(query)]


def low_stock(session: Session) -> list[dict[str, Any]]:
    """Levels with nothing available to sell, or committed units stock no longer covers. All levels are read:
    fine for a few thousand SKU-locations; larger catalogues want a query of their own."""
    short = [lvl.as_json() for lvl in find_levels(session) if lvl.available <= 0 or lvl.shortage > 0]
    return sorted(short, key=lambda lvl: (-lvl["shortage"], lvl["available"], lvl["sku"]))[:SHOWN]


def overdue_acknowledgments(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Drop-ship purchase orders whose supplier's acknowledgment was due and has not come."""
    query = (
        select(SupplierPurchaseOrder)
        .where(
            SupplierPurchaseOrder.status == OPEN,
            SupplierPurchaseOrder.acknowledged_at.is_(None),
            SupplierPurchaseOrder.ack_due_at <= now,
        )
        .order_by(SupplierPurchaseOrder.ack_due_at)
        .limit(SHOWN)
    )
    return [
        {"po_number": po.po_number, "order_id": po.order_id, "partner": po.partner_id, "due": po.ack_due_at}
        for po in session.scalars(query)
    ]


def dashboard(session: Session) -> dict[str, Any]:
    now = utcnow()
    return {
        "now": now,
        "per_hour": orders_per_hour(session, now),
        "backlog": backlog(session),
        "oldest": oldest_unfilled(session),
        "late": late_orders(session),
        "low_stock": low_stock(session),
        "overdue": overdue_acknowledgments(session, now),
    }
