"""What a request needs from the hub, kept in ``app.extensions["orderhub"]``."""

from __future__ import annotations

from celery import Celery
from flask import Flask, current_app

from hub.runtime import Runtime

EXTENSION = "orderhub"


class HubExtension:
    def __init__(self, runtime: Runtime, celery: Celery) -> None:
        self.runtime = runtime
        self.celery = celery


def hub_extension(app: Flask | None = None) -> HubExtension:
    """The hub extension of ``app`` (default: the app handling the current request)."""
    extension: HubExtension = (app or current_app).extensions[EXTENSION]
    return extension
