"""Named guards that machine files may put on a transition: reviewed, typed predicates, never expressions.

A machine file writes ``guard: all_units_shipped``; loading the file checks the name is registered here, and
``Machine.fire`` calls the predicate with the context it was given. The lifecycle always passes a ``Change``:
the object before the event and as it would be after it, so a guard can look at either. Register a guard
with ``@guard(name, requirement)``: ``requirement`` completes the sentence "cannot <event> while <state>:
requires ..." in refusals, so write it for a user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from hub.lifecycle.aggregate import OrderLifecycle
    from hub.lifecycle.fulfillment import FulfillmentOrder
    from hub.lifecycle.returns import ReturnAuthorization


Subject = TypeVar("Subject")


@dataclass(frozen=True)
class Change(Generic[Subject]):
    """What a guard sees: the object before the event and as the event would leave it."""

    before: Subject
    after: Subject


@dataclass(frozen=True)
class Guard:
    name: str
    requirement: str
    check: Callable[[Any], bool]


GUARDS: dict[str, Guard] = {}


def guard(name: str, requirement: str) -> Callable[[Callable[[Any], bool]], Callable[[Any], bool]]:
    def register(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
        if name in GUARDS:
            raise RuntimeError(f"guard {name!r} is registered twice")
        GUARDS[name] = Guard(name, requirement, check)
        return check

    return register


@guard("all_units_shipped", "every unit of the fulfillment order to be shipped or cancelled")
def all_units_shipped(change: Change[FulfillmentOrder]) -> bool:
    return change.after.open_units() == 0 and change.after.shipped_units() > 0


@guard("all_units_cancelled", "every unit of the fulfillment order to be cancelled")
def all_units_cancelled(change: Change[FulfillmentOrder]) -> bool:
    return change.after.open_units() == 0 and change.after.shipped_units() == 0


@guard("all_units_received", "every authorized unit of the return to be received")
def all_units_received(change: Change[ReturnAuthorization]) -> bool:
    return all(line.received == line.expected for line in change.after.lines.values())


@guard("all_units_dispositioned", "every received unit of the return to be restocked or disposed of")
def all_units_dispositioned(change: Change[ReturnAuthorization]) -> bool:
    return all(line.undecided == 0 for line in change.after.lines.values())


@guard("dispositioned_with_restock", "every received unit to be dispositioned, some of them restocked")
def dispositioned_with_restock(change: Change[ReturnAuthorization]) -> bool:
    return all_units_dispositioned(change) and any(line.restocked for line in change.after.lines.values())


@guard("no_open_returns", "every return of the order to be closed or rejected first")
def no_open_returns(change: Change[OrderLifecycle]) -> bool:
    return not change.after.open_returns()


@guard("not_yet_validated", "an order that has not been validated yet")
def not_yet_validated(change: Change[OrderLifecycle]) -> bool:
    return not change.before.validated


@guard("validated", "the order to be validated first")
def validated(change: Change[OrderLifecycle]) -> bool:
    return change.before.validated
