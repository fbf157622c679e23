"""``orderhub subscriber``: systems that receive the hub's order events, signed per Standard Webhooks.

::

    orderhub subscriber add erp https://erp.example.com/hooks/orderhub --events order.created,order.shipped
    orderhub subscriber list                    # URL, events, state (a disabled one says why)
    orderhub subscriber rotate erp              # new secret; the old one keeps signing until --finish
    orderhub subscriber rotate erp --finish     # stop signing with the old secret
    orderhub subscriber resume erp              # after it was disabled; its held events go at once
    orderhub subscriber remove erp

A subscriber is the connector account ``events:NAME``. Without ``--secret`` the hub makes a ``whsec_`` secret,
keeps it in a file readable only by its owner under the data directory, and prints it once for the
subscriber's verifier. Its URL must resolve to public addresses unless ``--allow-private-network`` is given.
"""

from __future__ import annotations

import base64
import json
import os
import secrets as random_secrets
import time
from pathlib import Path
from typing import Any

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.cli.connectors import CheckFailed, _database, _destination_json, _state_text
from hub.cli.context import Context
from hub.db.models import ConnectorAccount, Delivery, DeliveryDestination
from hub.delivery.accounts import account_spec, build_connector, find_account, save_account
from hub.delivery.destinations import destination_state, resume
from hub.errors import InputRejected
from hub.events.plan import CONNECTOR
from hub.sdk import ConnectorError

KEY_BYTES = 32


@click.group("subscriber")
def group() -> None:
    """Systems that receive order events (signed webhooks)."""


def new_secret() -> str:
    return "whsec_" + base64.b64encode(random_secrets.token_bytes(KEY_BYTES)).decode("ascii")


def _secret_file(ctx: Context, name: str, label: str) -> tuple[str, str]:
    """A fresh secret written to ``<data_dir>/secrets/events-NAME-LABEL.whsec`` (mode 600): (reference, value)."""
    folder = Path(ctx.settings.data_dir) / "secrets"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"events-{name}-{label}.whsec"
    value = new_secret()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value + "\n")
    return f"file:{path}", value


def _check(session: Session, name: str) -> None:
    """The connector's own check: usable secrets, and a URL that resolves to addresses it may send to."""
    try:
        build_connector(account_spec(session, f"{CONNECTOR}:{name}")).check()
    except ConnectorError as error:
        raise CheckFailed(f"subscriber {name}: {error}") from None


@group.command("add")
@click.argument("name")
@click.argument("url")
@click.option("--events", default="*", show_default=True, help="Comma-separated event types, or * for all.")
@click.option("--secret", "secret_ref", metavar="REF", help="The whsec_ secret by reference (env:NAME, file:PATH).")
@click.option("--allow-private-network", is_flag=True, help="Allow a private or loopback address (admin only).")
@click.option("--timeout", type=float, default=15.0, show_default=True, help="Seconds to wait for an answer.")
@click.option("--low-stock-threshold", type=int, default=5, show_default=True, help="inventory.low at or below this.")
@click.pass_obj
def add(
    ctx: Context,
    name: str,
    url: str,
    events: str,
    secret_ref: str | None,
    allow_private_network: bool,
    timeout: float,
    low_stock_threshold: int,
) -> None:
    """Send events to URL as subscriber NAME (created, or updated with the settings given)."""
    settings = {
        "url": url,
        "events": [part.strip() for part in events.split(",") if part.strip()],
        "allow_private_network": allow_private_network,
        "timeout": timeout,
        "low_stock_threshold": low_stock_threshold,
    }
    shown = None
    with _database(ctx).session() as session:
        existing = find_account(session, CONNECTOR, name, active_only=False)
        references = {"secret": secret_ref} if secret_ref else {}
        if not secret_ref and not existing:
            references["secret"], shown = _secret_file(ctx, name, "current")
        save_account(session, CONNECTOR, name, settings, references)
        _check(session, name)
    click.echo(f"{'updated' if existing else 'added'} subscriber {name}: {url} ({events})")
    if shown:
        click.echo(f"signing secret (give it to the subscriber; shown once): {shown}")


@group.command("rotate")
@click.argument("name")
@click.option("--secret", "secret_ref", metavar="REF", help="The new secret by reference; made by the hub if absent.")
@click.option("--finish", is_flag=True, help="Stop signing with the previous secret.")
@click.pass_obj
def rotate(ctx: Context, name: str, secret_ref: str | None, finish: bool) -> None:
    """Start a secret rotation (both secrets sign every message), or finish one."""
    shown = None
    with _database(ctx).session() as session:
        row = _subscriber(session, name)
        references = dict(row.secrets)
        if finish:
            references.pop("previous_secret", None)
        else:
            references["previous_secret"] = references["secret"]
            if secret_ref:
                references["secret"] = secret_ref
            else:
                references["secret"], shown = _secret_file(ctx, name, f"rotated-{int(time.time())}")
        row.secrets = references
        save_account(session, CONNECTOR, name, {}, {})
        _check(session, name)
    if finish:
        click.echo(f"subscriber {name}: messages are signed with the current secret only")
    else:
        click.echo(f"subscriber {name}: messages are signed with the new and the previous secret")
        if shown:
            click.echo(f"new signing secret (shown once): {shown}")


@group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of text.")
@click.pass_obj
def list_subscribers(ctx: Context, as_json: bool) -> None:
    """Every subscriber: URL, events, state (why it is disabled, if it is) and its deliveries by status."""
    with _database(ctx).session() as session:
        views = [_view(session, row) for row in _rows(session)]
    if as_json:
        click.echo(json.dumps(views, indent=2))
        return
    if not views:
        click.echo("no subscribers (add one: orderhub subscriber add NAME URL --events ...)")
    for view in views:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(view["deliveries"].items())) or "no deliveries"
        click.echo(f"{view['name']}: {view['url']} [{','.join(view['events'])}] {_state_text(view)}; {counts}")


@group.command("resume")
@click.argument("name")
@click.pass_obj
def resume_command(ctx: Context, name: str) -> None:
    """Send to a disabled subscriber again; its held events go at once (dead ones: orderhub deliveries replay)."""
    with _database(ctx).session() as session:
        _subscriber(session, name)
        held = resume(session, f"{CONNECTOR}:{name}")
    click.echo(f"subscriber {name} resumed: {held} held events due now")


@group.command("remove")
@click.argument("name")
@click.pass_obj
def remove(ctx: Context, name: str) -> None:
    """Stop planning events for NAME; what is already planned is cancelled."""
    with _database(ctx).session() as session:
        row = _subscriber(session, name)
        row.active = False
        destination = f"{CONNECTOR}:{name}"
        pending = session.scalars(
            select(Delivery).where(Delivery.destination == destination, Delivery.status == "pending")
        ).all()
        for delivery in pending:
            delivery.status, delivery.last_error = "cancelled", "the subscriber was removed"
    click.echo(f"subscriber {name} removed; {len(pending)} pending events cancelled")


def _rows(session: Session) -> list[ConnectorAccount]:
    query = select(ConnectorAccount).where(ConnectorAccount.connector == CONNECTOR).order_by(ConnectorAccount.account)
    return list(session.scalars(query))


def _subscriber(session: Session, name: str) -> ConnectorAccount:
    row = find_account(session, CONNECTOR, name, active_only=False)
    if row is None:
        raise InputRejected(f"no subscriber {name!r} (see `orderhub subscriber list`)")
    return row


def _view(session: Session, row: ConnectorAccount) -> dict[str, Any]:
    destination = f"{CONNECTOR}:{row.account}"
    destination_state(session, destination)
    counts = session.execute(
        select(Delivery.status, func.count()).where(Delivery.destination == destination).group_by(Delivery.status)
    )
    return {
        "name": row.account,
        "url": row.settings.get("url"),
        "events": list(row.settings.get("events", ["*"])),
        "active": row.active,
        "secrets": sorted(row.secrets),
        **_destination_json(session.get(DeliveryDestination, destination)),
        "deliveries": {status: n for status, n in counts},
    }
