"""The OpenAPI 3.1 document, made from the operations and their models, and a page to browse it.

Nothing here is written by hand beside the routes: parameters come from each operation's query model, bodies
and answers from its body and response models (their JSON Schemas as pydantic emits them, which is the
JSON Schema dialect OpenAPI 3.1 uses), and the error answers from the problem model.
"""

from __future__ import annotations

import html
from functools import cache
from typing import Any

from flask import Response, jsonify
from flask.typing import ResponseReturnValue
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from hub import __version__
from hub.api.problems import MEDIA_TYPE, TITLES, ProblemDetails
from hub.api.registry import MAX_ID, MAX_KEY, OPERATIONS, Operation, blueprint

REF = "#/components/schemas/{model}"
SCOPE_NOTE = "Needs a token with the `{scope}` scope (admin > operate > read)."


@blueprint.get("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    return jsonify(document())


@blueprint.get("/docs")
def docs() -> ResponseReturnValue:
    rows = "".join(
        f"<tr><td><code>{op.method}</code></td><td><code>{html.escape(op.openapi_path)}</code></td>"
        f"<td>{op.scope}</td><td>{html.escape(op.summary)}</td></tr>"
        for op in OPERATIONS
    )
    page = DOCS_PAGE.format(version=__version__, rows=rows)
    return Response(page, mimetype="text/html")


@cache
def document() -> dict[str, Any]:
    keys, defs = models_json_schema(_models(), ref_template=REF)
    schemas: dict[str, Any] = defs.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.openapi_path, {})[op.method.lower()] = _operation(op, keys, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "orderhub API",
            "version": __version__,
            "description": "Orders, deliveries and inbound messages of an orderhub. Authenticate with "
            "`Authorization: Bearer <token>` (`orderhub token create NAME --scope read|operate|admin`). "
            "Errors are RFC 9457 problem documents; lists are paged with `limit` and an opaque `cursor`.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "ohk_..."}},
        },
    }


def _models() -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    found: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {(ProblemDetails, "serialization"): None}
    for op in OPERATIONS:
        found[(op.response, "serialization")] = None
        for model in (op.query, op.body):
            if model is not None:
                found[(model, "validation")] = None
    return list(found)


def _operation(op: Operation, keys: dict[Any, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    described: dict[str, Any] = {
        "operationId": op.name,
        "summary": op.summary,
        "description": SCOPE_NOTE.format(scope=op.scope),
        "tags": [op.tag],
        "x-scope": op.scope,
        "parameters": _path_parameters(op) + _query_parameters(op, keys, schemas) + _header_parameters(op),
        "responses": {str(op.status): _success(op, keys)}
        | ({"304": {"description": "Not modified: If-None-Match named the current ETag."}} if _cached(op) else {})
        | {str(code): _problem(code, keys) for code in op.answers},
    }
    if op.body is not None:
        schema = keys[(op.body, "validation")]
        described["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    return described


def _path_parameters(op: Operation) -> list[dict[str, Any]]:
    def schema(converter: str) -> dict[str, Any]:
        if converter == "int":
            return {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        return {"type": "string", "minLength": 1, "maxLength": MAX_KEY, "pattern": "^[^/\\x00]+$"}

    return [{"name": n, "in": "path", "required": True, "schema": schema(c)} for n, c in op.path_parameters]


def _query_parameters(op: Operation, keys: dict[Any, Any], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    if op.query is None:
        return []
    name = keys[(op.query, "validation")]["$ref"].rsplit("/", 1)[-1]
    model = schemas[name]
    required = set(model.get("required", []))
    found = []
    for field, prop in model.get("properties", {}).items():
        parameter = {"name": field, "in": "query", "required": field in required, "schema": _not_null(prop)}
        if "description" in prop:
            parameter["description"] = prop["description"]
        found.append(parameter)
    return found


def _not_null(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a value, never null: the null branch of an optional field is dropped."""
    schema = {k: v for k, v in prop.items() if k not in ("title", "description", "default")}
    options = [option for option in schema.pop("anyOf", []) if option.get("type") != "null"]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options
    return schema


def _cached(op: Operation) -> bool:
    return op.method == "GET" and op.etag


def _header_parameters(op: Operation) -> list[dict[str, Any]]:
    found = []
    if op.if_match:
        found.append({"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
                      "description": "The ETag read; the write is refused with 412 if it changed since."})
    if _cached(op):
        found.append({"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
                      "description": "The ETag held; answered 304 without a body while it is current."})
    return found  # fmt: skip


def _success(op: Operation, keys: dict[Any, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": op.summary,
        "content": {"application/json": {"schema": keys[(op.response, "serialization")]}},
    }
    if op.etag:
        answer["headers"] = {"ETag": {"description": "Send it back in If-Match.", "schema": {"type": "string"}}}
    return answer


def _problem(code: int, keys: dict[Any, Any]) -> dict[str, Any]:
    return {
        "description": TITLES[code][1],
        "content": {MEDIA_TYPE: {"schema": keys[(ProblemDetails, "serialization")]}},
    }


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>orderhub API {version}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:70em}}td,th{{padding:.3em .8em;text-align:left}}
tr:nth-child(even){{background:#f4f4f4}}</style></head>
<body><main><h1>orderhub API {version}</h1>
<p>The machine-readable description is <a href="openapi.json">openapi.json</a> (OpenAPI 3.1): load it into any
OpenAPI viewer or client generator. Send <code>Authorization: Bearer &lt;token&gt;</code>; make a token with
<code>orderhub token create NAME --scope read|operate|admin</code>. Errors are
<code>application/problem+json</code> (RFC 9457). Lists take <code>limit</code> and the <code>cursor</code>
a previous page gave as <code>next_cursor</code>. Single resources carry an <code>ETag</code>; send it as
<code>If-Match</code> on a write to have it refused (412) if the resource changed meanwhile.</p>
<table><thead><tr><th>method</th><th>path</th><th>scope</th><th>what</th></tr></thead>
<tbody>{rows}</tbody></table></main></body></html>
"""
