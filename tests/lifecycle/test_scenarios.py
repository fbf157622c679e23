"""Scenario tables (``scenario_tables/*.yaml``) run step by step, on the pure value and on each database.

Each step either leaves the states, quantities and effects its table expects, or is refused with the error
it expects and changes nothing: on the value (compared with a deep copy taken before) and on the database
(every lifecycle row, the order's status and revision, and the timeline are as they were).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from hub.db.models import OrderEvent, OrderLifecycleRecord, OrderRecord
from hub.db.session import Database
from hub.lifecycle import LifecycleRejected, OrderLifecycle
from hub.lifecycle.store import execute, load, start
from hub.orders.store import timeline
from tests.lifecycle.conftest import StoreOrder
from tests.lifecycle.scenario_checks import check_state, expect_refusal, load_scenario, scenario_paths

TABLES = scenario_paths()


def test_every_required_scenario_is_tabled() -> None:
    names = {path.stem for path in TABLES}
    assert {
        "multi_line_partial_shipments",
        "partial_cancellation",
        "cancel_allocated_line",
        "backorder_then_release",
        "return_restock",
        "return_dispose",
        "exchange",
    } <= names


@pytest.mark.parametrize("path", TABLES, ids=lambda path: path.stem)
def test_scenario_on_the_value(path: Path) -> None:
    scenario = load_scenario(path)
    current = OrderLifecycle.start("ord_scenario", scenario.line_tuples())
    for step in scenario.steps:
        if step.error is not None:
            unchanged = copy.deepcopy(current)
            with pytest.raises(LifecycleRejected) as refused:
                current.apply(step.command)
            expect_refusal(refused.value, step, scenario.name)
            assert current == unchanged, f"{step.where(scenario.name)} changed the lifecycle it refused"
            continue
        outcome = current.apply(step.command)
        check_state(outcome.lifecycle, step, scenario.name, outcome)
        current = outcome.lifecycle


def _stored(database: Database, order_id: str) -> dict[str, Any]:
    """Everything the store keeps about the order, to compare before and after a refused step."""
    with database.session() as session:
        order = session.get(OrderRecord, order_id)
        row = session.get(OrderLifecycleRecord, order_id)
        assert order is not None and row is not None
        events = session.scalar(select(func.count()).select_from(OrderEvent).where(OrderEvent.order_id == order_id))
        return {
            "lifecycle": load(session, order_id),
            "revision": row.revision,
            "order": (order.status, order.revision, order.document["status"]),
            "events": events,
        }


@pytest.mark.parametrize("path", TABLES, ids=lambda path: path.stem)
def test_scenario_on_the_database(path: Path, database: Database, store_order: StoreOrder) -> None:
    scenario = load_scenario(path)
    order_id = store_order(scenario.line_tuples(), scenario.locations())
    with database.session() as session:
        start(session, order_id, source="test")
    for step in scenario.steps:
        if step.error is not None:
            before = _stored(database, order_id)
            with pytest.raises(LifecycleRejected) as refused, database.session() as session:
                execute(session, order_id, step.command, source="test")
            expect_refusal(refused.value, step, scenario.name)
            assert _stored(database, order_id) == before, f"{step.where(scenario.name)} wrote something"
            continue
        with database.session() as session:
            outcome = execute(session, order_id, step.command, source="test")
        stored = _stored(database, order_id)
        assert stored["lifecycle"] == outcome.lifecycle, f"{step.where(scenario.name)} read back differently"
        check_state(stored["lifecycle"], step, scenario.name, outcome)
        status = outcome.lifecycle.status.value
        assert stored["order"][0] == stored["order"][2] == status, f"{step.where(scenario.name)}: orders.status"
        with database.session() as session:
            last = timeline(session, order_id)[-1]
            assert (last.type, last.source) == (step.command.timeline_type, "test")
            assert last.data == outcome.timeline_data
