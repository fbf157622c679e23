"""Every error leaves as JSON: ``{"error": {"status": 404, "code": "not_found", "message": "..."}}``."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


def error_document(status: int, code: str, message: str) -> dict[str, dict[str, object]]:
    """The JSON every error answer carries (also written by the web worker, outside any app)."""
    return {"error": {"status": status, "code": code, "message": message}}


def error_code(error: HTTPException) -> str:
    return (error.name or "error").lower().replace(" ", "_")


def error_response(status: int, code: str, message: str) -> ResponseReturnValue:
    return jsonify(error_document(status, code, message)), status


def _http_error(error: HTTPException) -> ResponseReturnValue:
    return error_response(error.code or 500, error_code(error), error.description or error.name)


def _unexpected(error: Exception) -> ResponseReturnValue:
    log.exception("unhandled error", exc_info=error)
    return error_response(500, "internal_server_error", InternalServerError.description)


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
