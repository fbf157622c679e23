"""The ``api`` fixture: the hub's Flask app on the test's database (SQLite or PostgreSQL), with helpers to
make tokens and call ``/api/v1`` with them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hub.api.auth import create_token
from hub.db.session import Database
from hub.web.app import create_app

PREFIX = "/api/v1"


@dataclass
class Api:
    client: FlaskClient
    database: Database

    def token(self, scope: str, name: str | None = None) -> str:
        with self.database.session() as session:
            return create_token(session, name or f"{scope}-token", scope, created_by="test")[1]

    def call(self, method: str, path: str, token: str | None, **options: Any) -> TestResponse:
        headers = dict(options.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.open(PREFIX + path, method=method, headers=headers, **options)

    def get(self, path: str, token: str | None, **options: Any) -> TestResponse:
        return self.call("GET", path, token, **options)

    def post(self, path: str, token: str | None, body: Any = None, **options: Any) -> TestResponse:
        return self.call("POST", path, token, json=body if body is not None else {}, **options)


@pytest.fixture
def api(make_settings, database: Database, database_url: str) -> Api:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(database_url=database_url))
    return Api(app.test_client(), database)


def problem(response: TestResponse, status: int) -> dict[str, Any]:
    """The problem document of ``response``, checked to be one with ``status``."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    assert body["status"] == status and body["type"].startswith("urn:orderhub:problem:") and body["detail"]
    return body
