"""OMS scenarios written as data: ``scenarios/*.yaml`` run against a real database, step by step.

A scenario file::

    description: what the merchant would see
    rules: default                         # the shipped rules, or a whole rule file inline
    locations:                             # inventory locations (name and postal_region get defaults)
      - {id: wh-nj, kind: warehouse, capabilities: [ship], coordinates: {latitude: 40.7, longitude: -74.2}}
    stock: {wh-nj: {TEE-M: 3}}             # units put on hand before the first step
    incoming:                              # expected receipts (ASN, PO ...)
      - {location: wh-nj, sku: TEE-M, quantity: 10, source: asn, reference: ASN-7, expected: "2026-03-09"}
    orders:                                # stored orders by name (tests.routing.builders.order_data)
      A: {lines: [{line_id: "1", sku: TEE-M, quantity: 4}]}
    steps:
      - at: "2026-03-02T16:00:00Z"         # the routing time of this step
        do: {route: A}                     # route | sweep | receive | count | adjust | command | channel_cancel
        expect:
          orders:
            A:
              outcome: partially_routed    # the last routing decision (order_routings)
              state: partially_allocated   # the lifecycle's order state
              status: validated            # orders.status
              waiting: true
              lines: {"1": {allocated: 1, backordered: 3}}             # line quantities (those given)
              allocations: {"1": {wh-nj: 1}}                           # inventory allocations holding units
              fulfillment_orders: [{location: wh-nj, lines: {"1": 1}, state: created}]
              events: [order.routed]                                   # appended by this step, in order
          stock: {wh-nj: {TEE-M: {on_hand: 3, committed: 1, available: 2}}}

Commands name fulfillment orders by location: ``id: "@wh-nj"`` is the order's newest fulfillment order there.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from hub.canonical import Order, OrderStatus
from hub.channels.apply import apply_order
from hub.db.models import InboxMessage, OrderEvent, OrderLifecycleRecord, OrderRecord, OrderRouting
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.inventory import (
    IncomingSource,
    adjust,
    allocations_for_order,
    apply_count,
    expect,
    parse_location,
    receive,
    save_location,
)
from hub.lifecycle import parse_command
from hub.lifecycle.store import load
from hub.oms.route import route_order
from hub.oms.stock_effects import execute_with_stock
from hub.oms.waiting import sweep_waiting
from hub.orders.store import add_order, record_event
from hub.routing import RuleSet, default_rules, parse_rules
from tests.inventory.conftest import level_of
from tests.routing.builders import order_data
from tests.routing.scenario import _instant as instant

SCENARIOS = Path(__file__).with_name("scenarios")
LEVEL_FIGURES = ("on_hand", "committed", "reserved", "incoming", "available")


def scenario_files() -> list[Path]:
    return sorted(SCENARIOS.glob("*.yaml"))


class Scenario:
    """One scenario file on one database: set up, then each step done and checked in turn."""

    def __init__(self, database: Database, data: dict[str, Any]) -> None:
        self.database = database
        self.data = data
        rules = data.get("rules", "default")
        self.rules: RuleSet = default_rules() if rules == "default" else parse_rules(yaml.safe_dump(rules), "scenario")
        self.orders: dict[str, str] = {}  # scenario name -> order id

    def set_up(self) -> None:
        with self.database.session() as session:
            for fields in self.data.get("locations", []):
                document = {"name": fields["id"], "postal_region": "US:100", **fields}
                save_location(session, parse_location(document))
            for location, skus in self.data.get("stock", {}).items():
                for sku, units in skus.items():
                    if units:
                        adjust(session, sku, location, units, source="scenario")
                    else:  # a level at zero: the SKU is known there, with nothing on the shelf
                        apply_count(session, location, sku, 0, utcnow(), source="scenario")
            for lot in self.data.get("incoming", []):
                expected = datetime.fromisoformat(str(lot["expected"])).date() if lot.get("expected") else None
                expect(
                    session,
                    lot["sku"],
                    lot["location"],
                    lot["quantity"],
                    source_type=IncomingSource(lot.get("source", "asn")),
                    reference=lot["reference"],
                    expected_on=expected,
                    source="scenario",
                )
            for number, (name, short) in enumerate(self.data.get("orders", {}).items(), start=1):
                fields = {"channel_order_id": f"{1000 + number}", **short}
                fields.setdefault("ship_to", {"country": "US", "region": "NY", "postal_code": "10001"})
                stored = add_order(session, Order.model_validate(order_data(fields)), account="main")
                assert stored.id is not None
                record_event(session, stored.id, "order.received", source="scenario")
                self.orders[name] = stored.id

    def run(self) -> None:
        self.set_up()
        for number, step in enumerate(self.data["steps"], start=1):
            seen = self._last_event_id()
            self.do(step["do"], instant(step["at"]))
            problems = self.problems(step.get("expect", {}), seen)
            assert not problems, f"step {number} ({step['do']}):\n  " + "\n  ".join(problems)

    # --- actions --------------------------------------------------------------------------------------------

    def do(self, action: dict[str, Any], now: datetime) -> None:
        ((verb, argument),) = action.items()
        if verb == "route":
            route_order(self.database, self.orders[argument], rules=self.rules, now=now, source="scenario")
        elif verb == "sweep":
            route = lambda order_id: route_order(self.database, order_id, rules=self.rules, now=now)  # noqa: E731
            sweep_waiting(self.database, now, route=route, source="scenario", grace=timedelta(seconds=-60))
        elif verb == "command":
            self._command(dict(argument))
        elif verb == "channel_cancel":
            self._channel_cancel(self.orders[argument], now)
        else:
            with self.database.session() as session:
                self._stock_action(session, verb, argument, now)

    def _stock_action(self, session: Any, verb: str, a: dict[str, Any], now: datetime) -> None:
        if verb == "receive":
            receive(session, a["sku"], a["location"], a["quantity"], reference=a.get("reference"), source="scenario")
        elif verb == "count":
            apply_count(session, a["location"], a["sku"], a["on_hand"], datetime.now(now.tzinfo), source="scenario")
        elif verb == "adjust":
            adjust(session, a["sku"], a["location"], a["delta"], source="scenario")
        else:
            raise AssertionError(f"unknown scenario action {verb!r}")

    def _command(self, fields: dict[str, Any]) -> None:
        order_id = self.orders[fields.pop("order")]
        with self.database.session() as session:
            if str(fields.get("id", "")).startswith("@"):
                location = fields["id"][1:]
                ids = [fo.id for fo in load(session, order_id).fulfillment_orders.values() if fo.location == location]
                assert ids, f"no fulfillment order at {location}"
                fields["id"] = ids[-1]
            execute_with_stock(session, order_id, parse_command(fields), source="scenario")

    def _channel_cancel(self, order_id: str, now: datetime) -> None:
        with self.database.session() as session:
            record = session.get(OrderRecord, order_id)
            assert record is not None
            current = Order.model_validate(record.document)
            cancelled = current.model_copy(update={"status": OrderStatus.CANCELLED, "updated_at": now})
            message = InboxMessage(
                source="webhook", channel=record.channel, account="main", topic="orders/cancelled", body=b"{}"
            )
            session.add(message)
            session.flush()
            apply_order(session, Order.model_validate(cancelled.model_dump(mode="json")), message)

    # --- expectations ---------------------------------------------------------------------------------------

    def _last_event_id(self) -> int:
        with self.database.session() as session:
            return int(session.scalar(select(OrderEvent.id).order_by(OrderEvent.id.desc()).limit(1)) or 0)

    def problems(self, expected: dict[str, Any], seen: int) -> list[str]:
        found: list[str] = []
        for name, wanted in expected.get("orders", {}).items():
            found += [f"order {name}: {text}" for text in self._order_problems(self.orders[name], wanted, seen)]
        for location, skus in expected.get("stock", {}).items():
            for sku, figures in skus.items():
                level = level_of(self.database, sku, location)
                for figure, value in figures.items():
                    assert figure in LEVEL_FIGURES, f"unknown level figure {figure}"
                    if getattr(level, figure) != value:
                        found.append(
                            f"stock {sku} at {location}: {figure} expected {value}, got {getattr(level, figure)}"
                        )
        return found

    def _order_problems(self, order_id: str, wanted: dict[str, Any], seen: int) -> list[str]:
        with self.database.session() as session:
            actual = _order_facts(session, order_id, seen)
        out = []
        for key, value in wanted.items():
            got = actual[key]
            if key == "lines":
                got = {
                    line_id: {bucket: got[line_id][bucket] for bucket in buckets} for line_id, buckets in value.items()
                }
            if key == "fulfillment_orders":
                value = sorted(value, key=_fo_key)
            if got != value:
                out.append(f"{key}: expected {value!r}, got {got!r}")
        return out


def _fo_key(fo: dict[str, Any]) -> tuple[str, str]:
    return fo["location"], yaml.safe_dump(fo["lines"], sort_keys=True)


def _order_facts(session: Any, order_id: str, seen: int) -> dict[str, Any]:
    """Everything a scenario can expect of one order, as plain data."""
    record = session.get(OrderRecord, order_id)
    routing = session.get(OrderRouting, order_id)
    lifecycle = load(session, order_id) if session.get(OrderLifecycleRecord, order_id) is not None else None
    allocations: dict[str, dict[str, int]] = {}
    for allocation in allocations_for_order(session, order_id):
        if allocation.quantity:
            allocations.setdefault(allocation.line_id, {})[allocation.location_id] = allocation.quantity
    events = (
        select(OrderEvent.type).where(OrderEvent.order_id == order_id, OrderEvent.id > seen).order_by(OrderEvent.id)
    )
    routing_events = list(session.scalars(events))
    fulfillment_orders = sorted(
        (
            {
                "location": fo.location,
                "lines": {i: ln.quantity - ln.cancelled for i, ln in fo.lines.items()},
                "state": str(fo.state),
            }
            for fo in (lifecycle.fulfillment_orders.values() if lifecycle else ())
        ),
        key=_fo_key,
    )
    return {
        "outcome": routing.outcome if routing else None,
        "waiting": routing.waiting if routing else False,
        "test": routing.test if routing else False,
        "state": str(lifecycle.state) if lifecycle else None,
        "status": record.status,
        "lines": {i: {**line.quantities.as_dict(), "state": str(line.state)} for i, line in lifecycle.lines.items()}
        if lifecycle
        else {},
        "allocations": allocations,
        "fulfillment_orders": fulfillment_orders,
        "events": routing_events,
    }
