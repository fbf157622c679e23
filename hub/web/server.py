"""``orderhub serve``: gunicorn, configured from the settings instead of a config file.

The worker is ``hub.web.worker.HubWorker``: gunicorn's threaded worker, with each request read whole on the
worker's event loop before one of its HUB_WEB__THREADS threads runs it, so slow clients cannot take the
threads (gunicorn's sync workers, which the hub ran before, are held by any client that sends slowly).
A few threads per process are enough: a request reaches a thread complete, and the web path does one
INSERT; SQLite writers wait on each other (busy timeout) whether they are threads or processes.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from hub.settings import Settings
from hub.web.access_log import RedactingLogger
from hub.web.app import create_app
from hub.web.worker import HubWorker


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


def serve(settings: Settings, host: str, port: int, workers: int, threads: int) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": HubWorker,
        "threads": threads,
        # gunicorn's worker liveness check: the loop of a HubWorker checks in every second whatever the
        # threads are doing, so this only restarts a worker whose loop is stuck.
        "timeout": 30,
        "graceful_timeout": 10,
        "accesslog": "-",
        "logger_class": RedactingLogger,  # no webhook token from a URL in the access log
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "orderhub-web",
        # Pass header names with underscores (Walmart's WM_SEC.SIGNATURE) instead of dropping them; they arrive
        # spelled with dashes, and only signature verification reads them.
        "header_map": "dangerous",
        # gunicorn's control socket lives at one path per user ($HOME/.gunicorn/gunicorn.ctl), so a second hub
        # on the machine would take it over; the hub is run through its own settings and commands instead.
        "control_socket_disable": True,
    }
    HubServer(settings, options).run()
