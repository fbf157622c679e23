"""``orderhub serve``: gunicorn with sync workers, configured from the settings instead of a config file.

Sync workers keep SQLite writers from contending (threaded workers multiply its p99 by ten here).
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from hub.settings import Settings
from hub.web.app import create_app


class HubServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return create_app(self.settings)


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "timeout": 30,
        "graceful_timeout": 10,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "orderhub-web",
        # Pass header names with underscores (Walmart's WM_SEC.SIGNATURE) instead of dropping them; they arrive
        # spelled with dashes, and only signature verification reads them.
        "header_map": "dangerous",
    }
    HubServer(settings, options).run()
