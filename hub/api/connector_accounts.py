"""``/api/v1/connectors`` and ``/api/v1/connector-accounts``: the connectors installed, and their configured
accounts (``orderhub connector list|show|add``, through the same store: ``hub.delivery.accounts``).

Secrets are write-only. They are given as references (``env:NAME``, ``file:PATH``), as everywhere in the hub,
so the value itself is never stored; a view says of each secret setting only whether it is ``set``, not even
the reference. A write names only what changes: settings and secrets given replace those of the same name,
the rest are kept. Everything is checked by the connector's own ``Config`` before it is stored, so a mistake
is a 422 naming ``settings.<name>`` or ``secrets.<name>``. Subscribers (connector ``events``) have their
own resource, which makes and rotates their secrets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.conditional import check_if_match, etag_of
from hub.api.destination_views import destination_views
from hub.api.pagination import PageQuery, fetch_page
from hub.api.problems import FieldError, Problem, bad_field
from hub.api.registry import BodyModel, Call, Reply, operation
from hub.db.models import ConnectorAccount
from hub.delivery.accounts import connector_class, destination_name, find_account, save_account
from hub.errors import ConfigurationError, InputRejected
from hub.events.plan import CONNECTOR as EVENTS
from hub.sdk import Connector, available_connectors, capabilities_of, load_connector
from hub.secrets import check_reference

ACCOUNT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
SecretState = Literal["set", "unset"]


class Installed(BaseModel):
    name: str
    kind: str | None
    capabilities: list[str]
    secrets: list[str] = Field(description="Settings of its Config that are secrets (given as references).")
    error: str | None = Field(description="Why it cannot be loaded, when it cannot.")


class InstalledList(BaseModel):
    items: list[Installed]


class AccountView(BaseModel):
    destination: str = Field(description="CONNECTOR:ACCOUNT, as locations name their fulfiller.")
    connector: str
    account: str
    active: bool
    settings: dict[str, Any]
    secrets: dict[str, SecretState] = Field(description="Each secret setting: set or unset (never its value).")
    webhook_path: str
    paused: bool
    paused_reason: str | None
    breaker: str
    failures: int
    deliveries: dict[str, int]


class AccountList(BaseModel):
    items: list[AccountView]
    next_cursor: str | None


class AccountChange(BodyModel):
    settings: dict[str, Any] = Field(default_factory=dict, description="Settings to set, by name.")
    secrets: dict[str, str] = Field(default_factory=dict, description="Secrets to set, as env:NAME or file:PATH.")
    active: bool | None = Field(default=None, description="False stops deliveries to it (default: active).")


def _secret_fields(cls: type[Connector]) -> list[str]:
    return sorted(name for name, field in cls.Config.model_fields.items() if "SecretStr" in str(field.annotation))


def _installed(name: str) -> Installed:
    try:
        cls = load_connector(name)
    except Exception as error:  # noqa: BLE001 - a broken third-party package must not hide the others
        return Installed(name=name, kind=None, capabilities=[], secrets=[], error=f"{type(error).__name__}: {error}")
    return Installed(name=name, kind=str(cls.kind), capabilities=list(capabilities_of(cls)),
                     secrets=_secret_fields(cls), error=None)  # fmt: skip


def _view(row: ConnectorAccount, destination: dict[str, Any]) -> dict[str, Any]:
    """The account as the API shows it, with its destination's view (``hub.api.destination_views``)."""
    try:
        names = _secret_fields(connector_class(row.connector))
    except InputRejected:  # its package was uninstalled: still show what is stored
        names = []
    return {
        "destination": destination_name(row.connector, row.account), "connector": row.connector,
        "account": row.account, "active": row.active, "settings": dict(row.settings),
        "secrets": {name: "set" if row.secrets.get(name) else "unset" for name in sorted({*names, *row.secrets})},
        "webhook_path": f"/webhooks/connectors/{row.connector}/{row.account}", **destination,
    }  # fmt: skip


def _views(session: Session, rows: Sequence[ConnectorAccount]) -> list[dict[str, Any]]:
    names = [destination_name(row.connector, row.account) for row in rows]
    destinations = destination_views(session, names)
    return [_view(row, destinations[name]) for row, name in zip(rows, names, strict=True)]


@operation("GET", "/connectors", scope="read", tag="connectors", response=InstalledList,
           summary="Connectors installed, with their kind, capabilities and secret settings")  # fmt: skip
def list_installed(call: Call) -> InstalledList:
    return InstalledList(items=[_installed(name) for name in sorted(available_connectors())])


@operation("GET", "/connector-accounts", scope="read", tag="connectors", query=PageQuery, response=AccountList,
           summary="Configured connector accounts by connector and account (secrets only as set or unset)")  # fmt: skip
def list_accounts(call: Call) -> AccountList:
    q: PageQuery = call.query
    rows, cursor = fetch_page(
        call.session, select(ConnectorAccount), [ConnectorAccount.connector, ConnectorAccount.account], [str, str],
        limit=q.limit, cursor=q.cursor, key=lambda row: [row.connector, row.account], descending=False,
    )  # fmt: skip
    items = [AccountView.model_validate(view) for view in _views(call.session, rows)]
    return AccountList(items=items, next_cursor=cursor)


def _known(call: Call, connector: str, account: str) -> ConnectorAccount:
    row = find_account(call.session, connector, account, active_only=False)
    if row is None:
        raise Problem(404, f"no connector account {destination_name(connector, account)!r}")
    return row


@operation("GET", "/connector-accounts/<connector>/<account>", scope="read", tag="connectors", response=AccountView,
           etag=True, summary="One connector account: settings, secrets set or unset, state, deliveries")  # fmt: skip
def read_account(call: Call, connector: str, account: str) -> Reply:
    (view,) = _views(call.session, [_known(call, connector, account)])
    return Reply(AccountView.model_validate(view), etag_of(view))


def _check(connector: str, current: ConnectorAccount | None, change: AccountChange) -> None:
    """The change as the connector's Config sees it, with every mistake named by its place in the body."""
    secrets = set(_secret_fields(connector_class(connector)))
    errors = [FieldError(name=f"settings.{key}", location="body", detail="is a secret: give it under secrets as "
                         "env:NAME or file:PATH") for key in sorted(set(change.settings) & secrets)]  # fmt: skip
    for key, reference in change.secrets.items():
        try:
            check_reference(reference, f"secret {key!r}")
        except ConfigurationError as error:
            errors.append(FieldError(name=f"secrets.{key}", location="body", detail=str(error)))
    if not errors:
        merged = {**(current.settings if current else {}), **change.settings}
        stored = {**(current.secrets if current else {}), **change.secrets}
        try:
            connector_class(connector).Config.model_validate(merged | {k: SecretStr(v) for k, v in stored.items()})
        except ValidationError as error:
            errors = [_named(item, secrets) for item in error.errors(include_url=False)]
    if errors:
        named = "; ".join(f"{e.name}: {e.detail}" for e in errors[:5])
        raise Problem(422, f"invalid {connector} account: {named}", errors=errors)


def _named(item: Any, secrets: set[str]) -> FieldError:
    path = ".".join(str(part) for part in item["loc"])
    section = "secrets" if item["loc"] and item["loc"][0] in secrets else "settings"
    detail = "unknown setting" if item["type"] == "extra_forbidden" else item["msg"]
    return FieldError(name=f"{section}.{path}" if path else section, location="body", detail=detail)


@operation("PUT", "/connector-accounts/<connector>/<account>", scope="admin", tag="connectors", body=AccountChange,
           response=AccountView, etag=True, if_match=True, problems=(409,),
           summary="Create the account or change the settings and secrets given")  # fmt: skip
def write_account(call: Call, connector: str, account: str) -> Reply:
    body: AccountChange = call.body
    if connector == EVENTS:
        raise Problem(409, "subscribers are managed under /api/v1/subscribers, which makes their secrets")
    try:
        connector_class(connector)
    except InputRejected as unknown:
        raise Problem(404, str(unknown)) from None
    if not ACCOUNT.fullmatch(account):
        raise bad_field(400, "path", "account", "1 to 128 letters, digits, '.', '_' or '-'")
    current = find_account(call.session, connector, account, active_only=False)
    check_if_match(call.if_match, etag_of(_views(call.session, [current])[0]) if current else '"absent"')
    _check(connector, current, body)
    row = save_account(call.session, connector, account, dict(body.settings), dict(body.secrets))
    row.active = body.active if body.active is not None else True
    call.session.flush()
    (view,) = _views(call.session, [row])
    return Reply(AccountView.model_validate(view), etag_of(view))
