"""Flask: the application factory, blueprints (health, webhooks, api, console) and error handlers."""

from hub.web.app import create_app

__all__ = ["create_app"]
