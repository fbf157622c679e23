"""The ``console`` fixture: the hub's Flask app on the test's database (SQLite or PostgreSQL), with users of
each role and a helper that logs in and posts forms with the page's CSRF token."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hub.console.users import add_user
from hub.db.session import Database
from hub.web.app import create_app

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Console:
    client: FlaskClient
    database: Database

    def user(self, email: str, role: str) -> str:
        with self.database.session() as session:
            add_user(session, email, role, PASSWORD)
        return email

    def csrf(self, path: str = "/console/login") -> str:
        page = self.client.get(path).get_data(as_text=True)
        found = CSRF.search(page)
        assert found, page
        return found.group(1)

    def login(self, email: str, password: str = PASSWORD) -> TestResponse:
        token = self.csrf()
        return self.client.post("/console/login", data={"email": email, "password": password, "csrf_token": token})

    def as_role(self, role: str) -> str:
        email = self.user(f"{role}@example.com", role)
        assert self.login(email).status_code == 302
        return email

    def post(self, path: str, data: dict[str, Any] | None = None, **options: Any) -> TestResponse:
        form = {"csrf_token": self.csrf("/console/"), **(data or {})}
        return self.client.post(path, data=form, **options)

    def page(self, path: str) -> str:
        response = self.client.get(path)
        assert response.status_code == 200, response.get_data(as_text=True)[:2000]
        return response.get_data(as_text=True)


@pytest.fixture
def console(make_settings, database: Database, database_url: str) -> Console:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(database_url=database_url))
    return Console(app.test_client(), database)

