"""The order lifecycle: declared state machines, the per-line quantity ledger, fulfillment orders and returns.

Layers, from data to storage:

* ``machines/*.yaml`` -- the four machines (order, line, fulfillment_order, return) as data, checked against
  ``schemas/lifecycle.schema.json`` and for unknown states and guards when loaded (``machine_files``);
  ``machine.Machine.fire`` is the pure engine, ``guards`` the reviewed predicates machine files may name.
* ``quantities`` -- the per-line ledger (ordered, allocated, backordered, released, shipped, delivered,
  cancelled, return_requested, returned, restocked, disposed) with its invariants and derived line state.
* ``fulfillment`` and ``returns`` -- fulfillment orders (one location, units of one order) and RMAs.
* ``aggregate.OrderLifecycle`` -- one order's lifecycle as a frozen value; ``apply(command)`` (commands in
  ``commands``) returns an ``Outcome``: the new lifecycle, its timeline entry and the effects (``effects``:
  inventory moves, refunds and replacements due) for the caller to carry out. The order's state is the
  rollup of its lines, mapped onto the canonical ``OrderStatus``.
* ``store`` -- the same on the database: ``start`` follows a stored order, ``execute`` applies a command
  under a row lock, appends the timeline event and keeps ``orders.status`` equal to the rollup;
  ``changes`` locks a batch of orders, changes their lifecycles in memory and writes them with one
  statement per table (what routing a batch does).

Every refusal is an ``InputRejected`` (``errors``) that names what, where and what is allowed, and changes
nothing.
"""

from __future__ import annotations

from hub.lifecycle.aggregate import OrderLifecycle, OrderState, Outcome, order_machine
from hub.lifecycle.commands import Command, LifecycleCommand, parse_command
from hub.lifecycle.effects import Effect, InventoryEffect, RefundDue, Replacement, ReplacementDue
from hub.lifecycle.errors import (
    IllegalTransition,
    LifecycleConflict,
    LifecycleNotFound,
    LifecycleRejected,
    MachineFileError,
    QuantityRejected,
    UnknownReference,
)
from hub.lifecycle.fulfillment import FulfillmentOrder, FulfillmentState, fulfillment_machine
from hub.lifecycle.machine import Machine
from hub.lifecycle.quantities import Line, LineQuantities, LineState, line_machine
from hub.lifecycle.returns import ReturnAuthorization, ReturnState, return_machine

__all__ = [
    "Command",
    "Effect",
    "FulfillmentOrder",
    "FulfillmentState",
    "IllegalTransition",
    "InventoryEffect",
    "LifecycleCommand",
    "LifecycleConflict",
    "LifecycleNotFound",
    "LifecycleRejected",
    "Line",
    "LineQuantities",
    "LineState",
    "Machine",
    "MachineFileError",
    "OrderLifecycle",
    "OrderState",
    "Outcome",
    "QuantityRejected",
    "RefundDue",
    "Replacement",
    "ReplacementDue",
    "ReturnAuthorization",
    "ReturnState",
    "UnknownReference",
    "fulfillment_machine",
    "line_machine",
    "order_machine",
    "parse_command",
    "return_machine",
]
