"""Connector accounts: stored settings validated against the connector's ``Config``, and the one place a
connector instance is built from them (secrets resolved on use, an HTTP session injected).

A destination is named ``<connector>:<account>``. Secrets are kept as references (``env:NAME``,
``file:PATH``) beside the plain settings and resolved only when an instance is built, so no value is
stored, listed or logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from pydantic import BaseModel, SecretStr, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db.models import ConnectorAccount
from hub.errors import ConfigurationError, InputRejected
from hub.sdk import Connector, UnknownConnector, load_connector
from hub.secrets import check_reference, resolve_secret


class UnknownDestination(LookupError):
    """No active connector account has that name."""


def destination_name(connector: str, account: str) -> str:
    return f"{connector}:{account}"


def split_destination(destination: str) -> tuple[str, str]:
    connector, sep, account = destination.partition(":")
    if not sep or not connector or not account:
        raise InputRejected(f"{destination!r} is not CONNECTOR:ACCOUNT (for example shipstation:main)")
    return connector, account


def connector_class(name: str) -> type[Connector]:
    try:
        return load_connector(name)
    except UnknownConnector as exc:
        raise InputRejected(str(exc)) from None


def validate_config(
    name: str, settings: dict[str, Any], secrets: dict[str, str], *, resolve: bool = False
) -> BaseModel:
    """The connector's ``Config`` built from settings and secret references, or ``InputRejected`` naming each
    wrong field. Without ``resolve`` a secret's reference stands in for its value: the shape is checked
    when the account is added, on a machine that may not hold the secret itself."""
    cls = connector_class(name)
    values: dict[str, Any] = dict(settings)
    for key, reference in secrets.items():
        check_reference(reference, f"secret {key!r}")
        values[key] = resolve_secret(reference) if resolve else SecretStr(reference)
    try:
        return cls.Config.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or '(config)'}: {error['msg']}" for error in exc.errors()
        )
        raise InputRejected(f"{name} settings are not valid: {problems}") from None


def save_account(
    session: Session, name: str, account: str, settings: dict[str, Any], secrets: dict[str, str]
) -> ConnectorAccount:
    """Create or update an account; settings given replace those of the same name, the rest are kept."""
    row = find_account(session, name, account, active_only=False)
    merged_settings = {**(row.settings if row else {}), **settings}
    merged_secrets = {**(row.secrets if row else {}), **secrets}
    validate_config(name, merged_settings, merged_secrets)
    if row is None:
        row = ConnectorAccount(connector=name, account=account, settings=merged_settings, secrets=merged_secrets)
        session.add(row)
    else:
        row.settings, row.secrets, row.active = merged_settings, merged_secrets, True
    session.flush()
    return row


def find_account(session: Session, name: str, account: str, *, active_only: bool = True) -> ConnectorAccount | None:
    query = select(ConnectorAccount).where(ConnectorAccount.connector == name, ConnectorAccount.account == account)
    row = session.scalars(query).one_or_none()
    if row is None or (active_only and not row.active):
        return None
    return row


@dataclass(frozen=True)
class AccountSpec:
    """What building an instance needs, read in a transaction and used outside it."""

    connector: str
    account: str
    settings: dict[str, Any]
    secrets: dict[str, str]

    @property
    def destination(self) -> str:
        return destination_name(self.connector, self.account)


def account_spec(session: Session, destination: str) -> AccountSpec:
    name, account = split_destination(destination)
    row = find_account(session, name, account)
    if row is None:
        raise UnknownDestination(f"no active connector account {destination!r} (orderhub connector add)")
    return AccountSpec(name, account, dict(row.settings), dict(row.secrets))


def build_connector(spec: AccountSpec, http: requests.Session | None = None) -> Connector:
    """An instance of the account's connector with its secrets resolved; ``ConfigurationError`` when a secret
    cannot be read or the stored settings no longer validate."""
    try:
        config = validate_config(spec.connector, spec.settings, spec.secrets, resolve=True)
    except InputRejected as exc:
        raise ConfigurationError(f"connector account {spec.destination}: {exc}") from None
    return connector_class(spec.connector)(config, http or requests.Session())
