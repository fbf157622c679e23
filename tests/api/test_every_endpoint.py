"""Every operation in the API's registry, swept for authorization and validation.

The operations are read from ``hub.api.registry.OPERATIONS`` when the tests are collected, so an endpoint
added tomorrow is swept without touching this file. For each one:

* no token, or a token the hub does not know, is a 401 problem;
* each scope below the operation's is a 403 problem naming the scope needed, and its own scope is let by;
* a query parameter it does not take, a filter value of the wrong type, a missing required filter, a body of
  the wrong JSON type, a body field of the wrong type or a missing required field is a 400 or 422 problem
  naming the parameter or field;
* a path that names nothing is a 404 problem;

and nothing is ever a 500. A last test checks that each operation is also called by a functional test.

Bodies and wrong values are made from each operation's own models (their JSON Schema), so the sweep needs no
list of endpoints kept by hand.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import find, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from werkzeug.test import TestResponse

import hub.api  # noqa: F401 - importing the package declares every operation
from hub.api.auth import SCOPES, revoke_token
from hub.api.registry import MAX_DEPTH, OPERATIONS, Operation
from tests.api.conftest import Api, problem

NOTHING_INT = 987_654_321  # a row id no test makes
NOTHING_TEXT = "nothing-here"
WRONG_VALUES: tuple[Any, ...] = ({"wrong": True}, [True], "not-a-valid-value", True, 12.5)
WRONG_FILTER = "not-a-valid-value"
HERE = Path(__file__)


def _id(op: Operation) -> str:
    return f"{op.method} {op.path}"


def _ops(*, where: Any = lambda op: True) -> Any:
    return pytest.mark.parametrize("op", [op for op in OPERATIONS if where(op)], ids=_id)


def _path(op: Operation, number: int = NOTHING_INT, text: str = NOTHING_TEXT) -> str:
    """The operation's path with each parameter naming nothing."""
    values = {name: str(number) if converter == "int" else text for name, converter in op.path_parameters}
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], op.path)


def _call(api: Api, op: Operation, token: str | None, **options: Any) -> TestResponse:
    if op.body is not None and "json" not in options and "data" not in options:
        options["json"] = {}
    path = options.pop("path", None) or _path(op)
    response = api.call(op.method, path + options.pop("query", ""), token, **options)
    assert response.status_code < 500, f"{_id(op)}: {response.status_code} {response.get_data(as_text=True)}"
    return response


def _names(body: dict[str, Any]) -> list[str]:
    return [error["name"] for error in body["errors"]]


def _refused(response: TestResponse, context: object) -> dict[str, Any]:
    """The 400 or 422 problem of ``response`` (which it depends on where the mistake is)."""
    assert response.status_code in (400, 422), f"{context}: {response.status_code} {response.get_data(as_text=True)}"
    return problem(response, response.status_code)


# -- requests made from the operation's own models ------------------------------------------------------------


def _required(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items() if field.is_required()]


def _string(schema: dict[str, Any], taken: set[str]) -> str:
    """The simplest string the schema allows that is not yet in the body (two identities must differ)."""
    if schema.get("format") == "date-time":
        return "2026-01-02T03:04:05Z"
    if schema.get("format") == "date":
        return "2026-01-02"
    shortest, longest = schema.get("minLength", 1), schema.get("maxLength", 64)
    found: str = find(
        st.from_regex(schema.get("pattern", r"^[a-z]+$")),
        lambda text: shortest <= len(text) <= longest and text not in taken,
        settings=settings(database=None, max_examples=2000),
    )
    taken.add(found)
    return found


def _minimal(schema: dict[str, Any], root: dict[str, Any], taken: set[str]) -> Any:
    """The smallest instance of a JSON Schema as pydantic writes them: required properties (and tags) only."""
    if "$ref" in schema:
        return _minimal(root["$defs"][schema["$ref"].rsplit("/", 1)[1]], root, taken)
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("oneOf", "anyOf", "allOf"):
        if key in schema:
            return _minimal(schema[key][0], root, taken)
    kind = schema.get("type", "object")
    if kind == "object":
        properties = schema.get("properties", {})
        wanted = [name for name, part in properties.items() if name in schema.get("required", ()) or "const" in part]
        return {name: _minimal(properties[name], root, taken) for name in wanted}
    if kind == "array":
        return [_minimal(schema.get("items", {}), root, taken) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        return _string(schema, taken)
    if kind in ("integer", "number"):
        return max(1, schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 1)
    return False if kind == "boolean" else None


@cache
def _made_body(model: type[BaseModel]) -> str:
    schema = model.model_json_schema()
    body = _minimal(schema, schema, set())
    model.model_validate(body)  # a body this cannot make fails here, saying which model and why
    return json.dumps(body)


def _valid_body(model: type[BaseModel]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(_made_body(model))
    return body


def _typed_filters(model: type[BaseModel]) -> list[str]:
    """Query parameters that refuse an arbitrary word (numbers, dates, flags, choices), by the name sent."""
    found = []
    for name, field in model.model_fields.items():
        sent = field.alias or name
        try:
            model.model_validate({sent: WRONG_FILTER})
        except ValidationError as error:
            if any(item["loc"][:1] == (sent,) for item in error.errors()):
                found.append(sent)
    return found


def _text_filters(model: type[BaseModel]) -> list[str]:
    typed = _typed_filters(model)
    return [field.alias or name for name, field in model.model_fields.items() if (field.alias or name) not in typed]


def _wrong_fields(model: type[BaseModel]) -> Iterator[tuple[str, Any]]:
    """(field, a value of the wrong JSON type for it) for each body field that refuses some JSON value."""
    body = _valid_body(model)
    for name, field in model.model_fields.items():
        sent = field.alias or name
        for value in WRONG_VALUES:
            try:
                model.model_validate(body | {sent: value})
            except ValidationError:
                yield sent, value
                break


# -- authentication and scopes --------------------------------------------------------------------------------


@_ops()
def test_tokens_and_scopes(api: Api, op: Operation) -> None:
    """No token, an unknown or a revoked one: 401; a lower scope: 403 naming the one needed; its own is let by."""
    api.token("admin", "someone-else")  # a token exists, just not the one sent
    for token in (None, "ohk_" + "A" * 43):
        refused = _call(api, op, token)
        assert problem(refused, 401)["title"], refused
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    for scope in SCOPES[: SCOPES.index(op.scope)]:
        refused = problem(_call(api, op, api.token(scope)), 403)
        assert repr(op.scope) in refused["detail"], (scope, refused)
    own = api.token(op.scope, "own")
    answered = _call(api, op, own)
    assert answered.status_code not in (401, 403), answered.get_data(as_text=True)
    with api.database.session() as session:
        revoke_token(session, "own")
    assert "revoked" in problem(_call(api, op, own), 401)["detail"]


# -- validation -----------------------------------------------------------------------------------------------


@_ops()
def test_bad_input_is_refused_naming_it_and_a_path_naming_nothing_is_404(api: Api, op: Operation) -> None:
    token = api.token(op.scope)
    refused = problem(_call(api, op, token, query="?no_such_filter=1"), 400)
    assert {"name": "no_such_filter", "in": "query", "detail": "unknown parameter"} in refused["errors"], refused
    if op.query is not None:
        _check_query(api, op, op.query, token)
    if op.body is not None:
        _check_body(api, op, op.body, token)
    if op.path_parameters:
        _check_path(api, op, token)


def _check_path(api: Api, op: Operation, token: str) -> None:
    """Parameters naming nothing (but a PUT creates what its path names), or that no row could have."""
    given = {"query": _valid_query(op), "json": _valid_body(op.body) if op.body is not None else None}
    paths = [_path(op, number=2**63, text="x" * 300)] + ([_path(op)] if op.method != "PUT" else [])
    for path in paths:
        assert problem(_call(api, op, token, path=path, **given), 404)["title"] == "No such resource", path


def _valid_query(op: Operation) -> str:
    if op.query is None:
        return ""
    return "?" + urlencode(_valid_body(op.query))


def _check_query(api: Api, op: Operation, model: type[BaseModel], token: str) -> None:
    """Each filter of the wrong type, or with a NUL (which PostgreSQL cannot compare), and each missing one."""
    given = _valid_body(model)
    wrong = [(name, WRONG_FILTER) for name in _typed_filters(model)]
    for name, value in [*wrong, *((name, "a\x00b") for name in _text_filters(model))]:
        refused = problem(_call(api, op, token, query="?" + urlencode(given | {name: value})), 400)
        assert name in _names(refused) and {e["in"] for e in refused["errors"]} == {"query"}, (name, refused)
    for name in given:
        rest = {key: value for key, value in given.items() if key != name}
        refused = problem(_call(api, op, token, query="?" + urlencode(rest)), 400)
        assert name in _names(refused), (name, refused)


def _check_body(api: Api, op: Operation, model: type[BaseModel], token: str) -> None:
    """A body that is no JSON object, not JSON, not sent as JSON, nested too deep; a field of the wrong type or
    missing."""
    for wrong in ("[]", '"text"', "7", "null"):
        refused = _refused(_call(api, op, token, data=wrong, content_type="application/json"), wrong)
        assert _names(refused) == ["(body)"], (wrong, refused)
    assert problem(_call(api, op, token, data="{not json", content_type="application/json"), 400)["detail"]
    assert problem(_call(api, op, token, data="reason=x", content_type="text/plain"), 415)["detail"]
    for depth in (MAX_DEPTH + 1, 10_000):  # a parser or a check that recurses would run out of stack
        deep = _call(api, op, token, data="[" * depth + "]" * depth, content_type="application/json")
        assert f"more than {MAX_DEPTH} levels" in problem(deep, 400)["detail"], depth
    body = _valid_body(model)
    for name, value in _wrong_fields(model):
        names = _names(_refused(_call(api, op, token, json=body | {name: value}), (name, value)))
        assert any(found == name or found.startswith(f"{name}.") for found in names), (name, value, names)
    for name in _required(model):
        rest = {key: value for key, value in body.items() if key != name}
        assert name in _names(_refused(_call(api, op, token, json=rest), f"without {name}")), name


# -- every operation has a functional test --------------------------------------------------------------------

SWEPT = (HERE.parent, HERE.parents[1] / "reports")  # the API's tests, and the report API's beside its reports
PLACEHOLDER = "\x00"  # where a test's path is computed (an f-string field, a variable part)


def _text(node: ast.expr, names: dict[str, list[ast.expr]], depth: int = 0) -> list[str]:
    """The strings an expression can be, with computed parts as PLACEHOLDER (names resolved in the module)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        parts = [_text(v, names, depth) if isinstance(v, ast.Constant) else [PLACEHOLDER] for v in node.values]
        return ["".join(p[0] for p in parts)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [a + b for a in _text(node.left, names, depth) for b in _text(node.right, names, depth)]
    if isinstance(node, ast.Name) and depth < 3:
        return [text for value in names.get(node.id, []) for text in _text(value, names, depth + 1)]
    if isinstance(node, ast.Tuple | ast.List):
        return [text for item in node.elts for text in _text(item, names, depth)]
    return [PLACEHOLDER]


def _assignments(tree: ast.Module) -> dict[str, list[ast.expr]]:
    """What each name is given anywhere in the module: assigned, or looped over."""
    names: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    names.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.For) and isinstance(node.target, ast.Name):
            names.setdefault(node.target.id, []).append(node.iter)
    return names


def _calls(source: str) -> Iterator[tuple[str, str]]:
    """(METHOD, path) of each ``api.get(path)``, ``api.post(path)`` and ``api.call(METHOD, path)``."""
    tree = ast.parse(source)
    names = _assignments(tree)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
            continue
        verb, args = node.func.attr, node.args
        if verb == "call" and len(args) > 1 and isinstance(args[0], ast.Constant):
            verb, args = str(args[0].value), args[1:]
        if verb.upper() in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            for path in _text(args[0], names):
                yield verb.upper(), path.removeprefix("/api/v1").split("?")[0]


def _pattern(op: Operation) -> re.Pattern[str]:
    literal = [re.escape(part) for part in re.split(r"<(?:\w+:)?\w+>", op.path)]
    return re.compile("[^/]+".join(literal) + "/?")


def test_every_operation_is_called_by_a_functional_test() -> None:
    called = {
        (method, path)
        for folder in SWEPT
        for module in sorted(folder.glob("test_*.py"))
        if module != HERE
        for method, path in _calls(module.read_text())
    }
    missing = [
        _id(op)
        for op in OPERATIONS
        if not any(method == op.method and _pattern(op).fullmatch(path) for method, path in called)
    ]
    assert not missing, "no functional test calls: " + ", ".join(missing)
