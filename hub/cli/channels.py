"""``orderhub channel``: the sales-channel accounts the hub receives from and pulls from."""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy import select

from hub.channels.accounts import SHIP_WITHIN_DAYS, check_ship_within_days
from hub.channels.intake import UnknownAccount
from hub.channels.pull import pull_account
from hub.channels.registry import all_channels, get_channel
from hub.cli.context import Context
from hub.db.models import ChannelAccount
from hub.errors import ConfigurationError, InputRejected, ServiceUnavailable
from hub.sdk.errors import ConnectorError
from hub.secrets import check_reference


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r} is not KEY=VALUE", param_hint=option)
        pairs[key] = rest
    return pairs


@click.group("channel")
def group() -> None:
    """Sales-channel accounts (webhook secrets, API base URL and tokens, polling)."""


def _settings_options(command: Any) -> Any:
    """The options ``channel add`` and ``channel update`` share."""
    options = (
        click.option(
            "--webhook-secret",
            "webhook_secrets",
            multiple=True,
            help="Reference to a webhook signing secret (env:NAME or file:PATH); give two during a rotation.",
        ),
        click.option("--secret", "secrets", multiple=True, help="KEY=REFERENCE, e.g. access_token=env:SHOPIFY_TOKEN."),
        click.option(
            "--set",
            "values",
            multiple=True,
            help="KEY=VALUE, e.g. base_url=https://shop.myshopify.com/admin/api/2025-10.",
        ),
        click.option(
            "--ship-within-days",
            "ship_within",
            metavar="N|none",
            help="The promise: orders ship within N business days (Mon-Fri) of being placed; the ship-by day of"
            " orders the channel sends none for. 'none' removes it.",
        ),
    )
    for option in reversed(options):
        command = option(command)
    return command


def _settings(
    webhook_secrets: tuple[str, ...], secrets: tuple[str, ...], values: tuple[str, ...], ship_within: str | None
) -> dict[str, object]:
    """The settings the options give (None: remove the setting); raises ConfigurationError naming a bad one."""
    settings: dict[str, object] = dict(_pairs(values, "--set"))
    if SHIP_WITHIN_DAYS in settings:
        settings[SHIP_WITHIN_DAYS] = check_ship_within_days(settings[SHIP_WITHIN_DAYS], f"--set {SHIP_WITHIN_DAYS}")
    if ship_within is not None:
        removed = ship_within.strip().lower() == "none"
        settings[SHIP_WITHIN_DAYS] = None if removed else check_ship_within_days(ship_within, "--ship-within-days")
    for key, reference in _pairs(secrets, "--secret").items():
        settings[key] = check_reference(reference, f"--secret {key}")
    if webhook_secrets:
        settings["webhook_secrets"] = [check_reference(ref, "--webhook-secret") for ref in webhook_secrets]
    return settings


def _save(ctx: Context, channel: str, account: str, settings: dict[str, object], *, create: bool) -> str:
    """Write the settings onto the account (created when ``create``); returns added or updated."""
    from hub.runtime import Runtime

    with Runtime(ctx.settings).database.session() as session:
        row = session.scalars(
            select(ChannelAccount).where(ChannelAccount.channel == channel, ChannelAccount.account == account)
        ).one_or_none()
        if row is None and not create:
            raise InputRejected(f"no {channel} account {account!r}; add it with `orderhub channel add`")
        merged = {**(row.settings if row is not None else {}), **settings}
        merged = {key: value for key, value in merged.items() if value is not None}
        if row is None:
            session.add(ChannelAccount(channel=channel, account=account, settings=merged))
            return "added"
        row.settings = merged
        row.active = True
        return "updated"


@group.command("add")
@click.argument("channel")
@click.argument("account")
@_settings_options
@click.pass_obj
def add(
    ctx: Context,
    channel: str,
    account: str,
    webhook_secrets: tuple[str, ...],
    secrets: tuple[str, ...],
    values: tuple[str, ...],
    ship_within: str | None,
) -> None:
    """Create or update the ACCOUNT of CHANNEL; the webhook URL is /webhooks/CHANNEL/ACCOUNT."""
    try:
        get_channel(channel)
    except LookupError as exc:
        raise ConfigurationError(str(exc)) from None
    verb = _save(ctx, channel, account, _settings(webhook_secrets, secrets, values, ship_within), create=True)
    click.echo(f"{verb} {channel} account {account}: webhooks to /webhooks/{channel}/{account}")


@group.command("update")
@click.argument("channel")
@click.argument("account")
@_settings_options
@click.pass_obj
def update_account(
    ctx: Context,
    channel: str,
    account: str,
    webhook_secrets: tuple[str, ...],
    secrets: tuple[str, ...],
    values: tuple[str, ...],
    ship_within: str | None,
) -> None:
    """Change settings of an existing ACCOUNT of CHANNEL (the others are kept)."""
    _save(ctx, channel, account, _settings(webhook_secrets, secrets, values, ship_within), create=False)
    click.echo(f"updated {channel} account {account}")


@group.command("list")
@click.pass_obj
def list_accounts(ctx: Context) -> None:
    """Every channel account, with its webhook path and settings (secret references only, never values)."""
    from hub.runtime import Runtime

    with Runtime(ctx.settings).database.session() as session:
        rows = session.scalars(select(ChannelAccount).order_by(ChannelAccount.channel, ChannelAccount.account)).all()
        for row in rows:
            click.echo(
                json.dumps(
                    {
                        "channel": row.channel,
                        "account": row.account,
                        "active": row.active,
                        "webhook_path": f"/webhooks/{row.channel}/{row.account}",
                        "watermark": row.watermark.isoformat() if row.watermark else None,
                        "settings": row.settings,
                    }
                )
            )


@group.command("pull")
@click.argument("channel")
@click.argument("account")
@click.pass_obj
def pull(ctx: Context, channel: str, account: str) -> None:
    """Poll or reconcile ACCOUNT now: read orders changed since its watermark."""
    from hub.runtime import Runtime
    from hub.worker.app import create_celery
    from hub.worker.follow_ups import FollowUps

    if not get_channel(channel).pulls:
        raise ConfigurationError(f"{channel} has no API to pull orders from")
    runtime = Runtime(ctx.settings)
    follow_ups = FollowUps(create_celery(ctx.settings, runtime), log_failure=False)  # routed as each is stored
    try:
        result = pull_account(runtime.database, channel, account, follow_up=follow_ups)
    except UnknownAccount as exc:
        raise InputRejected(f"{exc}; see `orderhub channel list`") from None
    except ConnectorError as exc:  # the channel's answer, classified: one line, no traceback
        raise ServiceUnavailable(f"pulling {channel}/{account} failed ({exc.failure}): {exc}") from None
    click.echo(
        json.dumps(
            {
                "read": result.read,
                "stored": result.stored,
                "watermark": result.watermark.isoformat() if result.watermark else None,
            }
        )
    )
    if not follow_ups.published:
        click.echo(f"the broker did not answer ({follow_ups.failure}): the routing sweep routes them", err=True)


@group.command("channels")
def channels() -> None:
    """The channels this hub speaks."""
    for name, channel in sorted(all_channels().items()):
        click.echo(f"{name}\twebhooks: {'yes' if channel.verifier else 'no'}\tpull: {'yes' if channel.pulls else 'no'}")
