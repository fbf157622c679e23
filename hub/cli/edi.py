"""``orderhub edi``: read an X12 file, check it against the specs, map it, and show the hub's answer."""

from __future__ import annotations

import json
from pathlib import Path

import click

from hub.cli.context import Context
from hub.edi.control_numbers import NumberSource
from hub.edi.partners import PartnerProfile, get_partner
from hub.edi.reader import UnreadableInput
from hub.errors import InputRejected


def _report(ctx: Context, file: Path, partner: str | None) -> dict[str, object]:
    from hub.edi.parse import parse_report

    profile: PartnerProfile | None = None
    numbers = None
    if partner:  # answer as configured for this partner, numbering from its persistent sequences
        from hub.runtime import Runtime

        database = Runtime(ctx.settings).database
        with database.session() as session:
            profile = get_partner(session, partner).profile
        numbers = NumberSource(database, partner)
    try:
        return parse_report(file.read_bytes(), profile=profile, numbers=numbers)
    except UnreadableInput as exc:
        raise InputRejected(f"{file}: {exc}") from None


FILE = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
PARTNER = click.option(
    "--partner", help="Answer with this stored partner's profile and control numbers (default: as the addressee)."
)


@click.group("edi")
def group() -> None:
    """X12 EDI: read, check, map and acknowledge files."""


@group.command("parse")
@FILE
@PARTNER
@click.pass_obj
def parse(ctx: Context, file: Path, partner: str | None) -> None:
    """Print JSON: every interchange, group and set of FILE with its verdict, errors (segment position,
    segment id, element, code) and canonical document, and the acknowledgments the hub would send.
    Exit 0 when the file was read, even if rejected; 2 when nothing in it can be read."""
    click.echo(json.dumps(_report(ctx, file, partner), indent=2, ensure_ascii=False))


@group.command("ack")
@FILE
@PARTNER
@click.pass_obj
def ack(ctx: Context, file: Path, partner: str | None) -> None:
    """Print only the acknowledgments (TA1, 997/999) the hub answers FILE with."""
    for text in _report(ctx, file, partner)["acknowledgments"]:  # type: ignore[attr-defined]
        click.echo(text, nl=not str(text).endswith("\n"))
