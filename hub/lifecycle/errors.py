"""Errors of the order lifecycle; each says what was refused, where, and what would be allowed instead.

::

    HubError
    ├── InputRejected
    │   ├── LifecycleRejected        an operation cannot apply to the order as it stands; nothing changed
    │   │   ├── IllegalTransition    a machine has no move for this event from the current state
    │   │   ├── QuantityRejected     a quantity ledger invariant would break (ship more than released ...)
    │   │   └── UnknownReference     the operation names a line, fulfillment order or return the order lacks
    │   └── LifecycleNotFound        no lifecycle (or no order) with that id is stored
    ├── ConfigurationError
    │   └── MachineFileError         a machine file is malformed or names an unknown state or guard
    └── LifecycleConflict            another transaction changed the order meanwhile; run the operation again

A refused operation raises before anything is written, so the caller's transaction can go on or roll back.
"""

from __future__ import annotations

from collections.abc import Iterable

from hub.errors import ConfigurationError, HubError, InputRejected


class LifecycleRejected(InputRejected):
    """An operation the order's current state does not allow; the order is left exactly as it was."""


class IllegalTransition(LifecycleRejected):
    """``machine`` has no move for ``event`` from ``state``; ``allowed`` lists the events it does accept there.

    ``refusal`` says why: ``event`` (no transition for the event from this state), ``guard`` (every transition
    from here is guarded and each guard said no) or ``target`` (the state the quantities lead to is not one the
    event may reach from here, which points at a machine file that disagrees with the ledger).
    """

    def __init__(
        self,
        machine: str,
        state: str,
        event: str,
        allowed: Iterable[str],
        *,
        subject: str = "",
        detail: str = "",
        refusal: str = "event",
    ) -> None:
        self.machine = machine
        self.state = state
        self.event = event
        self.allowed = tuple(sorted(allowed))
        self.subject = subject
        self.detail = detail
        self.refusal = refusal
        kind = machine.replace("_", " ")
        who = f"{kind} {subject}" if subject else kind
        options = ", ".join(self.allowed) if self.allowed else "none (it is final)"
        because = f": {detail}" if detail else ""
        super().__init__(f"{who}: cannot {event} while {state}{because}; events allowed while {state}: {options}")


class QuantityRejected(LifecycleRejected):
    """A ledger operation would break an invariant of a line's quantities."""


class UnknownReference(LifecycleRejected):
    """The operation names something the order does not have."""


class LifecycleNotFound(InputRejected):
    """No order, or no lifecycle for it, is stored under the id given."""


class MachineFileError(ConfigurationError):
    """A state machine file is malformed; the message names the file and the path inside it."""


class LifecycleConflict(HubError):
    """Another transaction changed the same order while this one ran; the operation can simply be repeated."""

    exit_code = 3
