"""Logging in and out: wrong passwords, the rate limit, CSRF refusals, secure headers, roles."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.console.security import KEY_FILE, secret_key
from hub.console.users import remove_user
from hub.db.models import ConsoleUser, LoginFailure
from hub.errors import ConfigurationError
from tests.console.conftest import Console


def test_login_opens_the_dashboard_and_logout_closes_it(console: Console) -> None:
    console.user("Ops@Example.com", "viewer")
    assert console.client.get("/console/").status_code == 302  # not logged in: to the login page
    answer = console.login("ops@example.com")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/console/")
    assert "Dashboard" in console.page("/console/")
    assert console.post("/console/logout").status_code == 302
    assert console.client.get("/console/").headers["Location"].startswith("/console/login")
    with console.database.session() as session:
        assert session.scalars(select(ConsoleUser)).one().last_login_at is not None


def test_wrong_password_and_unknown_email_are_refused_alike(console: Console) -> None:
    console.user("ops@example.com", "operator")
    wrong = console.login("ops@example.com", "not the password")
    unknown = console.login("nobody@example.com", "not the password")
    for answer in (wrong, unknown):
        assert answer.status_code == 401 and "wrong email or password" in answer.get_data(as_text=True)
    assert console.client.get("/console/").status_code == 302


def test_five_failures_lock_the_email_from_that_address_even_for_the_right_password(console: Console) -> None:
    console.user("ops@example.com", "operator")
    console.user("other@example.com", "operator")
    for _ in range(5):
        assert console.login("ops@example.com", "guess").status_code == 401
    locked = console.login("ops@example.com")
    assert locked.status_code == 401 and "too many failed logins" in locked.get_data(as_text=True)
    assert console.login("other@example.com").status_code == 302  # another email is not locked
    with console.database.session() as session:
        assert len(session.scalars(select(LoginFailure).where(LoginFailure.email == "ops@example.com")).all()) == 5


def test_a_post_without_the_csrf_token_is_refused(console: Console) -> None:
    console.user("ops@example.com", "operator")
    refused = console.client.post("/console/login", data={"email": "ops@example.com", "password": "x" * 20})
    assert refused.status_code == 400 and "security token" in refused.get_data(as_text=True)
    console.login("ops@example.com")
    forged = console.client.post("/console/logout", data={"csrf_token": "forged"})
    assert forged.status_code == 400
    assert "Dashboard" in console.page("/console/")  # still logged in


def test_pages_carry_secure_headers(console: Console) -> None:
    answer = console.client.get("/console/login")
    csp = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"]
    assert "<script>" not in answer.get_data(as_text=True)  # only <script src=...>
    htmx = console.client.get("/console/static/htmx.min.js")
    assert htmx.status_code == 200 and b"htmx" in htmx.get_data()


def test_a_removed_user_is_logged_out(console: Console) -> None:
    console.as_role("operator")
    with console.database.session() as session:
        remove_user(session, "operator@example.com")
    assert console.client.get("/console/").status_code == 302


def test_the_session_key_is_made_once_under_the_data_dir_or_read_from_its_reference(
    make_settings,
    database_url: str,
    tmp_path,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    settings = make_settings(database_url=database_url)
    made = secret_key(settings)
    path = settings.data_dir / KEY_FILE
    assert len(made) > 40 and path.read_text() == made and path.stat().st_mode & 0o777 == 0o600
    assert secret_key(make_settings(database_url=database_url)) == made  # every worker signs with the same key
    monkeypatch.setenv("CONSOLE_KEY", "k" * 48)
    assert secret_key(make_settings(database_url=database_url, web={"secret_key": "env:CONSOLE_KEY"})) == "k" * 48
    with pytest.raises(ConfigurationError, match="HUB_WEB__SECRET_KEY must be a reference"):
        make_settings(database_url=database_url, web={"secret_key": "a-plain-value"})
