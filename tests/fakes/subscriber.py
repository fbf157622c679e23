"""A fake event subscriber: verifies every post with the ``standardwebhooks`` package (the peer's verifier,
not the hub's signing code), keeps what it verified, and answers 204; failures are injected like any fake's
(a status with an optional Retry-After, ``410`` to ask the sender to stop, or ``abort`` to answer with the
``webhook-delivery: abort-message`` header)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, request
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tests.fakes.server import Failure, FakeServer


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: dict[str, Any] | None  # the parsed payload when a secret verified it, else None


@dataclass
class FakeSubscriber(FakeServer):
    secrets: list[str]  # whsec_ secrets the subscriber verifies with (any one may verify)
    requests: list[Received] = field(default_factory=list)
    accepted: list[dict[str, Any]] = field(default_factory=list)  # verified payloads answered 2xx, in order
    abort_with: int | None = None  # answer this status with webhook-delivery: abort-message

    @property
    def url(self) -> str:
        return f"{self.origin}/hooks/orderhub"

    @property
    def events(self) -> list[dict[str, Any]]:
        """The payloads that verified and were taken (answered 2xx), in the order they arrived."""
        return list(self.accepted)

    def _app(self) -> Flask:
        app = Flask("fake-subscriber")

        @app.post("/hooks/orderhub")
        def receive() -> Response:
            headers = {name.lower(): value for name, value in request.headers.items()}
            payload = self._verify(request.get_data(), headers)
            if payload is None:
                return Response('{"error":"bad signature"}', status=401, mimetype="application/json")
            self.accepted.append(payload)
            return Response(status=204)

        return app

    def _seen(self) -> Received:
        headers = {name.lower(): value for name, value in request.headers.items()}
        body = request.get_data()
        return Received(headers, body, self._verify(body, headers))

    def _verify(self, body: bytes, headers: dict[str, str]) -> dict[str, Any] | None:
        for secret in self.secrets:
            try:
                payload = Webhook(secret).verify(body, headers)
            except WebhookVerificationError:
                continue
            return dict(payload)
        return None

    def _failure_response(self, failure: Failure) -> Response:
        response = Response('{"error":"unavailable"}', status=failure.status, mimetype="application/json")
        if self.abort_with == failure.status:
            response.headers["webhook-delivery"] = "abort-message"
        return response
