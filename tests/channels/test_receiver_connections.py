"""The receiver stores each delivery on a connection it keeps open between requests; a connection the
database server dropped meanwhile costs nothing but a reconnect: the next delivery is stored and answered."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.channels.conftest import Receiver
from tests.channels.signing import standard_headers
from tests.channels.test_standard import PATH, SECRET, event


@pytest.fixture
def hub(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> Receiver:
    monkeypatch.setenv("STD_SECRET", SECRET)
    receiver.add_account("standard", "store1", webhook_secrets=["env:STD_SECRET"])
    return receiver


def post(hub: Receiver, key: str) -> dict[str, object]:
    body = event(channel_order_id=key)
    answer = hub.post(PATH, body, standard_headers(SECRET, body, key) | {"content-type": "application/json"})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_delivery_after_the_server_dropped_the_kept_connections_is_stored(hub: Receiver) -> None:
    assert post(hub, "before")["status"] == "accepted"
    with hub.database.engine.connect() as connection:  # the server ends every other session (a restart, say)
        ended = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    assert ended >= 1
    assert post(hub, "after")["status"] == "accepted"
    assert post(hub, "after")["status"] == "duplicate"  # stored once, recognised again
    assert [m.dedupe_key.split(":")[-1] for m in hub.messages()] == ["before", "after"]
