"""The baseline the webhook benchmark compares against: a bare Flask endpoint that inserts the body into
PostgreSQL and publishes one message to RabbitMQ with publisher confirms, per request (the naive receiver).

Run by bench/webhooks.py under gunicorn: ``gunicorn bench.baseline_app:app``; settings from BENCH_* variables.
"""

from __future__ import annotations

import os

from flask import Flask, request
from kombu import Connection, Exchange, Producer, Queue
from sqlalchemy import create_engine, text

app = Flask(__name__)
_state: dict[str, object] = {}
QUEUE = Queue("bench-baseline", Exchange("bench-baseline", type="direct"), routing_key="bench-baseline")


def _resources() -> tuple[object, Producer]:
    if "pid" not in _state or _state["pid"] != os.getpid():
        engine = create_engine(os.environ["BENCH_DATABASE_URL"], pool_size=2)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "CREATE TABLE IF NOT EXISTS bench_inbox"
                    " (id BIGSERIAL PRIMARY KEY, body BYTEA, received_at TIMESTAMPTZ DEFAULT now())"
                )
            )
        broker = Connection(os.environ["BENCH_BROKER_URL"], transport_options={"confirm_publish": True})
        channel = broker.channel()
        QUEUE(channel).declare()
        _state.update(
            pid=os.getpid(),
            engine=engine,
            producer=Producer(channel, exchange=QUEUE.exchange, routing_key="bench-baseline"),
        )
    return _state["engine"], _state["producer"]  # type: ignore[return-value]


@app.post("/webhook")
def webhook() -> tuple[str, int]:
    engine, producer = _resources()
    with engine.begin() as connection:  # type: ignore[attr-defined]
        inbox_id = connection.execute(
            text("INSERT INTO bench_inbox (body) VALUES (:body) RETURNING id"), {"body": request.get_data()}
        ).scalar_one()
    producer.publish({"id": inbox_id}, serializer="json", delivery_mode=2)
    return "ok", 200
