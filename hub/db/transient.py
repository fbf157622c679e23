"""Database failures that pass: retrying the same work later succeeds.

SQLite refuses a write at once when another connection committed since the transaction's first read ("database
is locked": busy_timeout does not apply to that upgrade), PostgreSQL aborts one side of a deadlock or a
serialization conflict, a connection drops or the pool runs dry. None of these says anything about the
message or order being worked on, so the work is retried, never failed or parked for them.
"""

from __future__ import annotations

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

DATABASE_TRANSIENT: tuple[type[Exception], ...] = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)


def database_reason(error: Exception) -> str:
    """The driver's own first line ("database is locked", "deadlock detected"), without the SQL around it."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines() or [type(original).__name__]
    return f"{type(original).__name__}: {lines[0]}"
