"""Engines and sessions: plain SQLAlchemy 2.0, usable from web requests, workers and the CLI alike.

SQLite write transactions begin with ``BEGIN IMMEDIATE``. SQLite has one writer at a time, and a transaction
that began deferred and has read cannot wait for the write lock when it first writes: if another connection
wrote meanwhile, its snapshot is stale and SQLite refuses at once ("database is locked"; busy_timeout does not
apply to that upgrade). Applying an inbox message reads (is the order stored?) before it writes, so under load
messages were refused and retried. Taking the lock when the transaction begins makes every writer wait its
turn (up to busy_timeout) instead. SAVEPOINTs then nest inside a real transaction, as they should.

Reads that need no lock say so with ``read_only()`` (or ``Database.session(read_only=True)``): their
transactions are left to the driver, whose statements each read a fresh snapshot and take no lock between
them, so a console page or an API listing never queues behind the workers' writes. A write made there anyway
(an API token's last-use mark) begins its own transaction with that write, which waits for the lock as usual.
A thread whose transaction holds the write lock cannot begin a second one on another connection (it would wait
for itself until busy_timeout): that is refused at once (``SecondWriter``). A caller that runs code opening
transactions of its own (routing an order now, replaying a message) keeps its own session a reading one.

PostgreSQL connections are checked before use only when they may have gone stale: one used in the last few
seconds whose socket has nothing waiting is handed out as it is (the pool's pre-ping is a round trip per
checkout; on a busy worker that was a round trip per task). A server that dropped the connection (restart,
``pg_terminate_backend``) leaves it readable, so it is pinged, found dead and replaced before anyone uses it.
"""

from __future__ import annotations

import select
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hub.errors import ServiceUnavailable
from hub.settings import redact_url

RECENT_SECONDS = 5.0  # a connection used this recently, with nothing waiting on its socket, is not pinged
_USED_AT = "orderhub_used_at"
_WRITER = "orderhub_writer"  # thread that began the connection's newest write transaction
_READ_ONLY = "orderhub_read_only"  # execution option of Database.reading's connections
_read_only: ContextVar[bool] = ContextVar("orderhub_read_only", default=False)
_writers = threading.local()  # by_engine: each SQLite engine's connection (and its pool record) this thread wrote on


class SecondWriter(RuntimeError):
    """A thread holding SQLite's write lock in one transaction began a second on another connection."""


@contextmanager
def read_only() -> Iterator[None]:
    """Transactions begun inside the block only read: on SQLite they do not take the write lock."""
    token = _read_only.set(True)
    try:
        yield
    finally:
        _read_only.reset(token)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers work while one writer commits; NORMAL sync is durable across process crashes in WAL.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """Begin the transaction holding the write lock, unless it only reads or runs in autocommit."""
    options = connection.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    if options.get(_READ_ONLY) or _read_only.get():
        driver.isolation_level = ""  # the driver's own way: no BEGIN before reads, a deferred one before a write
        return
    _refuse_second_writer(connection.engine, driver)
    record = connection.connection.info  # the pooled connection's own dict, kept while it lives
    driver.isolation_level = None  # the driver issues no BEGIN of its own; this one does
    try:  # sent as the driver sends its own BEGIN (on PostgreSQL too): not a statement of the hub's
        driver.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:  # "database is locked" after busy_timeout: transient, as any other refusal
        raise DBAPIError.instance("BEGIN IMMEDIATE", (), exc, sqlite3.Error) from exc
    # The pool hands a connection to other threads once this transaction ends: it names who began its newest.
    record[_WRITER] = threading.get_ident()
    _writers.by_engine = getattr(_writers, "by_engine", {}) | {id(connection.engine): (driver, record)}


def _refuse_second_writer(engine: Engine, driver: sqlite3.Connection) -> None:
    """A thread whose open transaction holds the write lock would wait for itself if it began another on a
    second connection: busy_timeout later it would fail as "database is locked", which callers take for a
    busy database and retry. It is a mistake in the caller (end the first transaction before calling code
    that opens its own, or read with ``read_only``), so it is refused at once, saying so."""
    held = getattr(_writers, "by_engine", {}).get(id(engine))
    if held is None or held[0] is driver or held[1].get(_WRITER) != threading.get_ident():
        return  # none, this very connection, or one whose newest transaction another thread began
    try:
        holding = held[0].in_transaction
    except sqlite3.ProgrammingError:  # closed since: it holds nothing
        return
    if holding:
        raise SecondWriter(
            "this thread already has a transaction holding the SQLite write lock open; a second one would wait "
            "for it forever: commit the first before calling code that opens its own, or read with read_only()"
        )


def _mark_used(_dbapi_connection: Any, record: Any, *_: Any) -> None:
    record.info[_USED_AT] = time.monotonic()


def _fresh(dbapi_connection: Any, record: Any) -> bool:
    """Used lately and quiet: an idle connection's socket is readable only when the server said something
    (a termination notice) or hung up."""
    used_at = record.info.get(_USED_AT)
    if used_at is None or time.monotonic() - used_at > RECENT_SECONDS:
        return False
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError):  # closed already
        return False
    return not readable


def _checkout_ping(engine: Engine) -> Any:
    def ping_if_stale(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if _fresh(dbapi_connection, record):
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_connection, None):
                raise DisconnectionError(str(exc)) from exc  # the pool replaces it and checks out again
            raise

    return ping_if_stale


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(url, connect_args={"connect_timeout": 5})
    event.listen(engine, "connect", _mark_used)
    event.listen(engine, "checkin", _mark_used)
    event.listen(engine, "checkout", _checkout_ping(engine))
    return engine


class Database:
    """One engine and its session factory; build one per process from the settings."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # The same pool; its connections' transactions are marked as reads (see _sqlite_begin).
        self.reading = sessionmaker(self.engine.execution_options(**{_READ_ONLY: True}), expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, read_only: bool = False) -> Iterator[Session]:
        """A session in a transaction: committed when the block ends, rolled back if it raises. With
        ``read_only``, its transaction takes no write lock on SQLite (see the module's docstring); sessions
        opened meanwhile by code called inside the block are not affected."""
        with (self.reading if read_only else self.sessions).begin() as session:
            yield session

    def ping(self) -> None:
        """Raise ServiceUnavailable with one readable line if the database does not answer."""
        try:
            with read_only(), self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise ServiceUnavailable(f"database {redact_url(self.url)} is unreachable: {reason}") from None

    def dispose(self) -> None:
        self.engine.dispose()
