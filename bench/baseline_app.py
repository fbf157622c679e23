"""The baselines the webhook benchmark compares against, two bare Flask endpoints on the same PostgreSQL:

* ``POST /webhook``: the naive receiver, which inserts the body and publishes one message to RabbitMQ with
  publisher confirms, per request;
* ``POST /verify-insert``: the physical limit of a receiver that must not lose a delivery, which checks the
  Shopify HMAC of the body and makes one INSERT on an autocommit connection (one round trip), and nothing
  else: no publish, no dedupe, no headers kept.

Run by bench/webhooks.py under gunicorn: ``gunicorn bench.baseline_app:app``; settings from BENCH_* variables.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from flask import Flask, request
from kombu import Connection, Exchange, Producer, Queue
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

app = Flask(__name__)
_state: dict[str, object] = {}
QUEUE = Queue("bench-baseline", Exchange("bench-baseline", type="direct"), routing_key="bench-baseline")
INSERT = text("INSERT INTO bench_inbox (body) VALUES (:body) RETURNING id")


def _engine() -> Engine:
    if _state.get("pid") != os.getpid():
        engine = create_engine(os.environ["BENCH_DATABASE_URL"], pool_size=4)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "CREATE TABLE IF NOT EXISTS bench_inbox"
                    " (id BIGSERIAL PRIMARY KEY, body BYTEA, received_at TIMESTAMPTZ DEFAULT now())"
                )
            )
        _state.clear()
        _state.update(pid=os.getpid(), engine=engine, autocommit=engine.execution_options(isolation_level="AUTOCOMMIT"))
    return _state["engine"]  # type: ignore[return-value]


def _producer() -> Producer:
    _engine()
    if "producer" not in _state:
        broker = Connection(os.environ["BENCH_BROKER_URL"], transport_options={"confirm_publish": True})
        channel = broker.channel()
        QUEUE(channel).declare()
        _state["producer"] = Producer(channel, exchange=QUEUE.exchange, routing_key="bench-baseline")
    return _state["producer"]  # type: ignore[return-value]


@app.post("/webhook")
def webhook() -> tuple[str, int]:
    engine, producer = _engine(), _producer()
    with engine.begin() as connection:
        inbox_id = connection.execute(INSERT, {"body": request.get_data()}).scalar_one()
    producer.publish({"id": inbox_id}, serializer="json", delivery_mode=2)
    return "ok", 200


@app.post("/verify-insert")
def verify_insert() -> tuple[str, int]:
    _engine()
    body = request.get_data()
    expected = base64.b64encode(hmac.new(os.environ["BENCH_SECRET"].encode(), body, hashlib.sha256).digest())
    if not hmac.compare_digest(expected, request.headers.get("X-Shopify-Hmac-Sha256", "").encode()):
        return "invalid signature", 401
    with _state["autocommit"].connect() as connection:  # type: ignore[attr-defined]
        connection.execute(INSERT, {"body": body})
    return "ok", 200
