"""Scenario tables for the lifecycle: read them, turn steps into commands, and check what each step left.

A table (``scenario_tables/*.yaml``) gives the order's lines and a list of steps. A step is a lifecycle
command (``do`` and its fields) plus either ``expect`` (what the lifecycle holds afterwards) or ``error`` (the
refusal expected, which must leave everything as it was)::

    - do: ship_fulfillment_order
      id: F1
      lines: {A: 2}
      expect:
        order: partially_shipped            # the lifecycle state; `status` is the canonical OrderStatus
        lines: {A: {state: partially_shipped, shipped: 2}}
        fulfillment_orders: {F1: partially_shipped}
        effects: [{action: ship, location: WH1, sku: SKU-A, quantity: 2}]
    - do: ship_fulfillment_order
      id: F1
      lines: {A: 9}
      error: {type: QuantityRejected, message: "only 1 is still to ship"}

Only the values a step names are checked, except ``effects``, which must list every effect, in order.
The same tables run on the pure value and on the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hub import lifecycle
from hub.lifecycle import Command, OrderLifecycle, Outcome, parse_command

TABLES = Path(__file__).with_name("scenario_tables")
STEP_KEYS = ("expect", "error", "note")


@dataclass(frozen=True)
class Step:
    number: int
    command: Command
    expect: dict[str, Any]
    error: dict[str, str] | None

    def where(self, table: str) -> str:
        return f"{table} step {self.number} ({self.command.do})"


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    lines: dict[str, dict[str, Any]]
    steps: list[Step]

    def line_tuples(self) -> list[tuple[str, str | None, int]]:
        return [(line_id, spec.get("sku"), spec["quantity"]) for line_id, spec in self.lines.items()]

    def locations(self) -> set[str]:
        return {str(loc) for step in self.steps if (loc := getattr(step.command, "location", None)) is not None}


def scenario_paths() -> list[Path]:
    return sorted(TABLES.glob("*.yaml"))


def load_scenario(path: Path) -> Scenario:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    steps = []
    for number, raw in enumerate(data["steps"], start=1):
        command = parse_command({key: value for key, value in raw.items() if key not in STEP_KEYS})
        assert "expect" not in raw or "error" not in raw, f"{path.name} step {number}: expect or error, not both"
        steps.append(Step(number, command, raw.get("expect", {}), raw.get("error")))
    return Scenario(path.stem, data["description"], data["lines"], steps)


def expect_refusal(error: BaseException, step: Step, table: str) -> None:
    assert step.error is not None, f"{step.where(table)} was refused: {error}"
    expected_type = getattr(lifecycle, step.error["type"])
    assert isinstance(error, expected_type), f"{step.where(table)}: {type(error).__name__}: {error}"
    assert step.error["message"] in str(error), f"{step.where(table)}: message was {error}"


def check_state(after: OrderLifecycle, step: Step, table: str, outcome: Outcome | None = None) -> None:
    """Every value ``step.expect`` names equals what ``after`` holds."""
    where = step.where(table)
    expect = step.expect
    if "order" in expect:
        assert after.state == expect["order"], f"{where}: order is {after.state}"
    if "status" in expect:
        assert after.status == expect["status"], f"{where}: status is {after.status}"
    for line_id, wanted in expect.get("lines", {}).items():
        line = after.lines[line_id]
        actual = {"state": line.state.value, **line.quantities.as_dict()}
        assert {key: actual[key] for key in wanted} == wanted, f"{where}: line {line_id} is {actual}"
    for key, documents in (("fulfillment_orders", after.fulfillment_orders), ("returns", after.returns)):
        for document_id, wanted in expect.get(key, {}).items():
            assert documents[document_id].state == wanted, f"{where}: {document_id} is {documents[document_id].state}"
    if "effects" in expect and outcome is not None:
        actual_effects = [effect.as_dict() for effect in outcome.effects]
        assert len(actual_effects) == len(expect["effects"]), f"{where}: effects were {actual_effects}"
        for actual_effect, wanted in zip(actual_effects, expect["effects"], strict=True):
            assert {key: actual_effect.get(key) for key in wanted} == wanted, f"{where}: effects were {actual_effects}"
