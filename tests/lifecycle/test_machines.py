"""The machine files: the shipped ones load and agree with the code and the canonical statuses; a broken
file is refused naming the file and the place in it; firing is pure and its refusals say what is allowed."""

from __future__ import annotations

import json
import zipfile
from enum import StrEnum
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from hub.canonical import OrderStatus, ReturnStatus
from hub.lifecycle import IllegalTransition, MachineFileError, OrderState
from hub.lifecycle.guards import GUARDS, Change
from hub.lifecycle.machine_files import MACHINES, build_machine, load_machine_file, machine, machine_path
from hub.lifecycle.quantities import LineState
from tests.test_packaging import wheel  # noqa: F401 -- the module-scoped fixture that builds the wheel

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "lifecycle.schema.json"
DOOR: dict[str, Any] = {
    "machine": "door",
    "description": "A door, to check machine files with.",
    "initial": "closed",
    "terminal": ["broken"],
    "states": {
        "closed": {"description": "Shut."},
        "open": {"description": "Open."},
        "broken": {"description": "Off its hinges."},
    },
    "transitions": {
        "open": {"from": ["closed"], "to": "open"},
        "shut": {"from": ["open"], "to": "closed"},
        "smash": [{"from": ["closed", "open"], "to": "broken", "guard": "not_yet_validated"}],
        "knock": {"from": ["closed", "open"]},
    },
}


def test_every_machine_loads_and_matches_the_states_the_code_derives() -> None:
    from hub.lifecycle import fulfillment_machine, line_machine, order_machine, return_machine

    loaded = [order_machine(), line_machine(), fulfillment_machine(), return_machine()]
    assert [m.name for m in loaded] == list(MACHINES)
    assert set(line_machine().states) == {state.value for state in LineState}
    assert set(order_machine().states) == {state.value for state in OrderState}
    for each in loaded:
        assert each.initial in each.states and each.terminal <= set(each.states)


def test_the_published_schema_accepts_every_shipped_machine() -> None:
    schema = json.loads(SCHEMA.read_text())
    Draft202012Validator.check_schema(schema)
    for name in MACHINES:
        data = yaml.safe_load(machine_path(name).read_text())
        assert list(Draft202012Validator(schema).iter_errors(data)) == [], name


@pytest.mark.parametrize(("name", "statuses"), [("order", OrderStatus), ("return", ReturnStatus)])
def test_states_show_as_every_canonical_status(name: str, statuses: type[StrEnum]) -> None:
    loaded = load_machine_file(machine_path(name))
    shown = {loaded.status_of(state) for state in loaded.states}
    assert shown == {status.value for status in statuses}


def test_order_states_map_as_documented() -> None:
    from hub.lifecycle import order_machine

    orders = order_machine()
    assert orders.status_of("partially_allocated") == OrderStatus.VALIDATED
    assert orders.status_of("backordered") == OrderStatus.VALIDATED
    assert orders.status_of("partially_delivered") == OrderStatus.SHIPPED
    assert orders.status_of("on_hold") == OrderStatus.ON_HOLD


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "door.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _door(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(DOOR))
    data.update(changes)
    return data


BROKEN = [
    (_door(initial="ajar"), "initial: unknown state 'ajar'; declared states: closed, open, broken"),
    (_door(terminal=["closed", "gone"]), "terminal[1]: unknown state 'gone'"),
    (
        _door(transitions={**DOOR["transitions"], "open": {"from": ["ajar"], "to": "open"}}),
        "transitions.open.from[0]: unknown state 'ajar'",
    ),
    (
        _door(transitions={**DOOR["transitions"], "smash": [{"from": ["open"], "to": "ruined"}]}),
        "transitions.smash[0].to: unknown state 'ruined'",
    ),
    (
        _door(transitions={**DOOR["transitions"], "smash": [{"from": ["open"], "to": ["broken", "gone"]}]}),
        "transitions.smash[0].to[1]: unknown state 'gone'",
    ),
    (
        _door(transitions={**DOOR["transitions"], "smash": [{"from": ["open"], "to": "broken", "guard": "is_locked"}]}),
        "transitions.smash[0].guard: unknown guard 'is_locked'; known guards: ",
    ),
    (
        _door(transitions={**DOOR["transitions"], "repair": {"from": ["broken"], "to": "closed"}}),
        "transitions.repair.from: 'broken' is a final state (listed in `terminal`), so no event may leave it",
    ),
    (
        _door(states={**DOOR["states"], "painted": {"description": "Painted."}}),
        "states.painted: cannot be reached from the initial state 'closed'",
    ),
    ({key: value for key, value in DOOR.items() if key != "initial"}, "(top level): 'initial' is a required property"),
    (
        _door(transitions={**DOOR["transitions"], "open": {"from": ["closed"], "to": "open", "when": "x"}}),
        "transitions.open: Additional properties are not allowed ('when' was unexpected)",
    ),
    (_door(states={**DOOR["states"], "open": {}}), "states.open: 'description' is a required property"),
    (
        _door(transitions={**DOOR["transitions"], "open": {"from": "closed", "to": "open"}}),
        "transitions.open.from: 'closed' is not of type 'array'",
    ),
    (_door(canonical="order.v1"), "states.closed: needs a status of order.v1"),
    (_door(canonical="door.v1"), "canonical: "),
    (
        _door(states={**DOOR["states"], "closed": {"description": "Shut.", "status": "closed"}}),
        "states.closed.status: set, but the machine names no `canonical`",
    ),
    (
        _door(
            canonical="order.v1",
            states={name: {"description": "x", "status": "ajar"} for name in DOOR["states"]},
        ),
        "states.closed.status: 'ajar' is not a status of order.v1; its statuses: received, validated",
    ),
]


@pytest.mark.parametrize(("data", "message"), BROKEN, ids=lambda value: "" if isinstance(value, dict) else value[:40])
def test_a_broken_machine_file_is_refused_naming_the_file_and_the_place(
    tmp_path: Path, data: dict[str, Any], message: str
) -> None:
    path = _write(tmp_path, data)
    with pytest.raises(MachineFileError) as refused:
        load_machine_file(path)
    assert str(refused.value).startswith(f"{path}: ")
    assert message in str(refused.value)


def test_unreadable_and_malformed_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MachineFileError, match="cannot be read"):
        load_machine_file(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("machine: door\nstates: {closed: [\n")
    with pytest.raises(MachineFileError, match=r"bad\.yaml: is not valid YAML"):
        load_machine_file(bad)
    with pytest.raises(MachineFileError, match="unknown lifecycle machine 'door'; known machines: order, line"):
        machine_path("door")


def test_a_file_that_disagrees_with_the_code_is_refused() -> None:
    class Fewer(StrEnum):
        PENDING = "pending"
        TELEPORTED = "teleported"

    with pytest.raises(MachineFileError) as refused:
        machine("line", Fewer)
    message = str(refused.value)
    assert "line.yaml: states: declares states the code never derives: allocated" in message
    assert "lacks states the code derives: teleported" in message


def test_fire_moves_and_refusals_name_machine_state_event_and_allowed_events() -> None:
    door = build_machine(DOOR, "door.yaml")
    assert door.fire("closed", "open") == "open"
    assert door.fire("open", "knock") == "open"  # no `to`: allowed, state unchanged
    with pytest.raises(IllegalTransition) as refused:
        door.fire("open", "open", subject="'front'")
    error = refused.value
    assert (error.machine, error.state, error.event, error.allowed, error.refusal) == (
        "door",
        "open",
        "open",
        ("knock", "shut", "smash"),
        "event",
    )
    assert str(error) == "door 'front': cannot open while open; events allowed while open: knock, shut, smash"
    with pytest.raises(IllegalTransition, match="'fly' is not an event of this machine"):
        door.fire("open", "fly")
    assert door.allowed_events("broken") == [] and door.is_terminal("broken")
    with pytest.raises(IllegalTransition, match="events allowed while broken: none \\(it is final\\)"):
        door.fire("broken", "open")
    with pytest.raises(ValueError, match="door machine has no state 'ajar'"):
        door.fire("ajar", "open")


def test_guards_decide_and_their_refusal_says_what_they_require() -> None:
    door = build_machine(DOOR, "door.yaml")
    fresh = Change(SimpleNamespace(validated=False), SimpleNamespace(validated=True))
    assert door.fire("open", "smash", fresh) == "broken"
    checked = Change(SimpleNamespace(validated=True), SimpleNamespace(validated=True))
    with pytest.raises(IllegalTransition) as refused:
        door.fire("open", "smash", checked)
    assert refused.value.refusal == "guard"
    assert f"cannot smash while open: requires {GUARDS['not_yet_validated'].requirement}" in str(refused.value)


def test_a_derived_target_must_be_a_declared_move() -> None:
    door = build_machine(_door(transitions={"open": {"from": ["closed"], "to": ["open", "broken"]}}), "door.yaml")
    assert door.fire("closed", "open", target="broken") == "broken"
    with pytest.raises(IllegalTransition) as refused:
        door.fire("closed", "open", target="closed")
    assert refused.value.refusal == "target"
    assert "it would lead to closed, but from closed it leads only to open, broken" in str(refused.value)
    with pytest.raises(ValueError, match="several targets"):
        door.fire("closed", "open")


def test_the_wheel_ships_the_machines_and_their_schema(wheel: Path) -> None:  # noqa: F811
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"hub/lifecycle/machines/{name}.yaml" for name in MACHINES} <= names
    assert "hub/resources/schemas/lifecycle.schema.json" in names
