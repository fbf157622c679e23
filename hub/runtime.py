"""Per-process resources built from the settings, shared by the web app, the workers and the CLI.

The database engine is created on first use and re-created after a fork, so prefork workers and gunicorn
workers never share a connection pool with their parent.
"""

from __future__ import annotations

import os

from hub.db.session import Database
from hub.settings import Settings


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._database: Database | None = None
        self._pid = 0

    @property
    def database(self) -> Database:
        if self._database is None or self._pid != os.getpid():
            self._database = Database(self.settings.database_url)
            self._pid = os.getpid()
        return self._database

    def close(self) -> None:
        if self._database is not None and self._pid == os.getpid():
            self._database.dispose()
        self._database = None
