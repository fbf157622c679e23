"""What a request needs from the hub, kept in ``app.extensions["orderhub"]``."""

from __future__ import annotations

import threading

from celery import Celery
from flask import Flask, current_app

from hub.runtime import Runtime
from hub.worker.relay import Relay

EXTENSION = "orderhub"


class HubExtension:
    def __init__(self, runtime: Runtime, celery: Celery) -> None:
        self.runtime = runtime
        self.celery = celery
        self._relay: Relay | None = None
        self._relay_lock = threading.Lock()

    @property
    def relay(self) -> Relay:
        """Created on first use, so it belongs to the (forked) process that serves requests; once per
        process, however many of its threads ask first."""
        if self._relay is None:
            with self._relay_lock:
                if self._relay is None:
                    self._relay = Relay(self.celery)
        return self._relay


def hub_extension(app: Flask | None = None) -> HubExtension:
    """The hub extension of ``app`` (default: the app handling the current request)."""
    extension: HubExtension = (app or current_app).extensions[EXTENSION]
    return extension
