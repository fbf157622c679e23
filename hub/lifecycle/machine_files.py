"""Machine files: read ``hub/lifecycle/machines/<name>.yaml``, check them once, and build ``Machine`` values.

A file is checked in two passes, and refused with ``MachineFileError`` naming the file and the path inside it
(``transitions.ship[1].to``) on the first problem found:

1. against ``schemas/lifecycle.schema.json`` (the published schema editors and CI can use too);
2. for what a schema cannot say: every state named in ``initial``, ``terminal``, ``from`` and ``to`` is
   declared, every guard is registered in ``hub.lifecycle.guards``, no transition leaves a final state, every
   state can be reached from the initial one, and when the machine names a canonical document, every state
   maps to one of that document's statuses.

``machine(name, states)`` is what the lifecycle uses: it also checks the file declares exactly the states the
code derives (``states`` is the code's enum), so the data and the code cannot drift apart unnoticed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from enum import Enum, StrEnum
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from hub.canonical import document_class
from hub.canonical.errors import UnknownDocumentError
from hub.lifecycle.errors import MachineFileError
from hub.lifecycle.guards import GUARDS
from hub.lifecycle.machine import Machine, State, Transition
from hub.resources import resource

MACHINES = ("order", "line", "fulfillment_order", "return")


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads((resource("schemas") / "lifecycle.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def machine_path(name: str) -> Path:
    """Where the shipped file of machine ``name`` lives (in a checkout or an installed wheel)."""
    if name not in MACHINES:
        raise MachineFileError(f"unknown lifecycle machine {name!r}; known machines: {', '.join(MACHINES)}")
    return Path(str(files("hub.lifecycle") / "machines" / f"{name}.yaml"))


def load_machine_file(path: str | Path) -> Machine:
    """Read, check and build the machine in ``path``; ``MachineFileError`` says what is wrong and where."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except OSError as exc:
        raise MachineFileError(f"{source}: cannot be read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise MachineFileError(f"{source}: is not valid YAML: {exc}") from None
    return build_machine(data, source)


def build_machine(data: Any, source: str) -> Machine:
    """The machine described by ``data`` (a parsed file); ``source`` names the file in errors."""
    errors = sorted(_validator().iter_errors(data), key=lambda error: list(map(str, error.absolute_path)))
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise MachineFileError(f"{source}: {_where(first.absolute_path)}: {first.message}{more}")
    states = _states(data, source)
    _check_references(data, states, source)
    transitions = {event: _transitions(data, event, states, source) for event in data["transitions"]}
    machine = Machine(
        name=data["machine"],
        description=data["description"],
        initial=data["initial"],
        terminal=frozenset(data["terminal"]),
        states=states,
        transitions=transitions,
        canonical=data.get("canonical"),
        source=source,
    )
    _check_final_states(machine, data, source)
    _check_reachable(machine, source)
    return machine


@cache
def machine(name: str, states: type[StrEnum]) -> Machine:
    """The shipped machine ``name``, checked against the states the code knows (``states``)."""
    loaded = load_machine_file(machine_path(name))
    if loaded.name != name:
        raise MachineFileError(f"{loaded.source}: machine: is {loaded.name!r}, but the file is for {name!r}")
    declared, known = set(loaded.states), {state.value for state in states}
    if declared != known:
        parts = []
        if declared - known:
            parts.append(f"declares states the code never derives: {', '.join(sorted(declared - known))}")
        if known - declared:
            parts.append(f"lacks states the code derives: {', '.join(sorted(known - declared))}")
        raise MachineFileError(f"{loaded.source}: states: " + "; ".join(parts))
    return loaded


def _where(path: Iterable[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _states(data: Mapping[str, Any], source: str) -> dict[str, State]:
    statuses = _canonical_statuses(data, source)
    states = {}
    for name, spec in data["states"].items():
        status = spec.get("status")
        if statuses is not None:
            if status is None:
                raise MachineFileError(f"{source}: states.{name}: needs a status of {data['canonical']}")
            if status not in statuses:
                raise MachineFileError(
                    f"{source}: states.{name}.status: {status!r} is not a status of {data['canonical']}; "
                    f"its statuses: {', '.join(statuses)}"
                )
        elif status is not None:
            raise MachineFileError(f"{source}: states.{name}.status: set, but the machine names no `canonical`")
        states[name] = State(name=name, description=spec["description"], status=status)
    return states


def _canonical_statuses(data: Mapping[str, Any], source: str) -> list[str] | None:
    name = data.get("canonical")
    if name is None:
        return None
    try:
        document = document_class(name)
    except UnknownDocumentError as exc:
        raise MachineFileError(f"{source}: canonical: {exc}") from None
    field = document.model_fields.get("status")
    enum = field.annotation if field is not None else None
    if not (isinstance(enum, type) and issubclass(enum, Enum)):
        raise MachineFileError(f"{source}: canonical: {name} has no status to map states to")
    return [str(member.value) for member in enum]


def _transition_path(data: Mapping[str, Any], event: str, index: int) -> str:
    return f"transitions.{event}[{index}]" if isinstance(data["transitions"][event], list) else f"transitions.{event}"


def _known_state(state: str, states: Mapping[str, State], source: str, where: str) -> None:
    if state not in states:
        raise MachineFileError(f"{source}: {where}: unknown state {state!r}; declared states: {', '.join(states)}")


def _transitions(
    data: Mapping[str, Any], event: str, states: Mapping[str, State], source: str
) -> tuple[Transition, ...]:
    spec = data["transitions"][event]
    built = []
    for index, item in enumerate(spec if isinstance(spec, list) else [spec]):
        where = _transition_path(data, event, index)
        raw_targets = item.get("to")
        targets = [raw_targets] if isinstance(raw_targets, str) else list(raw_targets or [])
        for position, state in enumerate(item["from"]):
            _known_state(state, states, source, f"{where}.from[{position}]")
        for position, state in enumerate(targets):
            _known_state(
                state, states, source, f"{where}.to[{position}]" if isinstance(raw_targets, list) else f"{where}.to"
            )
        guard = GUARDS.get(item["guard"]) if "guard" in item else None
        if "guard" in item and guard is None:
            raise MachineFileError(
                f"{source}: {where}.guard: unknown guard {item['guard']!r}; known guards: {', '.join(sorted(GUARDS))}"
            )
        built.append(
            Transition(
                event=event,
                sources=frozenset(item["from"]),
                targets=tuple(targets),
                guard=guard.name if guard else None,
                check=guard.check if guard else None,
                requirement=guard.requirement if guard else "",
            )
        )
    return tuple(built)


def _check_references(data: Mapping[str, Any], states: Mapping[str, State], source: str) -> None:
    _known_state(data["initial"], states, source, "initial")
    for position, state in enumerate(data["terminal"]):
        _known_state(state, states, source, f"terminal[{position}]")


def _check_final_states(machine: Machine, data: Mapping[str, Any], source: str) -> None:
    for event, options in machine.transitions.items():
        for index, transition in enumerate(options):
            leaving = sorted(transition.sources & machine.terminal)
            if leaving:
                raise MachineFileError(
                    f"{source}: {_transition_path(data, event, index)}.from: {leaving[0]!r} is a final state "
                    "(listed in `terminal`), so no event may leave it"
                )


def _check_reachable(machine: Machine, source: str) -> None:
    seen, frontier = {machine.initial}, [machine.initial]
    while frontier:
        state = frontier.pop()
        for options in machine.transitions.values():
            for transition in options:
                if state in transition.sources:
                    fresh = [target for target in transition.targets if target not in seen]
                    seen.update(fresh)
                    frontier.extend(fresh)
    unreachable = [name for name in machine.states if name not in seen]
    if unreachable:
        raise MachineFileError(
            f"{source}: states.{unreachable[0]}: cannot be reached from the initial state {machine.initial!r}"
        )
