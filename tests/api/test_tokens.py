"""API tokens: scopes, revocation, stored as digests, managed by admins through the API and by the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from hub.db.models import ApiAuditEntry, ApiToken
from tests.api.conftest import Api, problem
from tests.cli.hub_runner import hub_for


def test_admin_manages_tokens_and_others_cannot(api: Api) -> None:
    admin, operator, reader = api.token("admin", "root"), api.token("operate"), api.token("read")
    problem(api.post("/tokens", operator, {"name": "x", "scope": "read"}), 403)  # operate cannot make tokens
    problem(api.get("/tokens", reader), 403)

    made = api.post("/tokens", admin, {"name": "ci", "scope": "read"})
    assert made.status_code == 201, made.get_data(as_text=True)
    token = made.get_json()["token"]
    assert made.get_json()["created_by"] == "api:root"
    assert api.get("/orders", token).status_code == 200  # it works at once
    problem(api.post("/tokens", token, {"name": "z", "scope": "admin"}), 403)
    assert problem(api.post("/tokens", admin, {"name": "ci", "scope": "read"}), 409)["detail"].startswith("a token")
    bad_name = problem(api.post("/tokens", admin, {"name": "bad name!", "scope": "read"}), 422)
    assert bad_name["errors"][0]["name"] == "name"
    problem(api.post("/tokens", admin, {"name": "y", "scope": "root"}), 422)

    listed = api.get("/tokens", admin)
    assert {t["name"] for t in listed.get_json()["items"]} == {"root", "operate-token", "read-token", "ci"}
    assert token not in listed.get_data(as_text=True)  # never shown again

    assert api.call("DELETE", "/tokens/ci", admin).get_json()["revoked_at"]
    assert "revoked" in problem(api.get("/orders", token), 401)["detail"]  # a revoked token is refused
    problem(api.call("DELETE", "/tokens/ci", admin), 404)
    problem(api.call("DELETE", "/tokens/root", admin), 400)  # not itself
    with api.database.session() as session:
        rows = session.scalars(select(ApiToken)).all()
        audit = [(a.token_name, a.method, a.status) for a in session.scalars(select(ApiAuditEntry))]
    assert all(token not in (row.token_hash, row.prefix) and len(row.token_hash) == 64 for row in rows)
    assert ("root", "POST", 201) in audit and ("root", "DELETE", 200) in audit


def test_unknown_and_malformed_tokens_are_401(api: Api) -> None:
    api.token("read")
    for header in ("Bearer ohk_nope", "Basic dXNlcjpwYXNz", "Bearer", ""):
        response = api.get("/orders", None, headers={"Authorization": header} if header else {})
        problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_token_commands(
    api: Api, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hub = hub_for(api.database, database_url, tmp_path, monkeypatch, capsys)
    token = hub("token", "create", "night-shift", "--scope", "operate").strip()
    assert token.startswith("ohk_") and len(token) > 40
    assert api.post("/deliveries/1/replay", token).status_code == 404  # operate may act (nothing to replay)
    assert "night-shift  operate" in hub("token", "list") and token not in hub("token", "list")
    code, err = hub.fails("token", "create", "night-shift", "--scope", "read")
    assert code == 2 and "exists" in err
    assert "revoked" in hub("token", "revoke", "night-shift")
    problem(api.get("/orders", token), 401)
    assert "revoked" in hub("token", "list")
    code, err = hub.fails("token", "revoke", "night-shift")
    assert code == 2 and "no live token" in err
    again = hub("token", "create", "night-shift", "--scope", "read").strip()  # the name can be used again
    assert api.get("/orders", again).status_code == 200 and api.get("/orders", token).status_code == 401
