"""The ``console`` fixture: the hub's Flask app on the test's database (SQLite or PostgreSQL), with users of
each role and a helper that logs in and posts forms with the page's CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
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


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL every engine runs inside the block (the app has its own engine), to show that a list page reads
    a table once for all its rows, not once per row."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


def reads_of(seen: list[str], table: str) -> int:
    """How many of the statements seen read ``table``."""
    return sum(1 for text in seen if text.lstrip().upper().startswith("SELECT") and f"FROM {table}" in text)
