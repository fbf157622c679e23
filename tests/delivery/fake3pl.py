"""A small fake 3PL on loopback for engine tests, and a connector for it installed the way a third-party
distribution would install one (a dist-info directory with an ``orderhub.connectors`` entry point).

The fake keeps orders by the idempotency key it was given (a resend answers with the order it already
has), refuses a wrong API key with 401, can refuse an order as invalid (422) by its reference, and takes
injected failures (503, 429 with ``Retry-After``) from ``FakeServer``.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue

from tests.fakes.server import Failure, FakeServer

API_KEY = "k3y-very-secret-value"

CONNECTOR_MODULE = '''
"""Connectors for the engine tests' fake 3PL (imports only hub.sdk, hub.canonical, pydantic, requests)."""
import requests
from pydantic import BaseModel, SecretStr

from hub.sdk import (
    ConnectorKind, PermanentError, Submitted, TransientError, classify_http_status,
)


class Config(BaseModel):
    base_url: str
    api_key: SecretStr


class Fake3PL:
    name = "fake3pl"
    kind = ConnectorKind.THREE_PL
    Config = Config

    def __init__(self, config, session):
        self.config, self.session = config, session

    def check(self):
        return None

    def _post(self, path, body):
        headers = {"Authorization": "Bearer " + self.config.api_key.get_secret_value()}
        try:
            response = self.session.post(self.config.base_url + path, json=body, headers=headers, timeout=5)
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise TransientError("fake3pl unreachable: " + type(exc).__name__) from None
        error = classify_http_status(response.status_code, response.text[:200], response.headers.get("Retry-After"))
        if error is not None:
            raise error
        return response.json()

    def submit_fulfillment(self, request, idempotency_key):
        body = {"key": idempotency_key, "reference": request.reference, "lines": [
            {"sku": line.sku, "quantity": line.quantity} for line in request.lines]}
        return Submitted(external_id=self._post("/orders", body)["id"])

    def cancel_fulfillment(self, request, ref, idempotency_key):
        self._post("/orders/cancel", {"key": idempotency_key, "id": ref.external_id})


class FakePolling3PL(Fake3PL):
    """Reports shipments by status poll, and leaves confirmation messages to fetch."""

    name = "fakepoll"

    def fetch_status(self, refs):
        from hub.canonical import Shipment
        from hub.sdk import FulfillmentStatus, ShipmentNotice

        answers = self._post("/status", {"ids": [ref.external_id for ref in refs]})
        statuses = []
        for ref in refs:
            answer = answers.get(ref.external_id or "")
            if answer is None:
                continue
            shipments = tuple(
                ShipmentNotice(s["key"], Shipment.model_validate(s["shipment"]), external_id=ref.external_id)
                for s in answer.get("shipments", [])
            )
            statuses.append(FulfillmentStatus(ref, shipments, rejected=answer.get("rejected")))
        return statuses

    def poll_messages(self, limit):
        from hub.sdk import PolledMessage

        return [PolledMessage(m["key"], m["body"].encode()) for m in self._post("/messages", {"limit": limit})]

    def acknowledge_messages(self, keys):
        self._post("/messages/ack", {"keys": list(keys)})


class FakeBatch3PL(Fake3PL):
    name = "fakebatch"

    def submit_fulfillments(self, items):
        body = [{"key": key, "reference": request.reference} for request, key in items]
        answers = self._post("/orders/batch", body)
        return [Submitted(external_id=answer["id"]) if "id" in answer else PermanentError(answer["error"])
                for answer in answers]
'''


@dataclass
class Fake3plServer(FakeServer):
    requests: list[dict[str, Any]] = field(default_factory=list)
    orders: dict[str, str] = field(default_factory=dict)  # idempotency key -> the 3PL's id
    received: list[str] = field(default_factory=list)  # keys, once per order created
    cancelled: list[str] = field(default_factory=list)
    refuse_references: set[str] = field(default_factory=set)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)  # the 3PL's id -> what a poll reports
    messages: list[dict[str, str]] = field(default_factory=list)  # left for the hub to fetch, until acknowledged

    def __post_init__(self) -> None:
        super().__post_init__()
        self._ids = itertools.count(1001)

    def recover(self) -> None:
        """Drop the failures still injected: the partner is back."""
        with self._lock:
            self._failures.clear()

    def _seen(self) -> dict[str, Any]:
        return {"path": request.path, "headers": dict(request.headers), "body": request.get_json(silent=True)}

    def _failure_response(self, failure: Failure) -> Response:
        return jsonify({"error": f"injected {failure.status}"})

    def _authorize(self) -> ResponseReturnValue | None:
        if request.headers.get("Authorization") != f"Bearer {API_KEY}":
            return jsonify({"error": "bad credentials"}), 401
        return None

    def _take(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("reference") in self.refuse_references:
            return {"error": f"order {body['reference']} has an address we cannot ship to"}
        key = body["key"]
        with self._lock:
            if key not in self.orders:
                self.orders[key] = f"3PL-{next(self._ids)}"
                self.received.append(key)
            return {"id": self.orders[key]}

    def _app(self) -> Flask:
        app = Flask("fake3pl")

        @app.post("/orders")
        def create() -> ResponseReturnValue:
            answer = self._take(request.get_json())
            return (jsonify(answer), 422) if "error" in answer else jsonify(answer)

        @app.post("/orders/batch")
        def batch() -> ResponseReturnValue:
            return jsonify([self._take(body) for body in request.get_json()])

        @app.post("/orders/cancel")
        def cancel() -> ResponseReturnValue:
            self.cancelled.append(request.get_json()["key"])
            return jsonify({"ok": True})

        @app.post("/status")
        def status() -> ResponseReturnValue:
            return jsonify({i: self.statuses[i] for i in request.get_json()["ids"] if i in self.statuses})

        @app.post("/messages")
        def messages() -> ResponseReturnValue:
            return jsonify(self.messages[: request.get_json()["limit"]])

        @app.post("/messages/ack")
        def acknowledge() -> ResponseReturnValue:
            keys = set(request.get_json()["keys"])
            self.messages = [m for m in self.messages if m["key"] not in keys]
            return jsonify({"ok": True})

        return app


@pytest.fixture
def fake3pl_installed(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fake3pl and fakebatch connectors, registered through a real dist-info entry point."""
    where = tmp_path_factory.mktemp("dist")
    (where / "fake3pl_connector.py").write_text(CONNECTOR_MODULE)
    dist = where / "fake3pl_connector-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fake3pl-connector\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[orderhub.connectors]\nfake3pl = fake3pl_connector:Fake3PL\nfakebatch = fake3pl_connector:FakeBatch3PL\n"
        "fakepoll = fake3pl_connector:FakePolling3PL\n"
    )
    monkeypatch.syspath_prepend(str(where))
    monkeypatch.setenv("FAKE3PL_API_KEY", API_KEY)
    from hub.delivery.outbox import queue_for

    queue_for.cache_clear()
    yield where
    sys.modules.pop("fake3pl_connector", None)
    queue_for.cache_clear()
