"""The state machine engine: a machine is data (states and transitions read from a file), firing it is pure.

A transition says which event moves an object from which states to which state, optionally behind a named
guard (a reviewed predicate from ``hub.lifecycle.guards``, called with the context given to ``fire``)::

    ship:
      - {from: [sent, accepted, partially_shipped], to: shipped, guard: all_units_shipped}
      - {from: [sent, accepted, partially_shipped], to: partially_shipped}

An event's transitions are tried in the order written; the first whose source matches and whose guard holds
decides. Two uses:

* event-driven objects (fulfillment orders, returns): ``fire(state, event, context)`` returns the new state;
* objects whose state is derived from quantities (lines, orders): the caller derives the new state and asks
  ``fire(state, event, context, target=derived)`` whether the machine declares that move. A transition may
  list several targets for this (``to: [partially_allocated, allocated]``), or none, meaning the event is
  allowed and leaves the state as it is.

Either way an undeclared move raises ``IllegalTransition`` naming the machine, the state, the event and the
events the state does allow; nothing is changed, since firing computes a value and stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.lifecycle.errors import IllegalTransition


@dataclass(frozen=True)
class State:
    name: str
    description: str
    status: str | None = None  # the canonical document's status this state shows as, when the machine has one


@dataclass(frozen=True)
class Transition:
    event: str
    sources: frozenset[str]
    targets: tuple[str, ...]  # empty: the event leaves the state as it is
    guard: str | None = None
    check: Callable[[Any], bool] | None = field(default=None, compare=False, repr=False)
    requirement: str = ""  # what the guard requires, in words, for refusals

    def destinations(self, state: str) -> tuple[str, ...]:
        return self.targets or (state,)


@dataclass(frozen=True)
class Machine:
    name: str
    description: str
    initial: str
    terminal: frozenset[str]
    states: Mapping[str, State]
    transitions: Mapping[str, tuple[Transition, ...]]
    canonical: str | None = None  # canonical document whose status the states map to (order.v1, return.v1)
    source: str = ""

    def allowed_events(self, state: str) -> list[str]:
        """Events with a transition from ``state``, guards not evaluated."""
        return sorted(event for event, options in self.transitions.items() if any(state in t.sources for t in options))

    def is_terminal(self, state: str) -> bool:
        return state in self.terminal

    def status_of(self, state: str) -> str | None:
        """The canonical status ``state`` shows as (None when the machine maps to no canonical document)."""
        return self._state(state).status

    def check_event(self, state: str, event: str, *, subject: str = "") -> list[Transition]:
        """The transitions ``event`` has from ``state``; ``IllegalTransition`` when it has none at all.

        Callers check this before computing quantities, so a final or unsuitable state is what the user
        hears about, rather than a shortage of units that follows from it.
        """
        self._state(state)
        candidates = [t for t in self.transitions.get(event, ()) if state in t.sources]
        if not candidates:
            detail = "" if event in self.transitions else f"{event!r} is not an event of this machine"
            raise self._refuse(state, event, subject, detail, "event")
        return candidates

    def fire(self, state: str, event: str, context: Any = None, *, target: str | None = None, subject: str = "") -> str:
        """The state ``event`` leads to from ``state``; with ``target``, check that move is declared and return it.

        ``context`` is handed to guards; ``subject`` names the object in errors ("'fo_123'", "'A'").
        Raises ``IllegalTransition``.
        """
        candidates = self.check_event(state, event, subject=subject)
        if target is not None:
            self._state(target)
        refused: list[str] = []
        reachable: list[str] = []
        for transition in candidates:
            if transition.check is not None and not transition.check(context):
                refused.append(transition.requirement or f"guard {transition.guard}")
                continue
            destinations = transition.destinations(state)
            if target is None:
                if len(destinations) != 1:
                    raise ValueError(f"{self.name}: {event} from {state} has several targets; give the derived one")
                return destinations[0]
            if target in destinations:
                return target
            reachable.extend(d for d in destinations if d not in reachable)
        if reachable:
            detail = f"it would lead to {target}, but from {state} it leads only to {', '.join(reachable)}"
            raise self._refuse(state, event, subject, detail, "target")
        raise self._refuse(state, event, subject, "requires " + " or ".join(refused), "guard")

    def _state(self, name: str) -> State:
        try:
            return self.states[name]
        except KeyError:
            known = ", ".join(self.states)
            raise ValueError(f"{self.name} machine has no state {name!r}; its states: {known}") from None

    def _refuse(self, state: str, event: str, subject: str, detail: str, refusal: str) -> IllegalTransition:
        allowed = self.allowed_events(state)
        return IllegalTransition(self.name, state, event, allowed, subject=subject, detail=detail, refusal=refusal)
