"""``route_order``: route a stored order through the database, in one transaction.

::

    load the order and its lifecycle (started and validated on first sight)
    -> the routing snapshot of its SKUs from inventory (hub.oms.store_snapshot)
    -> decide with what earlier routings allocated as ``prior`` (only the unallocated rest is routed)
    -> commit the allocations (hub.oms.commit); a lost race lowers that figure and decides again
    -> one fulfillment order per location from what was committed (drop-ship suppliers included)
    -> units waiting for stock are backordered on their lines
    -> the decision and its trace on the timeline: order.routed, order.backordered or order.held
    -> the order's wait: when to route it again, when to cancel, which SKUs wake it (hub.oms.waiting)

Safe to run twice: a second run finds the first run's fulfillment orders, passes them as ``prior`` and
routes only what is still unallocated (often nothing). A cancelled or closed order is not routed. A location
whose fulfillment order was rejected gets none of the SKUs it refused when the order is routed again
(``refusals``; the trace names it, dropped by ``refused``, with the partner's reason).

Test orders (``Order.test``) are routed like live ones, so the rules can be tried on them, but the order is
put on hold with the reason ``TEST_ORDER_HOLD`` before its fulfillment orders are created, and
``order_routings.test`` is set: the lifecycle refuses to send a fulfillment order of a held order, so
nothing reaches a warehouse or supplier.

A failure that routing again cannot mend (the order's own data, not a lost race or a dropped connection)
parks the order as an exception and raises ``RoutingFailed``; a parked order is routed again only by hand
(``release``, as ``orderhub route order`` does). See ``hub.oms.route_exceptions``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from hub.canonical import Order
from hub.db.models import OrderRecord
from hub.db.session import Database
from hub.delivery.outbox import plan_fulfillment
from hub.errors import HubError, InputRejected
from hub.lifecycle import FulfillmentState, LifecycleNotFound, OrderLifecycle, OrderState
from hub.lifecycle.commands import BackorderLine, CreateFulfillmentOrder, Hold, Validate
from hub.lifecycle.store import execute, load, start
from hub.oms.commit import commit_allocations
from hub.oms.route_exceptions import RoutingFailed, describe, is_parked, park, parks, release_hold
from hub.oms.store_snapshot import routing_snapshot
from hub.oms.waiting import finish_waiting, record_decision
from hub.orders.store import record_event
from hub.routing import Decision, Outcome, Prior, Refusals, RuleSet, Snapshot, decide, default_rules

MAX_ATTEMPTS = 5  # decisions per routing: the first, then one per lost race
TEST_ORDER_HOLD = "test order: its fulfillment orders are never sent"
EVENT_BY_OUTCOME = {
    Outcome.ROUTED: "order.routed",
    Outcome.PARTIALLY_ROUTED: "order.routed",
    Outcome.NOTHING_TO_ROUTE: "order.routed",
    Outcome.BACKORDERED: "order.backordered",
    Outcome.HELD: "order.held",
}
FINISHED = (OrderState.CANCELLED, OrderState.CLOSED)


class OrderNotStored(InputRejected):
    """The order id names no stored order."""


class StockKeptMoving(HubError):
    """Every attempt lost a race for stock; nothing was committed. Routing again later will succeed."""


@dataclass(frozen=True)
class Routed:
    order_id: str
    decision: Decision | None  # None when the order was not routed (cancelled or closed)
    fulfillment_orders: dict[str, str] = field(default_factory=dict)  # id -> location
    attempts: int = 0
    note: str = ""
    parked: bool = False  # a routing exception left alone (routing from a task does not release it)
    deliveries: tuple[int, ...] = ()  # submit deliveries planned for its fulfillment orders: publish after commit

    def summary(self) -> str:
        """One line per fact a person wants after routing an order by hand."""
        if self.decision is None:
            return f"order {self.order_id}: not routed: {self.note}\n"
        lines = [f"order {self.order_id}: {self.decision.outcome} (rule {self.decision.rule or 'none'})"]
        for fo_id, location in self.fulfillment_orders.items():
            lines.append(f"  fulfillment order {fo_id} at {location}")
        for line in self.decision.lines:
            lines.append(
                f"  line {line.line_id} {line.sku or '(no SKU)'}: {line.status} {line.allocated}/{line.quantity}"
            )
        if self.decision.wait is not None:
            wait = self.decision.wait
            lines.append(f"  route again at {_when(wait.reroute_at)}; cancel at {_when(wait.cancel_at)}")
        return "\n".join(lines) + "\n"


def route_order(
    database: Database,
    order_id: str,
    *,
    rules: RuleSet | None = None,
    now: datetime | None = None,
    source: str = "worker",
    release: bool = True,
) -> Routed:
    """Route the stored order ``order_id`` now and commit the result (see the module docstring).

    ``release`` routes an order parked as a routing exception too, clearing the exception (by hand); without
    it a parked order is left alone. A failure routing again cannot mend parks the order and raises
    ``RoutingFailed``; one that passes (``StockKeptMoving``, a dropped connection) is raised as it is."""
    try:
        with database.session() as session:
            return route_in_session(session, order_id, rules=rules, now=now, source=source, release=release)
    except (OrderNotStored, StockKeptMoving):
        raise
    except Exception as error:
        if not parks(error):
            raise
        reason = describe(error)
        held = park(database, order_id, reason, source=source, now=now or datetime.now(UTC))
        raise RoutingFailed(
            f"order {order_id}: routing failed: {reason}; the order is parked as an exception"
            f"{' and on hold' if held else ''}: fix the cause, then route it with `orderhub route order {order_id}`"
        ) from error


def route_in_session(
    session: Session,
    order_id: str,
    *,
    rules: RuleSet | None = None,
    now: datetime | None = None,
    source: str,
    release: bool = True,
) -> Routed:
    """``route_order`` inside the caller's transaction (a failure is raised as it is, nothing parked)."""
    moment = now or datetime.now(UTC)
    if not release and is_parked(session, order_id):
        return Routed(order_id, None, note="parked as a routing exception: route it by hand to release it", parked=True)
    lifecycle = _locked_lifecycle(session, order_id, source, release)
    record = session.get(OrderRecord, order_id)
    assert record is not None  # read under the lock just taken
    if lifecycle.state in FINISHED:
        finish_waiting(session, order_id)
        return Routed(order_id, None, note=f"the order is {lifecycle.state}")
    order = Order.model_validate(record.document)
    to_route = routable_order(order, lifecycle)
    snapshot = routing_snapshot(session, {line.sku for line in order.lines if line.sku}, moment)
    decision, attempts = decide_and_commit(
        session, to_route, snapshot, rules or default_rules(), moment, lifecycle, source
    )
    if order.test and lifecycle.hold_reason is None:
        execute(session, order_id, Hold(reason=TEST_ORDER_HOLD), source=source)
    created = _create_fulfillment_orders(session, decision, source)
    _backorder_waiting(session, decision, source)
    data: dict[str, Any] = {
        **decision.to_json(),
        "fulfillment_orders": created,
        "attempts": attempts,
        "test": order.test,
    }
    record_event(session, order_id, EVENT_BY_OUTCOME[decision.outcome], source=source, data=data)
    record_decision(session, order_id, decision, test=order.test, now=moment)
    deliveries = tuple(plan_fulfillment(session, order_id, order=order))
    return Routed(order_id, decision, created, attempts, deliveries=deliveries)


def _locked_lifecycle(session: Session, order_id: str, source: str, release: bool) -> OrderLifecycle:
    """The order's lifecycle, ready to route and locked (so two routings of the order take turns); with
    ``release``, without the hold a routing exception set."""
    try:
        lifecycle = ready_lifecycle(session, order_id, source)
    except LifecycleNotFound:
        raise OrderNotStored(
            f"no order {order_id!r} is stored: give the hub's order id (ord_...), not the channel's order number"
        ) from None
    return release_hold(session, lifecycle, source) if release else lifecycle


def ready_lifecycle(session: Session, order_id: str, source: str) -> OrderLifecycle:
    """The order's lifecycle, started and validated (routing is what validation leads to)."""
    lifecycle = start(session, order_id, source=source)
    if not lifecycle.validated and lifecycle.state not in FINISHED:
        lifecycle = execute(session, order_id, Validate(), source=source).lifecycle
    return lifecycle


def routable_order(order: Order, lifecycle: OrderLifecycle) -> Order:
    """The order as routing should see it: units cancelled in the hub are no longer wanted, and a test order
    is decided like a live one (it is held after routing instead)."""
    lines = []
    for line in order.lines:
        tracked = lifecycle.lines.get(line.line_id)
        active = tracked.quantities.active if tracked is not None else line.quantity
        lines.append(line if active == line.quantity else line.model_copy(update={"quantity": active}))
    return order.model_copy(update={"lines": lines, "test": False})


def prior_allocations(lifecycle: OrderLifecycle) -> dict[str, dict[str, int]]:
    """Units each line holds per location through its fulfillment orders (shipped ones included)."""
    prior: dict[str, dict[str, int]] = defaultdict(dict)
    for fo in lifecycle.fulfillment_orders.values():
        for line_id, line in fo.lines.items():
            kept = line.quantity - line.cancelled
            if kept > 0:
                prior[line_id][fo.location] = prior[line_id].get(fo.location, 0) + kept
    return dict(prior)


def refusals(lifecycle: OrderLifecycle) -> Refusals:
    """SKUs each location refused (its fulfillment order of them was rejected), with the partner's reason:
    routing again sends those units elsewhere (``hub.routing.refusals``)."""
    refused: dict[str, dict[str, str]] = defaultdict(dict)
    for fo in lifecycle.fulfillment_orders.values():
        if fo.state is FulfillmentState.REJECTED:
            for line in fo.lines.values():
                if line.sku is not None:
                    refused[fo.location][line.sku] = fo.reason or ""
    return dict(refused)


def decide_and_commit(
    session: Session,
    order: Order,
    snapshot: Snapshot,
    rules: RuleSet,
    now: datetime,
    lifecycle: OrderLifecycle,
    source: str,
) -> tuple[Decision, int]:
    """Decide and commit until a decision's allocations all commit: (that decision, the attempts it took).

    A commitment that finds less stock than ``snapshot`` promised rolls back the attempt and lowers that
    figure before deciding again; after ``MAX_ATTEMPTS`` losses ``StockKeptMoving`` is raised."""
    prior: Prior = prior_allocations(lifecycle)
    refused = refusals(lifecycle)
    order_id = order.id or lifecycle.order_id
    for attempt in range(1, MAX_ATTEMPTS + 1):
        decision = decide(order, snapshot, rules, now, prior, refused)
        short = commit_allocations(session, order_id, decision.commitments(), source=source)
        if short is None:
            return decision, attempt
        snapshot = snapshot.with_available(short.location, short.sku, short.available)
    raise StockKeptMoving(
        f"order {order_id}: stock kept moving under {MAX_ATTEMPTS} routing attempts; nothing was committed, "
        "and routing it again (the sweep does) will decide on fresh figures"
    )


def _create_fulfillment_orders(session: Session, decision: Decision, source: str) -> dict[str, str]:
    by_location: dict[str, dict[str, int]] = defaultdict(dict)
    for c in decision.commitments():
        by_location[c.location][c.line_id] = by_location[c.location].get(c.line_id, 0) + c.quantity
    created: dict[str, str] = {}
    for location, lines in by_location.items():
        command = CreateFulfillmentOrder(location=location, lines=lines)
        execute(session, decision.order, command, source=source)
        created[command.id] = location
    return created


def _backorder_waiting(session: Session, decision: Decision, source: str) -> None:
    """Lines with units waiting for stock (backorders, pre-orders) show them as backordered."""
    lifecycle = None
    for line in decision.lines:
        if line.waiting == 0:
            continue
        lifecycle = lifecycle or load(session, decision.order)
        quantities = lifecycle.lines[line.line_id].quantities
        more = min(line.waiting - quantities.backordered, quantities.unallocated)
        if more > 0:
            lifecycle = execute(
                session, decision.order, BackorderLine(line=line.line_id, quantity=more), source=source
            ).lifecycle


def _when(moment: datetime | None) -> str:
    return moment.isoformat() if moment else "never"
