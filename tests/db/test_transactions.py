"""How the hub's transactions begin and its connections are checked: SQLite writers take the write lock when
they begin (and wait for it), readers take none; savepoints nest inside the transaction; PostgreSQL
connections used moments ago are handed out without a ping, and one the server dropped is replaced."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, func, select, text

from hub.db import session as session_module
from hub.db.models import ChannelAccount
from hub.db.session import Database, SecondWriter


def _accounts(database: Database) -> list[str]:
    with database.session(read_only=True) as session:
        return list(session.scalars(select(ChannelAccount.account).order_by(ChannelAccount.account)))


@pytest.fixture
def writer_holding_the_lock(database: Database) -> Iterator[sqlite3.Connection]:
    """Another process's connection in the middle of a write transaction."""
    path = database.engine.url.database
    assert path is not None
    holder = sqlite3.connect(path, timeout=1, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute(
        "INSERT INTO channel_accounts (channel, account, active, settings, created_at, updated_at) "
        "VALUES ('standard', 'uncommitted', 1, '{}', '2026-01-01', '2026-01-01')"
    )
    yield holder
    holder.rollback()
    holder.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_reader_is_not_held_up_by_a_writer_and_sees_only_what_was_committed(
    database: Database, writer_holding_the_lock: sqlite3.Connection
) -> None:
    assert _accounts(database) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_healthz_answers_while_a_writer_holds_the_lock(
    make_settings,
    database_url: str,
    writer_holding_the_lock: sqlite3.Connection,  # type: ignore[no-untyped-def]
) -> None:
    from hub.web.app import create_app

    response = create_app(make_settings(database_url=database_url)).test_client().get("/healthz")
    assert response.get_json()["database"]["ok"], response.get_json()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_writer_waits_for_the_lock_instead_of_being_refused(database: Database) -> None:
    path = database.engine.url.database
    assert path is not None
    holder = sqlite3.connect(path, timeout=1, isolation_level=None)
    with database.session() as session:  # holds the write lock from its first statement
        session.scalar(select(func.count()).select_from(ChannelAccount))
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            holder.execute(
                "INSERT INTO channel_accounts (channel, account, active, settings, created_at, updated_at) "
                "VALUES ('standard', 'other', 1, '{}', '2026-01-01', '2026-01-01')"
            )
        session.add(ChannelAccount(channel="standard", account="mine", settings={}))
    holder.close()
    assert _accounts(database) == ["mine"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_second_writer_in_the_same_thread_is_refused_at_once_and_a_reader_is_not(database: Database) -> None:
    with database.session() as outer:
        outer.add(ChannelAccount(channel="standard", account="outer", settings={}))
        outer.flush()  # holds the write lock
        with pytest.raises(SecondWriter, match="commit the first"), database.session() as inner:
            inner.scalar(select(func.count()).select_from(ChannelAccount))  # would wait for itself
        with database.session(read_only=True) as reader:
            assert reader.scalar(select(func.count()).select_from(ChannelAccount)) == 0  # the last commit's view
    with database.session() as after:  # the first is done: a new writer goes ahead
        after.add(ChannelAccount(channel="standard", account="after", settings={}))
    assert _accounts(database) == ["after", "outer"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_connection_another_thread_now_writes_on_is_not_taken_for_this_threads_own(database: Database) -> None:
    """The pool hands the connection this thread wrote on to the next thread: that thread's open transaction is
    not this thread's, and this thread's next writer waits for it as for any other."""
    with database.session() as first:  # the pool's one connection, written on by this thread, then returned
        first.add(ChannelAccount(channel="standard", account="first", settings={}))
    began, done = threading.Event(), threading.Event()

    def other_thread() -> None:
        with database.session() as other:  # takes that same connection and holds the write lock a moment
            other.add(ChannelAccount(channel="standard", account="other", settings={}))
            other.flush()
            began.set()
            done.wait(timeout=0.5)

    thread = threading.Thread(target=other_thread)
    thread.start()
    assert began.wait(timeout=30)
    with database.session() as mine:  # a second connection: waits for the other thread, is not refused
        mine.add(ChannelAccount(channel="standard", account="mine", settings={}))
    thread.join()
    assert _accounts(database) == ["first", "mine", "other"]


def test_a_released_savepoint_is_undone_with_its_transaction(database: Database) -> None:
    with pytest.raises(RuntimeError), database.session() as session:
        with session.begin_nested():  # the first statement of the transaction
            session.add(ChannelAccount(channel="standard", account="inner", settings={}))
        session.add(ChannelAccount(channel="standard", account="outer", settings={}))
        session.flush()
        raise RuntimeError("the transaction fails after its savepoint was released")
    assert _accounts(database) == []


def test_a_savepoint_rolled_back_keeps_the_rest_of_the_transaction(database: Database) -> None:
    with database.session() as session:
        session.add(ChannelAccount(channel="standard", account="kept", settings={}))
        with pytest.raises(RuntimeError), session.begin_nested():
            session.add(ChannelAccount(channel="standard", account="dropped", settings={}))
            session.flush()
            raise RuntimeError("this part fails alone")
    assert _accounts(database) == ["kept"]


# -- PostgreSQL: the pool's checks ---------------------------------------------------------------------------


@pytest.fixture
def pings(database: Database, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every ping the pool sends before handing a connection out."""
    sent: list[object] = []
    real = database.engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        sent.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(database.engine.dialect, "do_ping", counted)
    return sent


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_connection_used_moments_ago_is_not_pinged(database: Database, pings: list[object]) -> None:
    for _ in range(5):
        with database.session() as session:
            assert session.scalar(text("SELECT 1")) == 1
    assert pings == []


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_connection_idle_for_a_while_is_pinged(
    database: Database, pings: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "RECENT_SECONDS", 0.0)
    for _ in range(3):
        with database.session() as session:
            assert session.scalar(text("SELECT 1")) == 1
    assert len(pings) == 3


@pytest.fixture
def admin(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_connection_the_server_dropped_is_replaced_before_use(database: Database, admin: Engine) -> None:
    with database.session() as session:
        first = session.scalar(text("SELECT pg_backend_pid()"))
    with admin.connect() as connection:
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        gone = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
        while connection.scalar(gone, {"pid": first}):
            connection.execute(text("SELECT pg_sleep(0.01)"))
    with database.session() as session:  # moments after its last use, yet not handed out dead
        second = session.scalar(text("SELECT pg_backend_pid()"))
    assert second != first
