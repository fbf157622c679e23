"""A message processed while the database is too busy to take its writes is retried later, never failed: the
lock says nothing about the message (SQLite "database is locked" here; PostgreSQL deadlocks and serialization
conflicts are the same class)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select

from hub.db.models import InboxMessage, OrderRecord
from hub.sdk.errors import TransientError
from tests.channels.conftest import Receiver
from tests.channels.signing import standard_headers
from tests.channels.test_standard import PATH, SECRET, event


@pytest.fixture
def hub(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> Receiver:
    monkeypatch.setenv("STD_SECRET", SECRET)
    receiver.add_account("standard", "store1", webhook_secrets=["env:STD_SECRET"])
    return receiver


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_locked_database_leaves_the_message_received_for_a_retry_that_then_succeeds(hub: Receiver) -> None:
    body = event()
    answer = hub.post(PATH, body, standard_headers(SECRET, body, "msg_busy") | {"content-type": "application/json"})
    inbox_id = answer.json()["id"]
    path = hub.database.engine.url.database
    assert path is not None
    holder = sqlite3.connect(path, timeout=1)
    holder.execute("BEGIN EXCLUSIVE")  # another writer holds the database past the hub's busy timeout
    try:
        with pytest.raises(TransientError, match="database was busy"):
            hub.process(inbox_id)
    finally:
        holder.rollback()
        holder.close()
    with hub.database.session() as session:
        message = session.get(InboxMessage, inbox_id)
        assert message is not None and message.status == "received"  # not failed: nothing was wrong with it
    assert hub.process(inbox_id).status == "processed"
    with hub.database.session() as session:
        assert len(session.scalars(select(OrderRecord)).all()) == 1
