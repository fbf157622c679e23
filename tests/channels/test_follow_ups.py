"""Orders taken in outside the ingest tasks are routed without waiting for the routing sweep: a message
replayed with ``orderhub inbox replay``, and orders pulled from a polling channel (Walmart) by the worker's
``hub.ingest.pull`` or by ``orderhub channel pull``, each put ``hub.route.order`` on the route queue at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from celery import Celery
from sqlalchemy import select

from hub.channels import oauth
from hub.channels.sources import walmart as walmart_source
from hub.cli import main
from hub.db.models import ChannelAccount, OrderRecord
from hub.db.session import Database
from hub.worker.queues import ROUTE
from tests.api.test_inbox_follow_ups import failed_order_message
from tests.fakes.walmart import FakeWalmart
from tests.processes import free_port
from tests.stacks import hub_on, take_task

ORDERS: list[dict[str, Any]] = json.loads((Path(__file__).parent / "samples" / "walmart" / "orders.json").read_text())


class Stack(NamedTuple):
    database: Database
    celery: Celery


@pytest.fixture
def on_stack(migrated_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """A hub on each stack, which ``orderhub`` commands run in this process use too."""
    for name, value in migrated_stack.items():
        monkeypatch.setenv(name, value)
    runtime, celery = hub_on(migrated_stack)
    yield Stack(runtime.database, celery)
    runtime.close()


@pytest.fixture
def walmart(on_stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWalmart]:
    """A Walmart seller account on the hub, its API a fake holding the first sample order."""
    monkeypatch.setattr(walmart_source, "_tokens", oauth.TokenCache())
    with FakeWalmart() as fake:
        monkeypatch.setenv("WM_CLIENT_ID", fake.client_id)
        monkeypatch.setenv("WM_CLIENT_SECRET", fake.client_secret)
        settings = {"base_url": fake.url, "client_id": "env:WM_CLIENT_ID", "client_secret": "env:WM_CLIENT_SECRET"}
        settings["initial_days"] = "700"  # the samples are from March
        with on_stack.database.session() as session:
            session.add(ChannelAccount(channel="walmart", account="seller1", settings=settings))
        fake.put(ORDERS[0])
        yield fake


def orders(database: Database) -> list[str]:
    with database.session() as session:
        return list(session.scalars(select(OrderRecord.id)))


def test_a_message_replayed_from_the_command_line_is_put_up_for_routing_at_once(
    on_stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox_id = failed_order_message(on_stack.database, "CLI-REPLAY-1")
    main(["inbox", "replay", str(inbox_id)])
    assert json.loads(capsys.readouterr().out)["status"] == "processed"
    (order_id,) = orders(on_stack.database)
    assert take_task(on_stack.celery, ROUTE) == ("hub.route.order", [order_id])


def test_an_order_the_worker_pulls_is_put_up_for_routing_at_once(on_stack: Stack, walmart: FakeWalmart) -> None:
    assert on_stack.celery.tasks["hub.ingest.pull"]("walmart", "seller1") == 1  # runs here, on the stack's broker
    (order_id,) = orders(on_stack.database)
    assert take_task(on_stack.celery, ROUTE) == ("hub.route.order", [order_id])


def test_an_order_pulled_from_the_command_line_is_put_up_for_routing_at_once(
    on_stack: Stack, walmart: FakeWalmart, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["channel", "pull", "walmart", "seller1"])
    assert json.loads(capsys.readouterr().out)["stored"] == 1
    (order_id,) = orders(on_stack.database)
    assert take_task(on_stack.celery, ROUTE) == ("hub.route.order", [order_id])


def test_with_no_broker_answering_a_replay_still_succeeds_and_says_the_sweeps_take_over(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", database_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HUB_BROKER_URL", f"amqp://guest:guest@127.0.0.1:{free_port()}//")  # nothing listens
    database = Database(database_url)
    try:
        inbox_id = failed_order_message(database, "CLI-REPLAY-2")
        main(["inbox", "replay", str(inbox_id)])  # returns: exit status 0
        printed = capsys.readouterr()
        assert json.loads(printed.out)["status"] == "processed" and len(orders(database)) == 1
        assert printed.err.startswith("the broker did not answer (") and len(printed.err.splitlines()) == 1
        assert printed.err.endswith("): the sweeps take up what it left\n") and "Traceback" not in printed.err
    finally:
        database.dispose()
