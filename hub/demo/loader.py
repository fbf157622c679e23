"""Loading the demo, start to finish, and counting what it left in the database."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select, union

from hub.db import migrate
from hub.db.models import (
    ChannelAccount,
    Delivery,
    InboxMessage,
    InventoryLevel,
    Location,
    OrderLifecycleRecord,
    OrderRecord,
    OrderRouting,
    ReturnRecord,
    ShipmentRecord,
)
from hub.db.session import Database
from hub.demo import guard, operations, supplier
from hub.demo.catalog import customers, products
from hub.demo.intake import Webhook, receive
from hub.demo.payloads import DemoOrder, channel_order_id, shopify_order, woocommerce_order
from hub.demo.plan import week_of_orders
from hub.demo.setup import (
    SHOPIFY,
    SUPPLIER,
    WOOCOMMERCE,
    Folders,
    add_channels,
    add_fulfillers,
    add_locations,
    webhook_secret,
)
from hub.oms.process_cache import current_rules
from hub.routing import RuleSet


@dataclass(frozen=True)
class DemoOptions:
    orders: int = 240
    seed: int = 7
    reset: bool = False
    rules: Path | None = None  # the routing rules the hub runs with (HUB_WORKER__ROUTING_RULES); None: the default


@dataclass
class Loaded:
    """What the database holds once the demo is loaded (counted from it, not from what was attempted)."""

    counts: dict[str, int] = field(default_factory=dict)
    orders_by_status: dict[str, int] = field(default_factory=dict)
    folders: Folders | None = None


def load_demo(database: Database, data_dir: Path, options: DemoOptions, now: datetime | None = None) -> Loaded:
    """Load the demo into ``database`` (migrated first); raises ``DemoRefused`` when it holds real data."""
    migrate.upgrade(database)
    folders = Folders(data_dir / "demo")
    if guard.check(database, reset=options.reset).orders or options.reset:
        guard.wipe(database, folders)
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    rng = random.Random(options.seed)  # noqa: S311 - made-up data, repeatable by seed
    catalog = products()
    folders.make()
    with database.session() as session:
        add_channels(session, folders)
        add_fulfillers(session, folders, catalog)
        add_locations(session, rng, catalog)
    plan = week_of_orders(rng, options.orders, catalog, customers(rng), moment)
    secrets = {channel: webhook_secret(folders, channel) for channel in ("shopify", "woocommerce")}
    received = receive(database, [_created(order) for order in plan], secrets)
    rules = current_rules(options.rules)
    late, unanswered = _send_one_earlier(database, plan, moment, rules)
    operations.route(database, [order_id for order_id in received.created if order_id not in late], moment, rules)
    operations.send_pending(database)
    shipped = operations.ship(database, rng, _promised(database), moment)
    operations.returns(database, rng, shipped, max(1, len(shipped) // 25))
    _cancel_a_drop_shipped_order(database, plan, secrets, moment)
    operations.send_pending(database)
    inbound = folders.mailbox_dirs()[1]
    supplier.answer(database, SUPPLIER, inbound, datetime.now(UTC), unanswered)  # after the POs went out
    operations.send_pending(database)
    supplier.watch(database)
    return Loaded(*_count(database), folders=folders)


def _created(order: DemoOrder) -> Webhook:
    if order.channel == "shopify":
        payload, topic, account = shopify_order(order), "orders/create", SHOPIFY[1]
    else:
        payload, topic, account = woocommerce_order(order), "order.created", WOOCOMMERCE[1]
    return Webhook(order.channel, account, topic, f"demo-{order.number}-created", payload, order.placed_at)


def _cancel_a_drop_shipped_order(
    database: Database, plan: list[DemoOrder], secrets: dict[str, str], now: datetime
) -> None:
    """The customer of the first drop-shipped Shopify order cancels it: Shopify sends orders/cancelled, and
    the hub asks the supplier to cancel its PO (which this supplier takes only as an 860)."""
    with database.session() as session:
        dropped = set(
            session.scalars(
                select(OrderRecord.channel_order_id)
                .join(Delivery, Delivery.order_id == OrderRecord.id)
                .where(Delivery.destination == f"edi:{SUPPLIER}")
            )
        )
    for order in plan:
        if order.channel == "shopify" and channel_order_id(order) in dropped:
            cancelled_at = now - timedelta(minutes=30)
            payload = shopify_order(order, cancelled_at=cancelled_at)
            hook = Webhook(
                "shopify", SHOPIFY[1], "orders/cancelled", f"demo-{order.number}-cancelled", payload, cancelled_at
            )
            receive(database, [hook], secrets)
            return


def _send_one_earlier(
    database: Database, plan: list[DemoOrder], moment: datetime, rules: RuleSet
) -> tuple[list[str], str | None]:
    """The order whose PO Lumen never answers, routed and its PO sent ``supplier.UNANSWERED_FOR`` before
    ``moment`` with the times of then, so it is overdue once loaded: its id (none when there is no such
    order) and the PO number."""
    earlier = moment - supplier.UNANSWERED_FOR
    late = _order_ids(database, _unanswered_order(plan, earlier))
    if not late:
        return [], None
    operations.route(database, late, earlier, rules)
    return late, supplier.send_earlier(database, SUPPLIER, late[0], earlier)


def _unanswered_order(plan: list[DemoOrder], before: datetime) -> DemoOrder | None:
    """The newest order with a drop-shipped item placed ``before``, whose PO Lumen leaves unanswered: not the
    second order (its customer cancels it), the one held for fraud review or the one that fails."""
    return max(
        (order for order in plan[2:] if order.placed_at < before and not order.tags and not order.broken
         and any(product.dropship for product, _ in order.lines)),
        key=lambda order: order.placed_at, default=None,
    )  # fmt: skip


def _order_ids(database: Database, order: DemoOrder | None) -> list[str]:
    """The hub's id of ``order`` (none when it was not stored)."""
    if order is None:
        return []
    with database.session() as session:
        found = session.scalars(
            select(OrderRecord.id).where(
                OrderRecord.channel == order.channel, OrderRecord.channel_order_id == channel_order_id(order)
            )
        )
        return list(found)


def _promised(database: Database) -> dict[str, operations.Promise]:
    """Each order's placed_at (in UTC) and ship-by day."""
    with database.session(read_only=True) as session:
        rows = session.execute(select(OrderRecord.id, OrderRecord.placed_at, OrderRecord.ship_by)).all()
    return {row.id: (row.placed_at.replace(tzinfo=row.placed_at.tzinfo or UTC), row.ship_by) for row in rows}


def _on_hold() -> Select[Any]:
    """Orders held by hand (the lifecycle's hold) or by routing (a hold rule: fraud review, payment ...)."""
    by_hand = select(OrderLifecycleRecord.order_id).where(OrderLifecycleRecord.hold_reason.isnot(None))
    by_rule = select(OrderRouting.order_id).where(OrderRouting.outcome == "held")
    return select(func.count()).select_from(union(by_hand, by_rule).subquery())


def _count(database: Database) -> tuple[dict[str, int], dict[str, int]]:
    def number(session: object, query: object) -> int:
        return int(session.scalar(query) or 0)  # type: ignore[attr-defined]

    with database.session() as session:
        counts = {
            "channel accounts": number(session, select(func.count()).select_from(ChannelAccount)),
            "locations": number(session, select(func.count()).select_from(Location)),
            "SKUs": number(session, select(func.count(func.distinct(InventoryLevel.sku)))),
            "units on hand": number(session, select(func.coalesce(func.sum(InventoryLevel.on_hand), 0))),
            "orders": number(session, select(func.count()).select_from(OrderRecord)),
            "shipments": number(session, select(func.count()).select_from(ShipmentRecord)),
            "returns": number(session, select(func.count()).select_from(ReturnRecord)),
            "orders on hold": number(session, _on_hold()),
            "dead deliveries": number(session, select(func.count()).where(Delivery.status == "dead")),
            "failed inbox messages": number(session, select(func.count()).where(InboxMessage.status == "failed")),
        }
        by_status = dict(session.execute(select(OrderRecord.status, func.count()).group_by(OrderRecord.status)).all())
    return counts, {str(k): int(v) for k, v in sorted(by_status.items())}
