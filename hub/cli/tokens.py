"""``orderhub token``: API tokens.

::

    orderhub token create ci-reader --scope read     # prints the token once; only its digest is kept
    orderhub token list
    orderhub token revoke ci-reader                  # refused by the API from now on
"""

from __future__ import annotations

import click

from hub.api import auth
from hub.cli.context import Context
from hub.runtime import Runtime


@click.group("token")
def group() -> None:
    """API tokens: create (shown once), list, revoke."""


@group.command("create")
@click.argument("name")
@click.option("--scope", required=True, type=click.Choice(auth.SCOPES), help="read < operate < admin.")
@click.pass_obj
def create(ctx: Context, name: str, scope: str) -> None:
    """Make a token called NAME; it is printed once and cannot be shown again."""
    with Runtime(ctx.settings).database.session() as session:
        _row, token = auth.create_token(session, name, scope, created_by="cli")
    click.echo(token)
    click.echo(f"token {name!r} ({scope}) created: keep it now, it is not shown again", err=True)


@group.command("revoke")
@click.argument("name")
@click.pass_obj
def revoke(ctx: Context, name: str) -> None:
    """Revoke token NAME: the API refuses it from now on."""
    with Runtime(ctx.settings).database.session() as session:
        auth.revoke_token(session, name)
    click.echo(f"token {name!r} revoked")


@group.command("list")
@click.pass_obj
def list_tokens(ctx: Context) -> None:
    """Every token: name, scope, first characters, when made and last used, revoked or live."""
    with Runtime(ctx.settings).database.session() as session:
        rows = [
            (r.name, r.scope, r.prefix, r.created_at, r.last_used_at, r.revoked_at) for r in auth.list_tokens(session)
        ]
    for name, scope, prefix, created, used, revoked in rows:
        state = f"revoked {revoked.isoformat()}" if revoked else "live"
        last = used.isoformat() if used else "never"
        click.echo(f"{name}  {scope}  {prefix}...  created {created.isoformat()}  last used {last}  {state}")
    if not rows:
        click.echo("no tokens (orderhub token create NAME --scope read|operate|admin)", err=True)
