"""A partner's X12 HTTP endpoint on loopback: ``POST /edi/in`` with a bearer token, each request recorded.

``fail_next(status, retry_after=...)`` answers the next requests with an error (500, 429, 400 ...), and
``redirect_next`` with a 302, so the hub's classification of each answer can be checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, Response, request
from flask.typing import ResponseReturnValue

from tests.fakes.server import Failure, FakeServer

PATH = "/edi/in"


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]


@dataclass
class FakePartner(FakeServer):
    token: str = "partner-token-0b1c"
    requests: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.origin}{PATH}"

    def bodies(self) -> list[bytes]:
        return [seen.body for seen in self.requests]

    def _app(self) -> Flask:
        app = Flask("fake-partner")

        @app.post(PATH)
        def receive() -> ResponseReturnValue:
            return Response("received", status=200, mimetype="text/plain")

        @app.post("/moved")
        def moved() -> ResponseReturnValue:
            return Response("", status=302, headers={"Location": f"{self.origin}/elsewhere"})

        return app

    def _seen(self) -> Received:
        return Received(request.get_data(), {name.lower(): value for name, value in request.headers.items()})

    def _failure_response(self, failure: Failure) -> Response:
        return Response(f"partner says no ({failure.status})\n  details   here", mimetype="text/plain")

    def _authorize(self) -> ResponseReturnValue | None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return Response("bad token", status=401, mimetype="text/plain")
        return None
