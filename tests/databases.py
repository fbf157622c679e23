"""PostgreSQL databases for the tests: each test gets a database of its own, copied from a migrated template.

Copying (CREATE DATABASE ... TEMPLATE) and dropping (DROP DATABASE, which waits for a checkpoint) take the
server a while, and several hundred tests do both. ``Copies`` does that work on threads of its own: the
next test's copy is made while the current test runs, and a finished test's database is dropped while the
next one runs. Every test still starts from an untouched copy of the template and nothing is shared.

Drops have a thread of their own: on a server that syncs to disk (a developer's, started without
``SERVICES_PG_FSYNC=off``) a drop waits seconds for a checkpoint, and a copy queued behind it would keep the
next test waiting for no reason; a copy (``WAL_LOG``, PostgreSQL's default) needs no checkpoint.
"""

from __future__ import annotations

import queue
import threading
import uuid

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

_STOP = object()


def admin_url(url: str) -> str:
    """The server's maintenance database, where databases are created and dropped."""
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def url_of(server: str, name: str) -> str:
    """``server`` (a URL) with its database set to ``name``."""
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def new_name() -> str:
    return f"orderhub_test_{uuid.uuid4().hex[:10]}"


def drop(admin: Engine, name: str) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class Copies:
    """Copies of ``template`` on the server of ``admin``, made one ahead and dropped behind."""

    def __init__(self, admin: Engine, template: str) -> None:
        self.admin = admin
        self.template = template
        self.ready: queue.Queue[str | BaseException] = queue.Queue()
        self.jobs: queue.Queue[object] = queue.Queue()
        self.drops: queue.Queue[object] = queue.Queue()
        self.failures: list[BaseException] = []
        self.threads = [
            threading.Thread(target=self._copy_ahead, name="postgres-copies", daemon=True),
            threading.Thread(target=self._drop_behind, name="postgres-drops", daemon=True),
        ]
        for thread in self.threads:
            thread.start()
        self.jobs.put(None)  # the first copy, made ahead

    def take(self) -> str:
        """A fresh copy of the template (the one made ahead); the next one is started at once."""
        self.jobs.put(None)
        got = self.ready.get(timeout=300)
        if isinstance(got, BaseException):
            raise RuntimeError(f"could not copy the template database {self.template}: {got}") from got
        return got

    def give_back(self, name: str) -> None:
        """The test is done with ``name``: it is dropped in the background."""
        self.drops.put(name)

    def close(self) -> None:
        """Drop what is left (the copy made ahead, anything not yet dropped) and end the threads."""
        self.jobs.put(_STOP)
        self.drops.put(_STOP)
        for thread in self.threads:
            thread.join(timeout=300)
        while not self.ready.empty():
            left = self.ready.get_nowait()
            if isinstance(left, str):
                drop(self.admin, left)
        if self.failures:
            raise RuntimeError(f"could not drop test databases: {self.failures[0]}")

    def _copy_ahead(self) -> None:
        while self.jobs.get() is not _STOP:
            self.ready.put(self._copy())

    def _drop_behind(self) -> None:
        while (name := self.drops.get()) is not _STOP:
            try:
                drop(self.admin, str(name))
            except Exception as exc:  # reported by close(), at the end of the session
                self.failures.append(exc)

    def _copy(self) -> str | BaseException:
        name = new_name()
        try:
            with self.admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        except Exception as exc:  # the test that takes it fails with the reason
            return exc
        return name


def admin_engine(server: str) -> Engine:
    return create_engine(admin_url(server), isolation_level="AUTOCOMMIT")
