"""``orderhub connector``: installed connectors, their configured accounts, and whether deliveries may go.

::

    orderhub connector list                         # installed, configured (paused? breaker?), warnings
    orderhub connector add shipstation main --set base_url=https://ssapi.shipstation.com \\
        --secret api_key=env:SHIPSTATION_KEY --secret api_secret=env:SHIPSTATION_SECRET
    orderhub connector show shipstation main        # settings and secret references, never secret values
    orderhub connector check shipstation main       # the connector's own check() against the partner
    orderhub connector pause shipstation main --reason "stocktake"
    orderhub connector resume shipstation main      # held deliveries go at once
    orderhub connector resume edi ACME              # an X12 3PL's deliveries (940s) likewise

An account is the destination ``CONNECTOR:ACCOUNT`` that ``orderhub location add --fulfilled-by`` names.
"""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.cli.context import Context
from hub.db.models import ConnectorAccount, Delivery, DeliveryDestination, Partner
from hub.delivery.accounts import (
    UnknownDestination,
    account_spec,
    build_connector,
    connector_class,
    destination_name,
    find_account,
    save_account,
)
from hub.delivery.destinations import EDI, destination_state, locations_without_fulfiller, pause, resume
from hub.errors import HubError, InputRejected
from hub.sdk import ConnectorError, available_connectors, capabilities_of, load_connector


class CheckFailed(HubError):
    """The partner did not accept the account's settings (or could not be reached)."""

    exit_code = 1


def _database(ctx: Context) -> Any:
    from hub.runtime import Runtime

    return Runtime(ctx.settings).database


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip():
            raise InputRejected(f"{option} {value!r} is not KEY=VALUE")
        pairs[key.strip()] = rest
    return pairs


def webhook_path(connector: str, account: str) -> str:
    return f"/webhooks/connectors/{connector}/{account}"


@click.group("connector")
def group() -> None:
    """Connector accounts (3PLs, suppliers, accounting) deliveries go to, and who fulfils which location."""


# -- list ------------------------------------------------------------------------------------------------


def installed() -> list[dict[str, Any]]:
    """Every connector of the ``orderhub.connectors`` entry-point group; one that fails to load says why."""
    found: list[dict[str, Any]] = []
    for name in sorted(available_connectors()):
        try:
            cls = load_connector(name)
        except Exception as exc:  # a broken third-party package must not hide the others  # noqa: BLE001
            found.append({"name": name, "error": f"cannot be loaded: {type(exc).__name__}: {exc}"})
            continue
        found.append({"name": name, "kind": str(cls.kind), "capabilities": list(capabilities_of(cls))})
    return found


def _destination_json(row: DeliveryDestination | None) -> dict[str, Any]:
    if row is None:
        return {"paused": False, "paused_reason": None, "breaker": "closed", "failures": 0}
    return {
        "paused": row.paused,
        "paused_reason": row.paused_reason,
        "breaker": row.breaker,
        "failures": row.failures,
        "open_until": row.open_until.isoformat() if row.open_until else None,
    }


def configured(session: Session) -> list[dict[str, Any]]:
    """Connector accounts, then the other destinations deliveries went to (X12 partners, self), with state."""
    rows = session.scalars(select(ConnectorAccount).order_by(ConnectorAccount.connector, ConnectorAccount.account))
    accounts = []
    for row in rows:
        destination = destination_name(row.connector, row.account)
        state = session.get(DeliveryDestination, destination)
        accounts.append({"destination": destination, "active": row.active, **_destination_json(state)})
    known = {account["destination"] for account in accounts}
    for state in session.scalars(select(DeliveryDestination).order_by(DeliveryDestination.destination)):
        if state.destination not in known:
            accounts.append({"destination": state.destination, "active": True, **_destination_json(state)})
    return accounts


@group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of text.")
@click.pass_obj
def list_connectors(ctx: Context, as_json: bool) -> None:
    """Installed connectors with their kind and capabilities, configured accounts, and locations nobody fulfils."""
    with _database(ctx).session() as session:
        accounts = configured(session)
        warnings = [f.warning for f in locations_without_fulfiller(session)]
    connectors = installed()
    if as_json:
        click.echo(json.dumps({"connectors": connectors, "accounts": accounts, "warnings": warnings}, indent=2))
        return
    click.echo("installed connectors:")
    for c in connectors:
        detail = c.get("error") or f"{c['kind']:<10} {', '.join(c['capabilities']) or '(no capabilities)'}"
        click.echo(f"  {c['name']:<14} {detail}")
    click.echo("accounts:" if accounts else "accounts: none (orderhub connector add CONNECTOR ACCOUNT ...)")
    for a in accounts:
        click.echo(f"  {a['destination']:<28} {_state_text(a)}")
    for warning in warnings:
        click.echo(f"warning: {warning}")


def _state_text(state: dict[str, Any]) -> str:
    if not state.get("active", True):
        return "inactive"
    if state["paused"]:
        return f"paused: {state['paused_reason'] or 'by an operator'}"
    breaker = state["breaker"]
    return "sending" if breaker == "closed" else f"breaker {breaker} after {state['failures']} failures"


# -- add, show, check --------------------------------------------------------------------------------------


@group.command("add")
@click.argument("connector")
@click.argument("account")
@click.option("--set", "values", multiple=True, metavar="KEY=VALUE", help="A setting, e.g. base_url=https://...")
@click.option(
    "--secret", "secrets", multiple=True, metavar="KEY=REF", help="A secret by reference: env:NAME, file:PATH"
)
@click.pass_obj
def add(ctx: Context, connector: str, account: str, values: tuple[str, ...], secrets: tuple[str, ...]) -> None:
    """Create ACCOUNT of CONNECTOR, or update the settings given (validated against the connector's Config)."""
    settings, references = _pairs(values, "--set"), _pairs(secrets, "--secret")
    plain = sorted(set(settings) & secret_fields(connector))
    if plain:  # a secret's value on the command line would be stored and listed in clear
        raise InputRejected(
            f"{', '.join(plain)} of {connector} is a secret: give a reference with --secret {plain[0]}=env:NAME "
            "(or file:PATH), not the value with --set"
        )
    with _database(ctx).session() as session:
        created = find_account(session, connector, account, active_only=False) is None
        save_account(session, connector, account, dict(settings), references)
    destination = destination_name(connector, account)
    click.echo(f"{'added' if created else 'updated'} connector account {destination}")
    if "webhooks" in capabilities_of(connector_class(connector)):
        click.echo(f"its partner posts notifications to {webhook_path(connector, account)}")


def secret_fields(connector: str) -> set[str]:
    """Settings of the connector's ``Config`` typed as secrets."""
    config = connector_class(connector).Config
    return {name for name, field in config.model_fields.items() if "SecretStr" in str(field.annotation)}


def account_view(session: Session, connector: str, account: str) -> dict[str, Any]:
    row = find_account(session, connector, account, active_only=False)
    destination = destination_name(connector, account)
    if row is None:
        raise InputRejected(f"no connector account {destination!r} (see `orderhub connector list`)")
    counts = session.execute(
        select(Delivery.status, func.count()).where(Delivery.destination == destination).group_by(Delivery.status)
    )
    return {
        "destination": destination,
        "connector": connector,
        "account": account,
        "active": row.active,
        "settings": dict(row.settings),
        "secrets": dict(row.secrets),  # references (env:NAME, file:PATH), never values
        "webhook_path": webhook_path(connector, account),
        **_destination_json(session.get(DeliveryDestination, destination)),
        "deliveries": {status: n for status, n in counts},
    }


@group.command("show")
@click.argument("connector")
@click.argument("account")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of text.")
@click.pass_obj
def show(ctx: Context, connector: str, account: str, as_json: bool) -> None:
    """The account's settings, secret references (never their values), state and deliveries by status."""
    with _database(ctx).session() as session:
        view = account_view(session, connector, account)
    if as_json:
        click.echo(json.dumps(view, indent=2))
        return
    click.echo(f"{view['destination']}: {_state_text(view)}")
    for key, value in sorted(view["settings"].items()):
        click.echo(f"  {key} = {value}")
    for key, reference in sorted(view["secrets"].items()):
        click.echo(f"  {key} = <secret from {reference}>")
    click.echo(f"  webhook path: {view['webhook_path']}")
    counts = ", ".join(f"{n} {status}" for status, n in sorted(view["deliveries"].items())) or "none"
    click.echo(f"  deliveries: {counts}")


@group.command("check")
@click.argument("connector")
@click.argument("account")
@click.pass_obj
def check(ctx: Context, connector: str, account: str) -> None:
    """Build the account's connector (secrets resolved) and run its check against the partner."""
    destination = destination_name(connector, account)
    with _database(ctx).session() as session:
        try:
            spec = account_spec(session, destination)
        except UnknownDestination as exc:
            raise InputRejected(str(exc)) from None
    try:
        build_connector(spec).check()
    except HubError as exc:  # a secret that cannot be read, settings that no longer validate
        raise CheckFailed(f"check of {destination} failed: {exc}") from None
    except ConnectorError as exc:
        raise CheckFailed(f"check of {destination} failed ({exc.failure}): {exc}") from None
    except Exception as exc:  # a connector that raised outside the error tree still gets one line  # noqa: BLE001
        raise CheckFailed(f"check of {destination} failed: {type(exc).__name__}: {exc}") from None
    click.echo(f"{destination}: ok")


# -- pause, resume -----------------------------------------------------------------------------------------


def _known_destination(session: Session, connector: str, account: str) -> str:
    """CONNECTOR:ACCOUNT of a configured account, or edi:PARTNER of a known X12 partner."""
    if connector == EDI and session.get(Partner, account) is not None:
        return destination_name(connector, account)
    if find_account(session, connector, account, active_only=False) is None:
        raise InputRejected(
            f"no connector account {destination_name(connector, account)!r} (see `orderhub connector list`)"
        )
    return destination_name(connector, account)


@group.command("pause")
@click.argument("connector")
@click.argument("account")
@click.option("--reason", default="paused by an operator", show_default=True, help="Kept for whoever resumes it.")
@click.pass_obj
def pause_command(ctx: Context, connector: str, account: str, reason: str) -> None:
    """Hold every delivery to ACCOUNT until it is resumed."""
    with _database(ctx).session() as session:
        destination = _known_destination(session, connector, account)
        pause(session, destination, reason)
    click.echo(f"paused {destination}: {reason}")


@group.command("resume")
@click.argument("connector")
@click.argument("account")
@click.pass_obj
def resume_command(ctx: Context, connector: str, account: str) -> None:
    """Let deliveries go to ACCOUNT again; the ones held are due at once."""
    with _database(ctx).session() as session:
        destination = _known_destination(session, connector, account)
        was_paused = destination_state(session, destination).paused
        held = resume(session, destination)
    state = "resumed" if was_paused else "was not paused;"
    click.echo(f"{state} {destination}: {held} held deliveries due now")
