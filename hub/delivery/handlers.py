"""Operation handlers: what sending one kind of delivery means, and what its outcome does to the hub.

Each delivery names an ``operation`` (``fulfillment_order.submit``, ``fulfillment_order.cancel``; later
``shipment.notify_channel``, ``accounting.post`` ...) and a destination. A handler is registered for an
operation and a *kind* of destination: ``connector`` (a connector account, ``shipstation:main``), ``self``
(the operator's own location; no partner is called) or ``edi`` (an X12 partner, ``edi:ACME``). A delivery
with no handler for its pair is not lost: its destination is paused with a reason that says so, and the
deliveries wait until a handler exists and the destination is resumed.

The engine calls a handler in three places:

* ``prepare`` (in the claim's transaction): results it can decide without the partner, such as a
  submit whose fulfillment order was cancelled meanwhile (``withdrawn``);
* ``send_one`` / ``send_batch`` (outside any transaction): talk to the partner. ``send_batch`` returns None
  when the target has no batch API; then the engine sends one by one and stops at the first transient
  failure of the destination (the rest of the chunk waits, ``deferred``, instead of timing out in turn);
* ``settle`` (in the chunk's record transaction, one savepoint per delivery): what a final outcome
  (``status`` delivered or dead) does
  (the fulfillment order moves to sent and accepted, rejected, cancelled ...). ``AfterCommit`` gathers what
  to publish once that transaction has committed (routing again, new deliveries).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from sqlalchemy.orm import Session

from hub.delivery.claim import Claimed
from hub.delivery.results import Result
from hub.sdk import Connector

SELF = "self"
EDI = "edi"
CONNECTOR = "connector"


def destination_kind(destination: str) -> str:
    if destination == SELF:
        return SELF
    return EDI if destination.partition(":")[0] == EDI else CONNECTOR


@dataclass
class Target:
    """Where a group of deliveries goes: a connector instance built for one send (None for ``self`` and
    ``edi``), and the secret values to scrub from anything recorded."""

    destination: str
    connector: Connector | None = None
    secrets: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return destination_kind(self.destination)


@dataclass
class AfterCommit:
    """What the record transaction leaves to publish after it commits."""

    routes: set[str] = field(default_factory=set)  # order ids to route again
    deliveries: list[int] = field(default_factory=list)  # new deliveries it wrote
    tasks: list[tuple[str, list[Any]]] = field(default_factory=list)  # other tasks: (name, args)

    def merge(self, other: AfterCommit) -> None:
        self.routes |= other.routes
        self.deliveries.extend(other.deliveries)
        self.tasks.extend(other.tasks)


class Handler(Protocol):
    operation: ClassVar[str]
    kind: ClassVar[str]

    def prepare(self, session: Session, claimed: Sequence[Claimed]) -> dict[int, Result]: ...

    def send_one(self, target: Target, delivery: Claimed) -> Result: ...

    def send_batch(self, target: Target, deliveries: Sequence[Claimed]) -> list[Result] | None: ...

    def settle(self, session: Session, delivery: Claimed, result: Result, status: str, after: AfterCommit) -> None: ...


HANDLERS: dict[tuple[str, str], Handler] = {}


def register(handler: Handler) -> Handler:
    """Register ``handler`` for its operation and destination kind (a later registration replaces one)."""
    HANDLERS[(handler.operation, handler.kind)] = handler
    return handler


def handler_for(operation: str, destination: str) -> Handler | None:
    _load_builtin()
    return HANDLERS.get((operation, destination_kind(destination)))


def missing_handler_reason(operation: str, destination: str) -> str:
    kind = destination_kind(destination)
    what = "an X12 partner" if kind == EDI else f"a {kind} destination"
    return (
        f"the hub cannot send {operation} to {destination} ({what}) yet; its deliveries are held: "
        "resume the destination once it can"
    )


def _load_builtin() -> None:
    # Built-in handlers register on import; imported late so handler modules can import this one.
    import hub.accounting.handler  # noqa: F401
    import hub.delivery.channel_handlers  # noqa: F401
    import hub.delivery.edi_fulfillment  # noqa: F401
    import hub.delivery.fulfillment  # noqa: F401
    import hub.delivery.purchase_orders  # noqa: F401
    import hub.events.handler  # noqa: F401
