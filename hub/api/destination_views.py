"""What the API shows of a delivery destination beside the account behind it: whether it is paused and why,
its circuit breaker, and its deliveries counted by status. Connector accounts and subscribers both show it,
and their lists read it for every row at once (one IN query for the states, one grouped count), so a list
costs the same few queries however many accounts there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.db.models import Delivery, DeliveryDestination


def destination_views(session: Session, destinations: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Per destination: ``paused``, ``paused_reason``, ``breaker``, ``failures`` and ``deliveries`` (a count
    per status). A destination nothing was ever sent to has the defaults of a new one."""
    names = sorted(set(destinations))
    states = {
        row.destination: row
        for row in session.scalars(select(DeliveryDestination).where(DeliveryDestination.destination.in_(names)))
    }
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    grouped = (
        select(Delivery.destination, Delivery.status, func.count())
        .where(Delivery.destination.in_(names))
        .group_by(Delivery.destination, Delivery.status)
    )
    for destination, status, n in session.execute(grouped):
        counts[destination][status] = n
    views = {}
    for name in names:
        state = states.get(name)
        views[name] = {
            "paused": bool(state and state.paused), "paused_reason": state.paused_reason if state else None,
            "breaker": state.breaker if state else "closed", "failures": state.failures if state else 0,
            "deliveries": counts.get(name, {}),
        }  # fmt: skip
    return views
