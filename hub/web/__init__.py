"""Flask: the application factory, blueprints (health, webhooks, api, console) and error handlers.

``create_app`` is loaded on first use: the API and console modules import ``hub.web.extension``, and an eager
import of the app here would make importing either of them first a circular import."""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from hub.web.app import create_app

        return create_app
    raise AttributeError(f"module 'hub.web' has no attribute {name!r}")
