"""The REST API under ``/api/v1``: orders and their actions, fulfillment, deliveries and destinations, inbound
messages and X12 interchanges, inventory (levels, counts, adjustments, ledger, available to sell), routing rules
and simulation, returns, partners, connector accounts, subscribers and API tokens.

::

    registry     operations as data: token and scope, query/body/response models, one transaction, the audit
    openapi      the OpenAPI 3.1 document made from the registry, and the /docs page
    problems     RFC 9457 problem documents for every error
    auth         tokens (stored as digests) and scopes: read < operate < admin
    pagination   opaque cursors over a sort key
    conditional  ETags and If-Match
    orders, order_actions, returns, fulfillment, deliveries, destinations, inbox, edi, inventory, stock,
    availability, routing, routing_rules, partners, connector_accounts, subscribers, tokens
                 the resources, a module each

``install(app)`` registers the blueprint and makes every error under ``/api/`` a problem document, including
those raised before a view runs (no route, wrong method, body too large).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import cast

from flask import Flask, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from hub.api import (  # noqa: F401 - importing each resource module declares its operations
    availability,
    connector_accounts,
    deliveries,
    destinations,
    edi,
    fulfillment,
    inbox,
    inventory,
    openapi,
    order_actions,
    orders,
    partners,
    reports,
    returns,
    routing,
    routing_rules,
    stock,
    subscribers,
    tokens,
)
from hub.api.problems import Problem
from hub.api.registry import blueprint

__all__ = ["install"]
log = logging.getLogger(__name__)
Handler = Callable[[Exception], ResponseReturnValue]


def install(app: Flask) -> None:
    app.register_blueprint(blueprint)
    _problems_under_api(app, HTTPException, _http_problem)
    _problems_under_api(app, Exception, _unexpected_problem)


def _problems_under_api(app: Flask, kind: type[Exception], handler: Handler) -> None:
    """Answer errors under /api/ with ``handler``; elsewhere with the handler the app had (JSON errors)."""
    previous = cast(Handler | None, app.error_handler_spec[None][None].get(kind))

    def choose(error: Exception) -> ResponseReturnValue:
        if request.path.startswith(blueprint.url_prefix or "/api/v1") or previous is None:
            return handler(error)
        return previous(error)

    app.register_error_handler(kind, choose)


def _http_problem(error: Exception) -> ResponseReturnValue:
    assert isinstance(error, HTTPException)
    status = error.code or 500
    problem = Problem(status, error.description or error.name)
    response = problem.response()
    if status == 405 and error.get_response().headers.get("Allow"):
        response.headers["Allow"] = error.get_response().headers["Allow"]
    return response


def _unexpected_problem(error: Exception) -> ResponseReturnValue:
    if isinstance(error, HTTPException):
        return _http_problem(error)
    log.exception("unhandled error answering %s %s", request.method, request.path, exc_info=error)
    return Problem(500, "the hub failed to answer this request; the error is logged").response()
