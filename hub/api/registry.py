"""The API's operations as data, each served by one wrapper and described by the OpenAPI document.

An operation is declared once, with the models that validate it::

    @operation("GET", "/orders", scope="read", query=OrderFilters, response=OrderPage, summary="...")
    def list_orders(call: Call) -> OrderPage: ...

The wrapper checks the token and its scope, validates the query and body with those models (a bad one is a
400 or 422 problem naming each field), runs the handler in one transaction, answers with the response model
and, for writes, records who made it in the audit. ``hub.api.openapi`` reads the same declarations, so the
document cannot drift from what is enforced.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, request
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy.orm import Session

from hub.api.auth import TokenRefused, allows, authenticate
from hub.api.problems import Problem, bad_field, from_validation
from hub.channels.limits import too_deep
from hub.db.models import ApiAuditEntry, ApiToken
from hub.errors import InputRejected, ServiceUnavailable
from hub.lifecycle.errors import LifecycleConflict, LifecycleRejected
from hub.orders.views import OrderNotFound
from hub.web.extension import hub_extension

log = logging.getLogger(__name__)
blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
PATH_PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")
MAX_ID = 2**63 - 1
MAX_KEY = 200
MAX_DEPTH = 64  # no body nests deeper; parsing or walking a deeper one could exhaust the stack


class QueryModel(BaseModel):
    """Query parameters: an unknown one is refused by name, not ignored."""

    model_config = ConfigDict(extra="forbid")


class BodyModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # Flask rule under /api/v1, e.g. /orders/<order_id>
    name: str
    summary: str
    scope: str
    tag: str
    response: type[BaseModel]
    query: type[QueryModel] | None = None
    body: type[BodyModel] | None = None
    status: int = 200
    etag: bool = False  # answers with an ETag
    if_match: bool = False  # honours If-Match
    problems: tuple[int, ...] = ()  # answers beyond 400/401/403 (and 404 for a path naming a resource)
    # The handler calls code that commits transactions of its own (routing now, replaying a message): its own
    # session only reads, so on SQLite it holds no write lock that code would wait for (hub.db.session).
    own_transactions: bool = False

    @property
    def openapi_path(self) -> str:
        return blueprint.url_prefix + PATH_PARAMETER.sub(r"{\2}", self.path)  # type: ignore[operator]

    @property
    def path_parameters(self) -> list[tuple[str, str]]:
        """(name, converter) of each path parameter; converter is "int" or "" (a string)."""
        return [(name, converter or "") for converter, name in PATH_PARAMETER.findall(self.path)]

    @property
    def answers(self) -> list[int]:
        found = {400, 401, 403, *self.problems}
        if self.path_parameters:
            found.add(404)
        if self.body is not None:
            found.update((415, 422))
        if self.if_match:
            found.add(412)
        return sorted(found)


OPERATIONS: list[Operation] = []
_OWN_TRANSACTIONS: set[Callable[..., Any]] = set()


@dataclass
class Call:
    """What a handler gets: the transaction, the token, the validated query and body."""

    session: Session
    token: ApiToken
    query: Any
    body: Any
    if_match: str | None
    after_commit: list[Callable[[], object]] = field(default_factory=list)

    @property
    def actor(self) -> str:
        """Who acts, as the timeline's ``source`` records it."""
        return f"api:{self.token.name}"


@dataclass(frozen=True)
class Reply:
    model: BaseModel
    etag: str | None = None


def operation(method: str, path: str, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare and serve an operation (see the module docstring)."""

    def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
        op = Operation(method=method, path=path, name=handler.__name__, **options)
        OPERATIONS.append(op)
        if op.own_transactions:
            _OWN_TRANSACTIONS.add(handler)

        def view(**params: Any) -> Response:
            return serve(op, handler, params)

        blueprint.add_url_rule(path, endpoint=op.name, view_func=view, methods=[method])
        return handler

    return decorate


def own_transactions(handler: Callable[..., Any]) -> bool:
    """Whether the handler's session must only read (see ``Operation.own_transactions``); the console runs
    handlers too."""
    return handler in _OWN_TRANSACTIONS


def serve(op: Operation, handler: Callable[..., Any], params: dict[str, Any]) -> Response:
    token_name: str | None = None
    try:
        token_id, token_name = _authorize(op.scope)
        _check_path(params)
        query = _parse_query(op)
        body = _parse_body(op)
        response = _run(op, handler, token_id, params, (query, body))
    except Problem as problem:
        response = problem.response()
    except ServiceUnavailable as down:  # the database did not answer: say so, without its address
        response = Problem(503, str(down)).response()
    if op.method != "GET" and token_name is not None:
        _audit(token_name, response.status_code, params)
    return response


def _authorize(scope: str) -> tuple[int, str]:
    with hub_extension().runtime.database.session() as session:
        try:
            token = authenticate(session, request.headers.get("Authorization"))
        except TokenRefused as refused:
            raise Problem(401, str(refused), headers={"WWW-Authenticate": 'Bearer realm="orderhub"'}) from None
        if not allows(token.scope, scope):
            raise Problem(403, f"this needs a token with the {scope!r} scope; {token.name!r} has {token.scope!r}")
        return token.id, token.name


def _check_path(params: dict[str, Any]) -> None:
    for name, value in params.items():
        if (isinstance(value, int) and not 0 < value <= MAX_ID) or (isinstance(value, str) and _bad_key(value)):
            raise Problem(404, f"no such resource: {name} {str(value)[:40]!r}")


def _bad_key(value: str) -> bool:
    return len(value) > MAX_KEY or "\x00" in value


def _parse_query(op: Operation) -> Any:
    if op.query is None:
        for name in request.args:
            raise bad_field(400, "query", name, "unknown parameter")
        return None
    values: dict[str, str] = {}
    for name, given in request.args.lists():
        if len(given) > 1:
            raise bad_field(400, "query", name, "given more than once")
        values[name] = given[0]
    try:
        return op.query.model_validate(values)
    except ValidationError as error:
        raise from_validation(error, "query", 400) from None


def _parse_body(op: Operation) -> Any:
    if op.body is None:
        return None
    raw = request.get_data()
    if raw.strip() and not request.is_json:
        raise Problem(415, f"the body must be application/json, not {request.mimetype or 'unnamed'}")
    try:
        data = json.loads(raw) if raw.strip() else {}
        deep = too_deep(data, MAX_DEPTH)
    except RecursionError:  # deeper than the parser's own stack allows
        deep = True
    except ValueError as error:
        raise Problem(400, f"the body is not JSON: {error}") from None
    if deep:
        raise Problem(400, f"the body nests arrays and objects more than {MAX_DEPTH} levels deep")
    _no_nul(data, "")
    try:
        return op.body.model_validate(data)
    except ValidationError as error:
        raise from_validation(error, "body", 422) from None


def _no_nul(value: Any, path: str) -> None:
    """NUL characters cannot be stored in PostgreSQL text: refuse them by field, whatever the model says."""
    if isinstance(value, str) and "\x00" in value:
        raise bad_field(422, "body", path or "(body)", "contains a NUL character")
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            raise bad_field(422, "body", f"{path}.{key!r}".lstrip("."), "a key contains a NUL character")
        _no_nul(item, f"{path}.{key}".lstrip("."))


def _run(
    op: Operation, handler: Callable[..., Any], token_id: int, params: dict[str, Any], given: tuple[Any, Any]
) -> Response:
    database = hub_extension().runtime.database
    try:
        with database.session(read_only=op.own_transactions) as session:
            token = session.get(ApiToken, token_id)
            assert token is not None  # tokens are revoked, never deleted
            call = Call(session, token, *given, if_match=request.headers.get("If-Match"))
            result = handler(call, **params)
    except OrderNotFound as missing:
        raise Problem(404, str(missing)) from None
    except (LifecycleRejected, LifecycleConflict) as refused:
        raise Problem(409, str(refused)) from None
    except InputRejected as rejected:
        raise Problem(422, str(rejected)) from None
    for task in call.after_commit:
        task()
    reply = result if isinstance(result, Reply) else Reply(result)
    if op.method == "GET" and reply.etag and request.if_none_match.contains(reply.etag.strip('"')):
        return Response(status=304, headers={"ETag": reply.etag})  # the copy the client holds is current
    body_text = reply.model.model_dump_json(by_alias=True)
    response = Response(body_text, status=op.status, mimetype="application/json")
    if reply.etag:
        response.headers["ETag"] = reply.etag
    return response


def _audit(token_name: str, status: int, params: dict[str, Any]) -> None:
    subject = ",".join(str(value) for value in params.values())[:128] or None
    try:
        with hub_extension().runtime.database.session() as session:
            entry = ApiAuditEntry(token_name=token_name, method=request.method, path=request.path[:512])
            session.add(entry)
            entry.status, entry.subject = status, subject
    except Exception:  # noqa: BLE001 - the write itself is done (or refused); losing its audit row is logged
        log.exception("could not record the API audit entry for %s %s", request.method, request.path)
