"""One sender per outbound interchange at a time, across worker processes.

Two runs of ``hub.edi.send`` for the same row (a retry and a sweep's republish that meet, a task redelivered
while its first copy still runs) must not both hand the file to the partner. The row alone cannot say "being
sent" without leaving a stale mark when a worker dies, so the claim is a lock the operating system or the
database server releases when its holder goes away:

* PostgreSQL: a session-level advisory lock keyed by the interchange id, on a connection of its own (so the
  row can be updated and committed while the lock is held);
* SQLite: a POSIX record lock on one byte (at the interchange id's offset) of a lock file beside the database
  file. SQLite means one machine, so every worker sees the same file. Record locks exclude other processes,
  not other threads of the holder's process, which is how Celery's prefork workers run tasks.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from hub.db.session import Database

# The advisory lock key space for outbound interchanges; ids below 2**32 never collide with each other.
ADVISORY_SPACE = 0x0ED1 << 32


@contextmanager
def send_lock(database: Database, interchange_id: int) -> Iterator[bool]:
    """Yield True while this process alone may send the interchange, False when another holds it."""
    if database.dialect == "postgresql":
        with _advisory_lock(database, ADVISORY_SPACE + interchange_id) as held:
            yield held
    else:
        with _record_lock(_lock_file(database), interchange_id) as held:
            yield held


@contextmanager
def _advisory_lock(database: Database, key: int) -> Iterator[bool]:
    with database.engine.connect() as connection:
        held = bool(
            connection.execute(text("SELECT pg_try_advisory_lock(CAST(:key AS bigint))"), {"key": key}).scalar()
        )
        connection.commit()
        try:
            yield held
        finally:
            if held:
                try:
                    connection.execute(text("SELECT pg_advisory_unlock(CAST(:key AS bigint))"), {"key": key})
                    connection.commit()
                except Exception:
                    connection.invalidate()  # a closed session drops its locks; never pool one that holds any
                    raise


def _lock_file(database: Database) -> Path:
    name = make_url(database.url).database
    if not name or name == ":memory:":
        raise RuntimeError("sending needs a database file (or PostgreSQL) to coordinate workers")
    path = Path(name)
    return path.with_name(path.name + ".edi-send.lock")


@contextmanager
def _record_lock(path: Path, offset: int) -> Iterator[bool]:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.lockf(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset)
        except OSError:  # EAGAIN / EACCES: another process holds it
            yield False
            return
        yield True
    finally:
        os.close(descriptor)  # releases the lock
