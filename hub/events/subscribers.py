"""Subscribers, the connector accounts ``events:NAME``, as ``orderhub subscriber`` and ``/api/v1/subscribers``
manage them: adding one, rotating its signing secret, removing it.

A secret the hub makes is a ``whsec_`` key written to ``<data_dir>/secrets/events-NAME-LABEL.whsec``, readable by
its owner only, and stored as that file's reference: the value is shown once, to whoever made it, and never
kept in the database. Every write ends with the connector's own check (usable secrets, a URL that resolves to
addresses the hub may send to), so a subscriber that could never be reached is refused before it is saved.
"""

from __future__ import annotations

import base64
import os
import secrets as random_secrets
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db.models import ConnectorAccount, Delivery
from hub.delivery.accounts import account_spec, build_connector, find_account, save_account
from hub.errors import ConfigurationError, InputRejected
from hub.events.plan import CONNECTOR
from hub.sdk import ConnectorError

KEY_BYTES = 32


class UnknownSubscriber(InputRejected):
    pass


class SubscriberRefused(InputRejected):
    """The subscriber's own check refused it (a private address without the flag, an unreadable secret)."""


def new_secret() -> str:
    return "whsec_" + base64.b64encode(random_secrets.token_bytes(KEY_BYTES)).decode("ascii")


def write_secret(data_dir: Path, name: str, label: str) -> tuple[str, str]:
    """A fresh secret in ``<data_dir>/secrets/events-NAME-LABEL.whsec`` (mode 600): (reference, value)."""
    folder = Path(data_dir) / "secrets"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"events-{name}-{label}.whsec"
    value = new_secret()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value + "\n")
    return f"file:{path}", value


def check_subscriber(session: Session, name: str) -> None:
    try:
        build_connector(account_spec(session, f"{CONNECTOR}:{name}")).check()
    except (ConnectorError, ConfigurationError) as error:
        raise SubscriberRefused(f"subscriber {name}: {error}") from None
    except UnicodeError:  # a host name no resolver accepts (a label over 63 characters ...)
        raise SubscriberRefused(f"subscriber {name}: the URL's host is not a valid name") from None


def get_subscriber(session: Session, name: str) -> ConnectorAccount:
    row = find_account(session, CONNECTOR, name, active_only=False)
    if row is None:
        raise UnknownSubscriber(f"no subscriber {name!r} (see `orderhub subscriber list`)")
    return row


def list_subscribers(session: Session) -> list[ConnectorAccount]:
    query = select(ConnectorAccount).where(ConnectorAccount.connector == CONNECTOR).order_by(ConnectorAccount.account)
    return list(session.scalars(query))


def add_subscriber(
    session: Session, data_dir: Path, name: str, settings: dict[str, Any], secret_ref: str | None = None
) -> tuple[ConnectorAccount, bool, str | None]:
    """Create subscriber ``name`` or update its settings: (row, created, the new secret when the hub made one)."""
    existing = find_account(session, CONNECTOR, name, active_only=False)
    references = {"secret": secret_ref} if secret_ref else {}
    shown = None
    if not secret_ref and existing is None:
        references["secret"], shown = write_secret(data_dir, name, "current")
    row = save_account(session, CONNECTOR, name, settings, references)
    check_subscriber(session, name)
    return row, existing is None, shown


def rotate_secret(
    session: Session, data_dir: Path, name: str, secret_ref: str | None = None, *, finish: bool = False
) -> str | None:
    """Start a rotation (the new and the previous secret both sign) or finish one; the new secret when the hub
    made it."""
    row = get_subscriber(session, name)
    references = dict(row.secrets)
    shown = None
    if finish:
        references.pop("previous_secret", None)
    else:
        references["previous_secret"] = references["secret"]
        if secret_ref:
            references["secret"] = secret_ref
        else:
            references["secret"], shown = write_secret(data_dir, name, f"rotated-{time.time_ns()}")
    row.secrets = references
    save_account(session, CONNECTOR, name, {}, {})
    check_subscriber(session, name)
    return shown


def remove_subscriber(session: Session, name: str) -> int:
    """Stop planning events for ``name`` and cancel what is planned; returns how many were cancelled."""
    row = get_subscriber(session, name)
    row.active = False
    pending = session.scalars(
        select(Delivery).where(Delivery.destination == f"{CONNECTOR}:{name}", Delivery.status == "pending")
    ).all()
    for delivery in pending:
        delivery.status, delivery.last_error = "cancelled", "the subscriber was removed"
    return len(pending)
