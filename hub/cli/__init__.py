"""The ``orderhub`` command. Errors the user can fix print one line on stderr and exit non-zero; so does any
other exception (``orderhub: internal error: <Type>: <message>``, exit 1), never a traceback."""

from __future__ import annotations

import sys

import click

from hub import __version__
from hub.cli import (
    availability,
    channels,
    connectors,
    db,
    deliveries,
    demo,
    edi,
    export,
    fulfillment,
    inbox,
    inventory,
    orders,
    partners,
    processes,
    report,
    routing,
    schema,
    subscribers,
    suppliers,
    tokens,
    users,
)
from hub.cli.context import Context
from hub.errors import HubError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="orderhub")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """orderhub: capture, normalize, decide and deliver orders.

    Settings come from HUB_* environment variables (HUB_DATABASE_URL, HUB_BROKER_URL, HUB_DATA_DIR ...);
    with none set, everything runs embedded under ./var.
    """
    ctx.obj = Context()


for group in (db.group, schema.group, channels.group, inbox.group, partners.group, edi.group, *inventory.GROUPS):
    cli.add_command(group)
cli.add_command(routing.group)
cli.add_command(availability.group)
cli.add_command(export.group)
for group in (connectors.group, orders.group, fulfillment.group, deliveries.group, subscribers.group, suppliers.group):
    cli.add_command(group)
cli.add_command(tokens.group)
cli.add_command(demo.command)
cli.add_command(report.command)
cli.add_command(users.group)
for command in (*processes.COMMANDS, inbox.normalize):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="orderhub", standalone_mode=False)
    except HubError as exc:
        click.echo(f"orderhub: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        click.echo("orderhub: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a fault of the hub's own: one line, like every other error
        click.echo(f"orderhub: internal error: {_one_line(exc)}", err=True)
        sys.exit(1)


def _one_line(exc: BaseException) -> str:
    """The exception's type and the first line of its message (a database error's goes on with its SQL)."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0].strip()}" if lines else type(exc).__name__
