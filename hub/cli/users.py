"""``orderhub user``: people who log in to the console.

::

    orderhub user add ops@example.com --role operator          # asks for the password twice
    orderhub user add ops@example.com --role viewer --password-file /run/secrets/pw
    orderhub user list
    orderhub user remove ops@example.com
"""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli.context import Context
from hub.console import users
from hub.errors import InputRejected
from hub.runtime import Runtime


@click.group("user")
def group() -> None:
    """Console users: add, list, remove."""


@group.command("add")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(users.ROLES), help="viewer < operator < admin.")
@click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path), help="Read the password from it.")
@click.pass_obj
def add(ctx: Context, email: str, role: str, password_file: Path | None) -> None:
    """Add a console user EMAIL with ROLE; the password is asked for unless --password-file gives it."""
    users.normal_email(email)  # refuse a bad address before asking for a password
    password = (
        _read(password_file) if password_file else click.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    with Runtime(ctx.settings).database.session() as session:
        users.add_user(session, email, role, password)
    click.echo(f"user {email.strip().lower()!r} ({role}) added")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as error:
        raise InputRejected(f"--password-file {str(path)!r}: cannot read it ({error})") from None


@group.command("list")
@click.pass_obj
def list_users(ctx: Context) -> None:
    """Every console user: email, role, when added, last login."""
    with Runtime(ctx.settings).database.session() as session:
        rows = [(u.email, u.role, u.created_at, u.last_login_at) for u in users.list_users(session)]
    for email, role, created, last in rows:
        click.echo(f"{email}  {role}  added {created.isoformat()}  last login {last.isoformat() if last else 'never'}")
    if not rows:
        click.echo("no users (orderhub user add EMAIL --role viewer|operator|admin)", err=True)


@group.command("remove")
@click.argument("email")
@click.pass_obj
def remove(ctx: Context, email: str) -> None:
    """Remove user EMAIL: their open sessions stop working at their next request."""
    with Runtime(ctx.settings).database.session() as session:
        users.remove_user(session, email)
    click.echo(f"user {email.strip().lower()!r} removed")
