"""A mapping's ``fields`` blocks run as generated functions (hub.mapping.generate); the interpreted closures
are the reference. Every golden input gives the same document, or the same error naming the same field and
input path, both ways; and a mapping loaded from edited text runs its own generated code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub.mapping import MappingInputError, operations, parse_mapping
from hub.mapping.loader import Mapping

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
FILES = sorted(path for path in MAPPINGS.glob("*/*.yaml"))
INPUTS = sorted(MAPPINGS.glob("*/*.cases/*.in.json"))


def _both(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Mapping, Mapping]:
    name = path.relative_to(MAPPINGS).with_suffix("").as_posix()
    text = path.read_text(encoding="utf-8")
    generated = parse_mapping(name, text)
    monkeypatch.setattr(operations, "GENERATE", False)
    interpreted = parse_mapping(name, text)
    monkeypatch.setattr(operations, "GENERATE", True)
    return generated, interpreted


def _outcome(mapping: Mapping, data: Any) -> tuple[str, Any]:
    try:
        return "document", mapping.run(data)
    except MappingInputError as exc:
        return "error", (str(exc), exc.field, exc.source)


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.relative_to(MAPPINGS).as_posix())
def test_generated_and_interpreted_agree_on_every_golden_input(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generated, interpreted = _both(path, monkeypatch)
    assert hasattr(generated._build, "source") and not hasattr(interpreted._build, "source")
    # every input of every mapping, not only its own cases: other shapes reach the error paths
    for case in INPUTS:
        data = json.loads(case.read_text(encoding="utf-8"))
        assert _outcome(generated, data) == _outcome(interpreted, data), case.name


def test_blank_lists_and_wrong_shapes_read_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    text = """
document: order.v1
fields:
  a: {copy: x.y, default: none}
  b: x
  c: {first: [x.z, "$.w", {const: "  "}], default: dflt}
  d: {lookup: {"true": yes, "1": one}, from: k, strict: true}
  e: {money: p, currency: {copy: cur, default: USD}}
  f: {call: x12_first, args: [l], as: string}
  g: {copy: n, as: integer, required: true}
"""
    generated = parse_mapping("t/blank", text)
    monkeypatch.setattr(operations, "GENERATE", False)
    interpreted = parse_mapping("t/blank", text)
    inputs: list[Any] = [
        {"x": {"y": "  ", "z": []}, "w": " w ", "k": True, "p": "1.50", "l": [" v "], "n": "7"},
        {"x": {"y": []}, "k": 1, "p": 2, "cur": "eur", "l": [], "n": 3.0},
        {"x": "text", "n": "1"},
        {"x": {"y": "v"}, "k": "2", "n": "1"},
        {"x": {"y": "v"}, "p": "abc", "n": "1"},
        {"x": {"y": "v"}, "n": "1.5"},
        {"x": {"y": "v"}},
        [],
    ]
    for data in inputs:
        assert _outcome(generated, data) == _outcome(interpreted, data)
    assert _outcome(generated, {"x": {"y": "v"}})[1][1:] == ("g", "n")


def test_an_edited_and_reloaded_mapping_runs_its_own_code() -> None:
    text = (MAPPINGS / "x12" / "850.yaml").read_text(encoding="utf-8")
    data = json.loads((MAPPINGS / "x12" / "850.cases" / "allowances_charges.in.json").read_text(encoding="utf-8"))
    shipped = parse_mapping("x12/850", text)
    edited = parse_mapping("x12/850", text.replace("uom: {copy: PO1.03, default: EA}", "uom: {const: CA}"))
    assert {line["uom"] for line in edited.run(data)["lines"]} == {"CA"}
    assert {line["uom"] for line in shipped.run(data)["lines"]} != {"CA"}
