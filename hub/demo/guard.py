"""Whether the demo may write to this database: only an empty one (no orders), or one that holds nothing but
an earlier demo's data, and that one only with ``--reset``.

Demo data is told apart by its channel accounts: every demo account carries the ``demo`` setting, and every
demo order came through one of them. A single order from anywhere else is real data, and the demo refuses
before it writes anything.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from sqlalchemy import delete, func, select, tuple_

from hub.db.models import ChannelAccount, OrderRecord
from hub.db.models.base import Base
from hub.db.session import Database
from hub.demo.setup import CHANNELS, MARKER, Folders
from hub.errors import HubError

KEPT_TABLES = frozenset({"alembic_version", "api_tokens"})  # the schema, and the tokens people log in with


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
    """Delete every row of an earlier demo (all tables but the schema version and API tokens), and the files
    it left for the 3PL and the supplier; the webhook secrets are kept, so shops set up against them still
    sign correctly."""
    with database.session() as session:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in KEPT_TABLES:
                session.execute(delete(table))
    for folder in (folders.three_pl, folders.mailbox):
        shutil.rmtree(folder, ignore_errors=True)
