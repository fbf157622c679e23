"""A running webhook receiver on loopback (real HTTP, real database on each backend), and account set-up."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import requests
from sqlalchemy import select
from werkzeug.serving import make_server

from hub.channels.process import Outcome, default_account, process_message
from hub.db.models import ChannelAccount, InboxMessage, OrderEvent, OrderRecord
from hub.db.session import Database
from hub.web.app import create_app
from hub.web.webhooks import _accounts
from tests.http import KeepsUnderscoredHeaders


@dataclass
class Receiver:
    url: str
    database: Database
    app: Any

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> requests.Response:
        return requests.post(f"{self.url}{path}", data=body, headers=headers, timeout=10)

    def add_account(self, channel: str, account: str, **settings: Any) -> None:
        with self.database.session() as session:
            session.add(ChannelAccount(channel=channel, account=account, settings=settings))
        _accounts.clear()

    def process(self, inbox_id: int, **kwargs: Any) -> Outcome:
        """What the worker's hub.ingest.parse task does with the message."""
        return process_message(self.database, inbox_id, **kwargs)

    def messages(self) -> list[InboxMessage]:
        with self.database.session() as session:
            return list(session.scalars(select(InboxMessage).order_by(InboxMessage.id)))


@pytest.fixture
def receiver(make_settings, database_url: str, tmp_path) -> Iterator[Receiver]:  # type: ignore[no-untyped-def]
    settings = make_settings(database_url=database_url, broker_url=f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}")
    app = create_app(settings)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=KeepsUnderscoredHeaders)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    database = Database(database_url)
    yield Receiver(f"http://127.0.0.1:{server.server_port}", database, app)
    server.shutdown()
    database.dispose()
    _accounts.clear()


# What the channel tests read back, the same for every channel.
accounts = default_account  # the worker's own account factory: AccountContext(channel, account, settings)


def event_types(hub: Receiver) -> list[str]:
    """Every order event recorded, oldest first."""
    with hub.database.session() as session:
        return list(session.scalars(select(OrderEvent.type).order_by(OrderEvent.id)))


def stored_orders(hub: Receiver) -> list[OrderRecord]:
    with hub.database.session() as session:
        return list(session.scalars(select(OrderRecord).order_by(OrderRecord.channel_order_id)))


def stored_documents(hub: Receiver) -> dict[str, dict[str, Any]]:
    """Stored canonical documents by channel order id."""
    return {record.channel_order_id: record.document for record in stored_orders(hub)}


def watermark(hub: Receiver) -> datetime | None:
    """The watermark of the test's one channel account."""
    with hub.database.session() as session:
        return session.scalars(select(ChannelAccount.watermark)).one()
