"""Random sequences of lifecycle commands: the ledger and the documents always agree, a refused command
changes nothing, and the machines never disagree with what the quantities say."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from random import Random
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from hub.canonical import OrderStatus
from hub.lifecycle import (
    LifecycleRejected,
    Machine,
    OrderLifecycle,
    fulfillment_machine,
    order_machine,
    parse_command,
    return_machine,
)
from hub.lifecycle.commands import CreateFulfillmentOrder, RequestReturn
from hub.lifecycle.consistency import consistency_problems
from hub.lifecycle.quantities import available, ledger_problems

# most steps move the order forward; one in twenty is a hold, a cancellation, a refusal by a location or the
# order closing
FORWARD = (
    ["validate", "create_fulfillment_order", "send_fulfillment_order", "accept_fulfillment_order"]
    + ["ship_fulfillment_order", "deliver_lines", "backorder_line"]
    + ["request_return", "authorize_return", "receive_return", "inspect_return"]
    + ["restock_return", "dispose_return", "refund_return", "exchange_return", "close_return"]
)
SETBACKS = ["hold", "release_hold", "release_hold", "cancel_line", "cancel_line", "reject_fulfillment_order"]
SETBACKS += ["cancel_fulfillment_order", "cancel_fulfillment_order", "reject_return", "cancel_order", "close"]
LEDGER_OPERATION = {
    "create_fulfillment_order": "allocate",
    "deliver_lines": "deliver",
    "request_return": "request_return",
}


def _units(rnd: Random, lifecycle: OrderLifecycle, operation: str | None = None) -> dict[str, int]:
    """Units for one or two lines: within what the ledger has for ``operation``, or one over now and then."""
    lines = rnd.sample(sorted(lifecycle.lines), k=min(len(lifecycle.lines), rnd.choice((1, 1, 2))))
    top = {line_id: available(lifecycle.lines[line_id].quantities, operation) if operation else 3 for line_id in lines}
    return {line_id: rnd.randint(1, max(1, top[line_id]) + (rnd.random() < 0.1)) for line_id in lines}


def _document_id(rnd: Random, documents: Mapping[str, Any], machine: Machine, kind: str) -> str:
    """Mostly a document whose machine allows the command's event; sometimes any, or one that does not exist."""
    event = kind.removesuffix("_fulfillment_order").removesuffix("_return")
    ready = sorted(name for name, document in documents.items() if event in machine.allowed_events(document.state))
    return rnd.choice(ready if ready and rnd.random() < 0.9 else sorted(documents) or ["N0"])


def _command(rnd: Random, lifecycle: OrderLifecycle, step: int) -> dict[str, Any]:
    # mostly a command the order's state allows, so that sequences get far; sometimes any
    kinds = SETBACKS if rnd.random() < 0.05 else FORWARD
    allowed = [kind for kind in kinds if kind in order_machine().allowed_events(lifecycle.state)]
    kind = rnd.choice(allowed if allowed and rnd.random() < 0.9 else kinds)
    command: dict[str, Any] = {"do": kind}
    if kind in ("hold", "cancel_order", "reject_fulfillment_order", "cancel_fulfillment_order", "reject_return"):
        command["reason"] = "because"
    if kind in ("cancel_line", "backorder_line"):
        command.update(line=rnd.choice(sorted(lifecycle.lines)), quantity=rnd.randint(1, 3))
        command.update({"reason": "because"} if kind == "cancel_line" else {})
    elif kind in LEDGER_OPERATION:
        command["lines"] = _units(rnd, lifecycle, LEDGER_OPERATION[kind])
        if kind != "deliver_lines":
            command.update(id=f"N{step}", location=rnd.choice(["WH1", "WH2"]))
    elif kind.endswith("fulfillment_order"):
        command["id"] = _document_id(rnd, lifecycle.fulfillment_orders, fulfillment_machine(), kind)
        if kind == "ship_fulfillment_order" and rnd.random() < 0.3:
            command["lines"] = _units(rnd, lifecycle)
    elif kind.endswith("_return"):
        command["id"] = _document_id(rnd, lifecycle.returns, return_machine(), kind)
        if kind in ("receive_return", "restock_return", "dispose_return") and rnd.random() < 0.3:
            command["lines"] = _units(rnd, lifecycle)
    return command


@settings(max_examples=300, deadline=None)
@given(quantities=st.lists(st.integers(1, 4), min_size=1, max_size=3), data=st.data())
def test_random_commands_keep_every_invariant(quantities: list[int], data: st.DataObject) -> None:
    lifecycle = OrderLifecycle.start("ord_1", [(f"L{i}", f"SKU-{i}", n) for i, n in enumerate(quantities)])
    rnd = data.draw(st.randoms(use_true_random=True), label="choices")
    for step in range(rnd.randint(10, 80)):
        command = parse_command(_command(rnd, lifecycle, step))
        before = copy.deepcopy(lifecycle)
        try:
            outcome = lifecycle.apply(command)
        except LifecycleRejected as refused:
            # a refusal changes nothing, and is never the machines disagreeing with the derived state
            assert lifecycle == before
            assert getattr(refused, "refusal", "event") != "target", str(refused)
            continue
        lifecycle = outcome.lifecycle
        event(f"order reached {lifecycle.state}")
        for rma in lifecycle.returns.values():
            event(f"return reached {rma.state}")
        assert consistency_problems(lifecycle) == []
        assert all(ledger_problems(line.quantities) == [] for line in lifecycle.lines.values())
        assert isinstance(lifecycle.status, OrderStatus)
        for effect in outcome.effects:
            assert effect.as_dict()["effect"] in ("inventory", "refund", "replacement")
        assert outcome.timeline_data["command"]["do"] == command.do


def test_a_malformed_command_is_refused_naming_the_field() -> None:
    with pytest.raises(
        LifecycleRejected, match="lifecycle command: ship_fulfillment_order.lines.A: Input should be greater than 0"
    ):
        parse_command({"do": "ship_fulfillment_order", "id": "F1", "lines": {"A": 0}})
    with pytest.raises(LifecycleRejected, match="lifecycle command: .*'teleport'"):
        parse_command({"do": "teleport"})
    with pytest.raises(LifecycleRejected, match="hold.reason: Field required"):
        parse_command({"do": "hold"})
    with pytest.raises(LifecycleRejected, match="validate.when: Extra inputs are not permitted"):
        parse_command({"do": "validate", "when": "now"})
    with pytest.raises(LifecycleRejected, match="inspect_return.conditions.A: String should have at most 64"):
        parse_command({"do": "inspect_return", "id": "R1", "conditions": {"A": "scuffed " * 9}})  # 72 characters


def test_new_fulfillment_orders_and_returns_get_time_ordered_ids() -> None:
    first = parse_command({"do": "create_fulfillment_order", "location": "WH1", "lines": {"A": 1}})
    second = parse_command({"do": "request_return", "lines": {"A": 1}})
    assert isinstance(first, CreateFulfillmentOrder) and first.id.startswith("ful_")
    assert isinstance(second, RequestReturn) and second.id.startswith("ret_")
