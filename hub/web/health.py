"""``GET /healthz``: 200 when the database (at the current schema) and the broker answer, 503 otherwise."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from hub.health import health
from hub.web.extension import hub_extension

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> ResponseReturnValue:
    extension = hub_extension()
    report = health(extension.runtime, extension.celery)
    return jsonify(report), 200 if report["status"] == "ok" else 503
