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

import json
from typing import Any

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.cli.connectors import _database, _destination_json, _state_text
from hub.cli.context import Context
from hub.db.models import ConnectorAccount, Delivery, DeliveryDestination
from hub.delivery.destinations import destination_state, resume
from hub.events import subscribers as store
from hub.events.plan import CONNECTOR


@click.group("subscriber")
def group() -> None:
    """Systems that receive order events (signed webhooks)."""


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
    with _database(ctx).session() as session:
        _, created, shown = store.add_subscriber(session, ctx.settings.data_dir, name, settings, secret_ref)
    click.echo(f"{'added' if created else 'updated'} subscriber {name}: {url} ({events})")
    if shown:
        click.echo(f"signing secret (give it to the subscriber; shown once): {shown}")


@group.command("rotate")
@click.argument("name")
@click.option("--secret", "secret_ref", metavar="REF", help="The new secret by reference; made by the hub if absent.")
@click.option("--finish", is_flag=True, help="Stop signing with the previous secret.")
@click.pass_obj
def rotate(ctx: Context, name: str, secret_ref: str | None, finish: bool) -> None:
    """Start a secret rotation (both secrets sign every message), or finish one."""
    with _database(ctx).session() as session:
        shown = store.rotate_secret(session, ctx.settings.data_dir, name, secret_ref, finish=finish)
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
        views = [_view(session, row) for row in store.list_subscribers(session)]
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
        store.get_subscriber(session, name)
        held = resume(session, f"{CONNECTOR}:{name}")
    click.echo(f"subscriber {name} resumed: {held} held events due now")


@group.command("remove")
@click.argument("name")
@click.pass_obj
def remove(ctx: Context, name: str) -> None:
    """Stop planning events for NAME; what is already planned is cancelled."""
    with _database(ctx).session() as session:
        cancelled = store.remove_subscriber(session, name)
    click.echo(f"subscriber {name} removed; {cancelled} pending events cancelled")


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
