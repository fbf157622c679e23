"""``decide``: route one order against a stock snapshot under a rule set, at a given time. Pure: it reads its
arguments, changes nothing and returns a ``Decision`` with its trace, so the same inputs always give the
same decision and ``orderhub route simulate`` shows exactly what the hub would do.

    select the rule (first whose ``when`` matches)
    -> holds (cancelled, test order, payment, tags, no ship-to)            -> everything held, with the reason
    -> candidates: every location of the snapshot, through the rule's filters in order
    -> suppliers set aside unless the rule drop-ships; own locations and suppliers ranked by the sorts
    -> the plan (ship complete, split, drop-ship, partial, incoming, pre-order, wait, hold)
    -> per line: allocations, backorders, pre-orders, held units; the order's outcome; when to look again

Routing the unfilled rest of an order again (stock arrived, schedule) passes what earlier decisions
allocated as ``prior``: those units are not routed again and their locations count toward the split limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from hub.canonical import Order, OrderLine
from hub.routing.context import RoutingContext
from hub.routing.decision import (
    Allocation,
    Backorder,
    Decision,
    Hold,
    LineDecision,
    Outcome,
    Preorder,
    Wait,
    order_outcome,
)
from hub.routing.holds import NO_SKU, order_holds, unrouted_note
from hub.routing.plan import Placement, Plan, Unplaced, build_plan
from hub.routing.refusals import Refusals, exclude_refused
from hub.routing.ruleset import Policy, Rule, RuleSet
from hub.routing.snapshot import Location, LocationKind, Snapshot
from hub.routing.steps import Step
from hub.routing.trace import Trace

Prior = Mapping[str, Mapping[str, int]]  # line_id -> location -> units allocated by earlier decisions


def decide(
    order: Order,
    snapshot: Snapshot,
    rules: RuleSet,
    now: datetime,
    prior: Prior | None = None,
    refused: Refusals | None = None,
) -> Decision:
    """Where each line of ``order`` ships from, decided at ``now`` (timezone-aware) on ``snapshot``; locations
    in ``refused`` get none of the SKUs they refused (``hub.routing.refusals``)."""
    if now.tzinfo is None:
        raise ValueError("decide needs a timezone-aware time, such as datetime.now(UTC)")
    prior = prior or {}
    trace = Trace()
    selection = rules.select(order)
    trace.selected(selection)
    to_route = [line for line in order.lines if unrouted_note(line) is None]
    rule = selection.rule
    holds = [("no_rule", selection.why)] if rule is None else order_holds(order, rule.policy.holds, bool(to_route))
    for code, reason in holds:
        trace.held(code, reason)
    if holds:
        lines = tuple(_held_line(line, prior, holds[0]) for line in order.lines)
    else:
        assert rule is not None  # no rule is itself a hold
        lines = _route(order, snapshot, rule, now, prior, trace, refused or {})
    outcome = order_outcome(lines)
    policy = rule.policy if rule else None
    return Decision(
        order=order.id or f"{order.channel}:{order.channel_order_id}",
        decided_at=now,
        rule=rule.name if rule else None,
        outcome=outcome,
        lines=lines,
        wait=_wait(order, outcome, policy, now),
        trace=trace.to_json(),
    )


def _route(
    order: Order, snapshot: Snapshot, rule: Rule, now: datetime, prior: Prior, trace: Trace, refused: Refusals
) -> tuple[LineDecision, ...]:
    demand: dict[str, int] = {}
    for line in order.lines:
        if unrouted_note(line) is None and line.sku is not None:
            demand[line.sku] = demand.get(line.sku, 0) + max(0, line.quantity - _already(prior, line))
    snapshot, excluded, exclusion = exclude_refused(snapshot, refused, demand) if refused else (snapshot, [], None)
    context = RoutingContext(order, snapshot, now, demand)
    own, suppliers = _candidates(rule, context, trace, excluded, exclusion)
    used = list(dict.fromkeys(location for allocations in prior.values() for location in allocations))
    plan = build_plan(context, own, suppliers, rule.policy, used)
    trace.plan = plan.stages
    return _distribute(order, plan, prior)


def _candidates(
    rule: Rule,
    context: RoutingContext,
    trace: Trace,
    excluded: list[tuple[Location, str]],
    exclusion: dict[str, Any] | None,
) -> tuple[list[Location], list[Location]]:
    kept = list(context.snapshot.locations)
    trace.considered([*kept, *(location for location, _ in excluded)], context.destination)
    trace.excluded(excluded, exclusion)
    for step in rule.filters:
        result = step.filter(kept, context)
        trace.filtered(step, len(kept), result)
        kept = result.kept
    own = [location for location in kept if location.kind != LocationKind.SUPPLIER]
    suppliers = [location for location in kept if location.kind == LocationKind.SUPPLIER]
    if suppliers and not rule.policy.allow_dropship:
        trace.policy_dropped(f"rule {rule.name!r} does not drop-ship (allow_dropship is false)", suppliers)
        suppliers = []
    return _rank("own", own, rule.sorts, context, trace), _rank("supplier", suppliers, rule.sorts, context, trace)


def _rank(
    group: str, locations: list[Location], sorts: tuple[Step, ...], context: RoutingContext, trace: Trace
) -> list[Location]:
    keyed = [(location, [step.sort_key(location, context) for step in sorts]) for location in locations]
    keyed.sort(key=lambda item: [key.value for key in item[1]])  # stable: ties keep the snapshot's order
    trace.ranked(group, sorts, keyed)
    return [location for location, _ in keyed]


def _already(prior: Prior, line: OrderLine) -> int:
    return sum(prior.get(line.line_id, {}).values())


def _held_line(line: OrderLine, prior: Prior, hold: tuple[str, str]) -> LineDecision:
    note = unrouted_note(line)
    already = _already(prior, line)
    if note is not None:
        return LineDecision(line.line_id, line.sku, line.quantity, note=note)
    waiting = max(0, line.quantity - already)
    held = Hold(waiting, *hold) if waiting else None
    return LineDecision(line.line_id, line.sku, line.quantity, hold=held, already_allocated=already)


@dataclass
class _Portion:
    entry: Placement | Unplaced
    left: int


class _Queue:
    """Placements of one SKU (then its unplaced units), handed out to the order's lines of that SKU in
    line order."""

    def __init__(self) -> None:
        self.portions: list[_Portion] = []

    def take(self, wanted: int) -> list[tuple[Placement | Unplaced, int]]:
        taken: list[tuple[Placement | Unplaced, int]] = []
        for portion in self.portions:
            units = min(wanted, portion.left)
            if units:
                portion.left -= units
                wanted -= units
                taken.append((portion.entry, units))
        return taken


def _distribute(order: Order, plan: Plan, prior: Prior) -> tuple[LineDecision, ...]:
    queues: dict[str, _Queue] = {}
    entries: list[Placement | Unplaced] = [*plan.placements, *plan.unplaced]
    for entry in entries:
        queues.setdefault(entry.sku, _Queue()).portions.append(_Portion(entry, entry.quantity))
    lines: list[LineDecision] = []
    for line in order.lines:
        note = unrouted_note(line)
        if note is not None:
            lines.append(LineDecision(line.line_id, line.sku, line.quantity, note=note))
        elif line.sku is None:
            lines.append(LineDecision(line.line_id, None, line.quantity, hold=Hold(line.quantity, *NO_SKU)))
        else:
            already = _already(prior, line)
            taken = queues[line.sku].take(max(0, line.quantity - already)) if line.sku in queues else []
            lines.append(_line(line, already, taken))
    return tuple(lines)


def _line(line: OrderLine, already: int, taken: list[tuple[Placement | Unplaced, int]]) -> LineDecision:
    allocations: list[Allocation] = []
    backorders: list[Backorder] = []
    preorders: list[Preorder] = []
    hold: Hold | None = None
    for entry, units in taken:
        if isinstance(entry, Unplaced):  # held with the plan's reason
            hold = Hold(units + (hold.quantity if hold else 0), entry.code, entry.reason)
        elif entry.kind in ("stock", "dropship"):
            assert entry.location is not None
            allocations.append(Allocation(entry.location, units, entry.kind == "dropship", entry.on))
        elif entry.kind == "preorder":
            assert entry.location is not None
            preorders.append(Preorder(units, entry.location, entry.on))
        else:
            backorders.append(Backorder(units, entry.location, entry.on, entry.reference))
    return LineDecision(
        line.line_id, line.sku, line.quantity, tuple(allocations), tuple(backorders), tuple(preorders), hold, already
    )


def _wait(order: Order, outcome: Outcome, policy: Policy | None, now: datetime) -> Wait | None:
    if outcome in (Outcome.ROUTED, Outcome.NOTHING_TO_ROUTE):
        return None
    reroute = now + policy.reroute_every if policy and policy.reroute_every else None
    deadlines = []
    if policy and policy.auto_cancel_after:
        deadlines.append(order.placed_at + policy.auto_cancel_after)
    if order.cancel_after is not None:  # "not shipped by the end of this day"; the day is taken in UTC
        deadlines.append(datetime.combine(order.cancel_after + timedelta(days=1), time(0), tzinfo=UTC))
    return Wait(reroute, min(deadlines) if deadlines else None)
