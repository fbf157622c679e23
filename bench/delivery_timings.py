"""What the end-to-end benchmark reads back after a run: each order's times from webhook sent to delivered,
whether every order reached the fake 3PL exactly once, and what the worker log says each task cost.

An order's times join three clocks of the same machine (wall clock, UTC): the client's send time, the
hub's ``orders.created_at`` (stored) and ``fulfillment_orders.created_at`` (routed), and the fake's first
arrival of each fulfillment order's ``orderKey`` (delivered). An order split over both warehouses counts as
routed and delivered when its last fulfillment order is.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from bench.fake_shipstation import Arrivals
from bench.shopify_orders import Sent
from hub.db.session import Database

TASK_DONE = re.compile(r"Task (\S+)\[[^\]]+\] succeeded in ([0-9.]+)s")
STATEMENTS = re.compile(r"bench-statements (\S+) (\d+)(?: ([\d.]+))?")  # from bench/statement_counts/sitecustomize.py


@dataclass
class OrderTimes:
    sent: float
    stored: float
    fulfillment_orders: dict[str, float] = field(default_factory=dict)  # id -> routed at

    def routed(self) -> float | None:
        return max(self.fulfillment_orders.values()) if self.fulfillment_orders else None

    def delivered(self, arrivals: Arrivals) -> float | None:
        """When the fake had every fulfillment order of this order, or None while one is missing."""
        times = [arrivals.first_stored.get(key) for key in self.fulfillment_orders]
        if not times or any(moment is None for moment in times):
            return None
        return max(moment for moment in times if moment is not None)


def _seconds(moment: datetime | str) -> float:
    """A stored time as seconds: SQLite hands a text query ISO text without a zone, PostgreSQL a datetime."""
    when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def order_times(database: Database, prefix: str, sent: Sent) -> dict[str, OrderTimes]:
    """The stored orders whose channel order id starts with ``prefix``, by channel order id."""
    query = text(
        "SELECT o.channel_order_id, o.created_at, f.id, f.created_at FROM orders o "
        "LEFT JOIN fulfillment_orders f ON f.order_id = o.id WHERE o.channel_order_id LIKE :p"
    )
    times: dict[str, OrderTimes] = {}
    with database.session() as session:
        for channel_id, stored, fulfillment_id, routed in session.execute(query, {"p": f"{prefix}%"}):
            if channel_id not in sent.sent_at:
                continue
            entry = times.setdefault(channel_id, OrderTimes(sent.sent_at[channel_id], _seconds(stored)))
            if fulfillment_id is not None:
                entry.fulfillment_orders[fulfillment_id] = _seconds(routed)
    return times


def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank: the smallest value with at least ``fraction`` of the values at or below it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass(frozen=True)
class Check:
    lines: list[str]
    ok: bool


FAILED_MESSAGES = "SELECT error FROM inbox_messages WHERE dedupe_key LIKE :e AND status = 'failed'"
DELIVERY_STATUSES = (
    "SELECT d.status, count(*) FROM deliveries d JOIN orders o ON o.id = d.order_id "
    "WHERE o.channel_order_id LIKE :p GROUP BY d.status"
)


def exactly_once(
    database: Database, prefixes: tuple[str, str], sent: Sent, times: dict[str, OrderTimes], arrivals: Arrivals
) -> Check:
    """Every acknowledged webhook stored as an order and routed, each of its fulfillment orders at the fake
    under its orderKey and held there once; no order at the fake that the hub did not make; no delivery left.
    ``prefixes``: what the batch's channel order ids and webhook event ids start with."""
    keys = {key for entry in times.values() for key in entry.fulfillment_orders}
    with database.session() as session:
        known = set(session.scalars(text("SELECT id FROM fulfillment_orders")))
        rows = session.execute(text(DELIVERY_STATUSES), {"p": f"{prefixes[0]}%"}).all()
        statuses = {str(status): int(count) for status, count in rows}
        errors = session.scalars(text(FAILED_MESSAGES), {"e": f"%{prefixes[1]}%"}).all()
    failures = Counter(str(error).split(" [SQL:")[0][:200] for error in errors)  # the statement's values vary
    unrouted = sum(1 for entry in times.values() if not entry.fulfillment_orders)
    missing = keys - arrivals.first_stored.keys()
    unknown = arrivals.first_stored.keys() - known
    resent = sum(1 for key in keys if arrivals.posts.get(key, 0) > 1)
    lines = [
        f"webhooks: {len(sent.acked)} acknowledged, {len(sent.failed)} refused or failed; "
        f"{len(times)} of the acknowledged stored as orders, {len(times) - unrouted} routed",
        f"fulfillment orders: {len(keys)}; at the fake: {len(keys) - len(missing)} of them, each held once "
        f"({arrivals.orders_held} orders under {len(arrivals.first_stored)} distinct orderKeys, warm-up included); "
        f"{len(unknown)} orderKeys the hub never made; {resent} posted more than once (an update in place)",
        f"deliveries of these orders: {dict(sorted(statuses.items()))}",
        f"requests the fake answered over the whole run: {dict(sorted(arrivals.requests.items()))}",
    ]
    for error, count in failures.most_common():
        lines.append(f"FAILED in the worker, {count} inbox message(s): {error}")
    ok = (
        len(times) == len(sent.acked)
        and not unrouted
        and not missing
        and not unknown
        and arrivals.orders_held == len(arrivals.first_stored)
        and set(statuses) <= {"delivered"}
    )
    return Check(lines, ok)


@dataclass
class TaskCost:
    runs: int = 0  # that succeeded
    seconds: float = 0.0  # their runtimes summed
    statements: int = 0  # SQL statements of every run (succeeded or not), when they were counted
    counted: int = 0  # runs whose statements were counted
    cpu_ms: float = 0.0  # the CPU time of those runs in their processes


def task_costs(log: Path, offset: int) -> dict[str, TaskCost]:
    """Per task name, from the log after ``offset``: Celery's "Task NAME[id] succeeded in Xs" lines and the
    statement counts ``bench/statement_counts`` writes."""
    costs: dict[str, TaskCost] = defaultdict(TaskCost)
    with log.open("rb") as stream:
        stream.seek(offset)
        for line in stream.read().decode("utf-8", "replace").splitlines():
            if match := TASK_DONE.search(line):
                costs[match.group(1)].runs += 1
                costs[match.group(1)].seconds += float(match.group(2))
            elif match := STATEMENTS.search(line):
                costs[match.group(1)].statements += int(match.group(2))
                costs[match.group(1)].counted += 1
                costs[match.group(1)].cpu_ms += float(match.group(3) or 0)
    return dict(costs)
