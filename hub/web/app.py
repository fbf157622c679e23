"""The Flask application factory. Building an app does no I/O; the first request opens the database."""

from __future__ import annotations

from celery import Celery
from flask import Flask

from hub import api, console
from hub.edi.transports import http_endpoint
from hub.runtime import Runtime
from hub.settings import Settings
from hub.web import connector_webhooks, errors, health, read_requests, webhooks
from hub.web.extension import EXTENSION, HubExtension
from hub.worker.app import create_celery


def create_app(settings: Settings, celery: Celery | None = None) -> Flask:
    app = Flask("hub.web")
    app.config.update(MAX_CONTENT_LENGTH=settings.web.max_body_bytes)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    runtime = Runtime(settings)
    app.extensions[EXTENSION] = HubExtension(runtime, celery or create_celery(settings, runtime))
    errors.register(app)
    read_requests.install(app)
    app.register_blueprint(health.blueprint)
    app.register_blueprint(webhooks.blueprint)
    app.register_blueprint(connector_webhooks.blueprint)
    app.register_blueprint(http_endpoint.blueprint)
    api.install(app)
    console.install(app, settings)
    return app
