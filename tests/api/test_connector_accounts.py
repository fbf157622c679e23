"""``/api/v1/connectors`` and ``/api/v1/connector-accounts``: installed connectors, accounts created and changed
through the connector's own Config, secrets write-only (set or unset, never the reference)."""

from __future__ import annotations

from sqlalchemy import select

from hub.db.models import ApiAuditEntry, ConnectorAccount
from hub.delivery.destinations import pause
from tests.api.conftest import Api, problem
from tests.sql_statements import reads_of, statements

PATH = "/connector-accounts/shipstation/main"
SECRETS = {"api_key": "env:SS_KEY", "api_secret": "file:/run/secrets/ss"}


def test_an_account_is_made_and_changed_with_secrets_never_shown(api: Api) -> None:
    reader, operator, admin = api.token("read"), api.token("operate"), api.token("admin", "it")
    installed = {c["name"]: c for c in api.get("/connectors", reader).get_json()["items"]}
    assert {"api_key", "api_secret"} <= set(installed["shipstation"]["secrets"])
    problem(api.call("PUT", PATH, operator, json={"secrets": SECRETS}), 403)

    made = api.call("PUT", PATH, admin, json={"settings": {"timeout": 10}, "secrets": SECRETS})
    assert made.status_code == 200, made.get_data(as_text=True)
    view = made.get_json()
    assert view["destination"] == "shipstation:main" and view["settings"] == {"timeout": 10}
    assert view["secrets"] == {"api_key": "set", "api_secret": "set", "webhook_secret": "unset"}
    for path in (PATH, "/connector-accounts"):
        text = api.get(path, reader).get_data(as_text=True)
        assert "SS_KEY" not in text and "/run/secrets" not in text

    seen = {"If-Match": api.get(PATH, reader).headers["ETag"]}
    changed = api.call("PUT", PATH, admin, json={"settings": {"store_id": 7}}, headers=seen)
    assert changed.get_json()["settings"] == {"timeout": 10, "store_id": 7}  # the rest is kept
    stale = api.call("PUT", PATH, admin, json={"settings": {"store_id": 8}}, headers=seen)
    assert problem(stale, 412)["errors"][0]["name"] == "If-Match"
    paused = api.call("PUT", PATH, admin, json={"active": False}).get_json()
    assert paused["active"] is False
    with api.database.session() as session:
        row = session.scalars(select(ConnectorAccount)).one()
        assert row.secrets == SECRETS and row.settings == {"timeout": 10, "store_id": 7}  # as `connector show` sees
        audit = [(a.token_name, a.method, a.status) for a in session.scalars(select(ApiAuditEntry))]
    assert audit.count(("it", "PUT", 200)) == 3 and ("it", "PUT", 412) in audit


def test_mistakes_are_named_by_their_place_in_the_body(api: Api) -> None:
    admin = api.token("admin")

    def refused(body: dict[str, object], status: int = 422) -> list[str]:
        return [error["name"] for error in problem(api.call("PUT", PATH, admin, json=body), status)["errors"]]

    assert refused({"settings": {"api_key": "plain"}, "secrets": SECRETS}) == ["settings.api_key"]
    assert refused({"secrets": SECRETS | {"api_secret": "hunter2"}}) == ["secrets.api_secret"]
    assert refused({"settings": {"timeout": -1}, "secrets": SECRETS}) == ["settings.timeout"]
    assert refused({"settings": {"colour": "red"}, "secrets": SECRETS}) == ["settings.colour"]
    assert "secrets.api_secret" in refused({"secrets": {"api_key": "env:SS_KEY"}})  # required, missing
    assert problem(api.call("PUT", PATH, admin, json={"secret": SECRETS}), 422)["errors"][0]["name"] == "secret"
    problem(api.call("PUT", "/connector-accounts/nope/main", admin, json={}), 404)
    problem(api.call("PUT", "/connector-accounts/events/erp", admin, json={}), 409)
    problem(api.get(PATH, admin), 404)  # nothing was stored


def test_the_account_list_reads_every_destination_s_state_at_once(api: Api) -> None:
    admin = api.token("admin")
    for account in ("a", "b", "c"):
        made = api.call("PUT", f"/connector-accounts/shipstation/{account}", admin, json={"secrets": SECRETS})
        assert made.status_code == 200, made.get_data(as_text=True)
    with api.database.session() as session:
        pause(session, "shipstation:b", "held for a stock take")
    with statements() as seen:
        listed = api.get("/connector-accounts", admin).get_json()["items"]
    assert [(a["account"], a["paused"], a["paused_reason"]) for a in listed] == [
        ("a", False, None),
        ("b", True, "held for a stock take"),
        ("c", False, None),
    ]
    assert reads_of(seen, "delivery_destinations") == 1 and reads_of(seen, "deliveries") == 1
