"""Whether the demo may write to this database: only an empty one (no orders), or one that holds nothing but
an earlier demo's data, and that one only with ``--reset``.

Demo data is told apart by its channel accounts: every demo account carries the ``demo`` setting, and every
demo order came through one of them. A single order from anywhere else is real data, and the demo refuses
before it writes anything.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, tuple_

from hub.db import migrate
from hub.db.models import ChannelAccount, OrderRecord
from hub.db.models.base import Base
from hub.db.session import Database
from hub.demo.setup import CHANNELS, MARKER, Folders
from hub.errors import HubError

KEPT_TABLES = frozenset({"api_tokens", "console_users"})  # what people log in with survives a --reset


class DemoRefused(HubError):
    """The database holds real data (or the demo already, without ``--reset``)."""

    exit_code = 1


@dataclass(frozen=True)
class Contents:
    orders: int
    demo_orders: int
    demo_accounts: int


def contents(database: Database) -> Contents:
    with database.session() as session:
        orders = session.scalar(select(func.count()).select_from(OrderRecord)) or 0
        demo = tuple_(OrderRecord.channel, OrderRecord.account).in_(CHANNELS)
        demo_orders = session.scalar(select(func.count()).select_from(OrderRecord).where(demo)) or 0
        accounts = session.scalars(
            select(ChannelAccount).where(tuple_(ChannelAccount.channel, ChannelAccount.account).in_(CHANNELS))
        ).all()
        marked = sum(1 for account in accounts if MARKER in (account.settings or {}))
    return Contents(orders, demo_orders, marked)


def check(database: Database, *, reset: bool) -> Contents:
    """Raise ``DemoRefused`` unless the demo may load; returns what the database holds now."""
    found = contents(database)
    real = found.orders - found.demo_orders
    if real or (found.demo_orders and not found.demo_accounts):
        raise DemoRefused(
            f"this database holds {found.orders} order(s) that are not demo data; the demo loads only into an "
            "empty database (point HUB_DATA_DIR or HUB_DATABASE_URL elsewhere); nothing was changed"
        )
    if (found.demo_orders or found.demo_accounts) and not reset:
        raise DemoRefused(
            f"this database holds the demo already ({found.demo_orders} orders); "
            "`orderhub demo --reset` loads it again; nothing was changed"
        )
    return found


def wipe(database: Database, folders: Folders) -> None:
    """Remove an earlier demo: the schema is taken down to nothing and built again (the ledgers and
    timelines are append-only by design, so rows cannot be deleted), keeping the API tokens and console
    users people log in with; then the files it left for the 3PL and the supplier. The webhook secrets are
    kept, so shops set up against them still sign correctly."""
    kept = _rows(database, KEPT_TABLES)
    if database.engine.dialect.name == "sqlite":
        _drop_sqlite_tables(database)
    else:
        migrate.downgrade(database, "base")
    migrate.upgrade(database)
    with database.session() as session:
        for table in Base.metadata.sorted_tables:
            if kept.get(table.name):
                session.execute(insert(table), kept[table.name])
    for folder in (folders.three_pl, folders.mailbox):
        shutil.rmtree(folder, ignore_errors=True)


def _drop_sqlite_tables(database: Database) -> None:
    """Every table, with its triggers. SQLite's migrations take tables apart by copying them, which the
    demo's rows would trip over on the way down; dropping them with foreign keys off cannot."""
    # autocommit: the pragma does nothing inside a transaction, and every hub transaction begins one at once
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        names = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).scalars()
        for name in list(names):
            connection.exec_driver_sql(f'DROP TABLE "{name}"')
        connection.commit()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")


def _rows(database: Database, names: frozenset[str]) -> dict[str, list[dict[str, Any]]]:
    with database.session() as session:
        return {
            table.name: [dict(row._mapping) for row in session.execute(select(table))]
            for table in Base.metadata.sorted_tables
            if table.name in names
        }
