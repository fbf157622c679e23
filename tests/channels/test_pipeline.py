"""The whole intake path with real processes, on the embedded stack and on PostgreSQL + RabbitMQ:
signed webhook over HTTP -> inbox -> relay -> broker -> worker -> order and timeline; and the sweeper
publishing a message that was stored but never handed to the broker (a crash between commit and publish)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import select

from hub.db.models import InboxMessage, OrderEvent, OrderRecord
from hub.db.models.base import utcnow
from hub.db.session import Database
from tests.channels.signing import standard_headers
from tests.processes import free_port, hub_env, hub_process, wait_for

SECRET = "whsec_" + base64.b64encode(b"pipeline-test-secret-0123456789").decode()
EXAMPLE = Path(__file__).resolve().parents[1] / "canonical" / "examples" / "order.v1.json"


def order_event(channel_order_id: str) -> bytes:
    order = json.loads(EXAMPLE.read_text())
    order.pop("id", None)
    order["channel_order_id"] = channel_order_id
    return json.dumps({"type": "order.created", "data": order}).encode()


def test_webhook_to_order_through_broker_and_worker(stack: dict[str, str], tmp_path: Path) -> None:
    env = hub_env(**stack, STD_SECRET=SECRET, HUB_WORKER__SWEEP_SECONDS="1")
    added = subprocess.run(
        [sys.executable, "-m", "hub", "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120
    )
    assert added.returncode == 0, added.stderr
    added = subprocess.run(
        [sys.executable, "-m", "hub", "channel", "add", "standard", "s1", "--webhook-secret", "env:STD_SECRET"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    database = Database(stack["HUB_DATABASE_URL"])
    # A message stored before the crash of a receiver that never published it: only the sweeper can save it.
    with database.session() as session:
        session.add(
            InboxMessage(
                source="webhook",
                channel="standard",
                account="s1",
                topic=None,
                dedupe_key="orphan",
                body=order_event("ORPHAN-1"),
                headers={},
                received_at=utcnow() - timedelta(minutes=1),
            )
        )
    port = free_port()
    with hub_process(["run", "--port", str(port)], env, tmp_path / "run.log"):
        url = f"http://127.0.0.1:{port}/webhooks/standard/s1"

        def up() -> bool:
            try:
                return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_for(up, "the hub to answer", limit=90)
        body = order_event("LIVE-1")
        response = requests.post(url, data=body, headers=standard_headers(SECRET, body, "live-1"), timeout=10)
        assert response.status_code == 200 and response.json()["status"] == "accepted"

        def orders() -> list[str] | None:
            with database.session() as session:
                found = sorted(session.scalars(select(OrderRecord.channel_order_id)).all())
            return found if len(found) == 2 else None

        assert wait_for(orders, "both orders to be processed by the worker", limit=90) == ["LIVE-1", "ORPHAN-1"]
    with database.session() as session:
        messages = {message.dedupe_key: message for message in session.scalars(select(InboxMessage))}
        assert all(message.status == "processed" for message in messages.values())
        # Which of relay and sweeper handed the live message over is a race (a slow machine lets the sweeper
        # win); what counts is that each message, the orphan too, became its order exactly once.
        received = session.execute(
            select(OrderEvent.inbox_message_id, OrderEvent.order_id).where(OrderEvent.type == "order.received")
        ).all()
        assert sorted(inbox_id for inbox_id, _ in received) == sorted(m.id for m in messages.values())
        assert len({order_id for _, order_id in received}) == 2  # routing, which intake triggers, adds its own
    database.dispose()
    log = (tmp_path / "run.log").read_text()
    assert "Traceback" not in log, log[-3000:]
