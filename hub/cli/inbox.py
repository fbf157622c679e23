"""``orderhub normalize`` and ``orderhub inbox``: what a message becomes, and the stored messages themselves.

A replay hands what the message left to do to the workers once it is committed (``hub.worker.follow_ups``);
with no broker answering, the command still succeeds, says so, and the sweeps take that work as before.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy import select

from hub.channels.normalize import normalize as normalize_body
from hub.channels.process import process_message
from hub.channels.registry import get_channel
from hub.cli.context import Context
from hub.db.models import InboxMessage
from hub.errors import ConfigurationError, InputRejected
from hub.mapping import MappingError
from hub.runtime import Runtime


@click.command("normalize")
@click.argument("channel")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--topic", help="The topic (e.g. orders/create) for channels that send it in a header.")
def normalize(channel: str, file: Path, topic: str | None) -> None:
    """Print the canonical JSON that FILE (a CHANNEL payload) becomes, exactly as a worker would make it."""
    try:
        source = get_channel(channel)
    except LookupError as exc:
        raise ConfigurationError(str(exc)) from None
    try:
        result = normalize_body(source, topic, file.read_bytes())
    except MappingError as exc:
        raise InputRejected(f"{file}: {exc}") from None
    click.echo(json.dumps(result.as_json(), indent=2, ensure_ascii=False))


@click.group("inbox")
def group() -> None:
    """Stored inbound messages: list, inspect, replay."""


def _summary(message: InboxMessage) -> dict[str, object]:
    return {
        "id": message.id,
        "source": message.source,
        "channel": message.channel,
        "account": message.account,
        "topic": message.topic,
        "status": message.status,
        "received_at": message.received_at.isoformat(),
        "attempts": message.attempts,
        "error": message.error,
    }


@group.command("list")
@click.option("--status", type=click.Choice(["received", "processed", "failed", "ignored"]))
@click.option("--limit", default=50, show_default=True)
@click.pass_obj
def list_messages(ctx: Context, status: str | None, limit: int) -> None:
    """The newest messages, one JSON object per line."""
    query = select(InboxMessage).order_by(InboxMessage.id.desc()).limit(limit)
    if status:
        query = query.where(InboxMessage.status == status)
    with Runtime(ctx.settings).database.session() as session:
        for message in session.scalars(query):
            click.echo(json.dumps(_summary(message)))


@group.command("show")
@click.argument("inbox_id", type=int)
@click.pass_obj
def show(ctx: Context, inbox_id: int) -> None:
    """One message with its headers and raw body."""
    with Runtime(ctx.settings).database.session() as session:
        message = session.get(InboxMessage, inbox_id)
        if message is None:
            raise InputRejected(f"no inbox message {inbox_id}")
        shown = _summary(message) | {
            "dedupe_key": message.dedupe_key,
            "headers": message.headers,
            "body": message.body.decode("utf-8", errors="replace"),
        }
    click.echo(json.dumps(shown, indent=2, ensure_ascii=False))


@group.command("replay")
@click.argument("inbox_id", type=int)
@click.pass_obj
def replay(ctx: Context, inbox_id: int) -> None:
    """Process message INBOX_ID again now (after fixing a mapping or the data it lacked)."""
    from hub.channels.process import MessageNotFound
    from hub.worker.app import create_celery
    from hub.worker.follow_ups import FollowUps

    runtime = Runtime(ctx.settings)
    try:
        outcome = process_message(runtime.database, inbox_id, replay=True)
        follow_ups = FollowUps(create_celery(ctx.settings, runtime), log_failure=False)
        follow_ups(outcome)  # committed: routing and sending start now rather than at the next sweep
    except MessageNotFound as exc:
        raise InputRejected(str(exc)) from None
    finally:
        runtime.close()
    click.echo(json.dumps({"id": inbox_id, "status": outcome.status, "detail": outcome.detail}))
    if not follow_ups.published:
        click.echo(f"the broker did not answer ({follow_ups.failure}): the sweeps take up what it left", err=True)
    if outcome.status == "failed":
        raise SystemExit(1)
