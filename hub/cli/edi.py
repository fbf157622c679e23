"""``orderhub edi``: read an X12 file, check it against the specs, map it, and show the hub's answer."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from hub.cli.context import Context
from hub.edi.parse import NumberSource, following_numbers
from hub.edi.partners import PartnerProfile, get_partner
from hub.edi.reader import UnreadableInput
from hub.errors import InputRejected


def _answering_as(ctx: Context, partner: str | None) -> tuple[PartnerProfile | None, NumberSource | None]:
    """The profile and control numbers to answer with: the stored partner's, numbered from where its sequences
    stand without drawing from them (a look at a file changes nothing), or the addressee's from 1."""
    if not partner:
        return None, None
    from hub.edi.control_numbers import Kind, peek
    from hub.runtime import Runtime

    with Runtime(ctx.settings).database.session() as session:
        profile: PartnerProfile = get_partner(session, partner).profile
        last = {kind: peek(session, partner, kind) for kind in Kind}
        session.rollback()  # nothing was written; say so
    return profile, following_numbers(last)


@contextmanager
def _readable(file: Path) -> Iterator[Any]:
    """``file`` opened for streaming; a file with no interchange in it is one line and exit 2."""
    try:
        with file.open("rb") as stream:
            yield stream
    except UnreadableInput as exc:
        raise InputRejected(f"{file}: {exc}") from None


FILE = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
PARTNER = click.option(
    "--partner",
    help="Answer with this stored partner's profile, numbered as its next answer would be (nothing is drawn).",
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
    from hub.edi.parse import write_report

    profile, numbers = _answering_as(ctx, partner)
    out = sys.stdout
    with _readable(file) as stream:
        write_report(stream, out, profile=profile, numbers=numbers)
    out.write("\n")


@group.command("ack")
@FILE
@PARTNER
@click.pass_obj
def ack(ctx: Context, file: Path, partner: str | None) -> None:
    """Print only the acknowledgments (TA1, 997/999) the hub answers FILE with."""
    from hub.edi.parse import acknowledgments

    profile, numbers = _answering_as(ctx, partner)
    with _readable(file) as stream:
        for text in acknowledgments(stream, profile=profile, numbers=numbers):
            click.echo(text, nl=not text.endswith("\n"))


@group.command("receive")
@click.argument("partner")
@FILE
@click.pass_obj
def receive(ctx: Context, partner: str, file: Path) -> None:
    """Store FILE in the inbox as received from PARTNER; a worker reads, acknowledges and applies it."""
    from hub.edi.intake import store_x12
    from hub.runtime import Runtime

    with Runtime(ctx.settings).database.session() as session:
        get_partner(session, partner)
        inbox_id, _ = store_x12(session, source="cli", body=file.read_bytes(), partner_id=partner, name=file.name)
    click.echo(json.dumps({"inbox_id": inbox_id}))


@group.command("send")
@click.argument("partner")
@click.argument("documents", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--set", "set_id", help="The set to write for every document (an order as 850 or 940); default by type.")
@click.pass_obj
def send(ctx: Context, partner: str, documents: tuple[Path, ...], set_id: str | None) -> None:
    """Queue canonical DOCUMENTS (JSON files) for PARTNER as one X12 interchange; a worker sends it."""
    from hub.canonical import document_class
    from hub.edi.dispatch import queue_documents
    from hub.runtime import Runtime

    loaded = []
    for path in documents:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            loaded.append(document_class(str(data.get("schema_version", ""))).model_validate(data))
        except (ValueError, AttributeError, LookupError) as exc:
            raise InputRejected(f"{path}: not a canonical document: {str(exc).splitlines()[0]}") from None
    with Runtime(ctx.settings).database.session() as session:
        row = queue_documents(session, partner, loaded, set_ids=[set_id] * len(loaded) if set_id else None)
        shown = {"interchange_id": row.id, "control_number": row.control_number, "status": row.status}
    click.echo(json.dumps(shown))


@group.command("register")
@click.option("--partner", help="Only this partner's interchanges.")
@click.option("--limit", default=20, show_default=True, help="How many of the latest interchanges.")
@click.pass_obj
def register(ctx: Context, partner: str | None, limit: int) -> None:
    """List the latest interchanges received and sent, with each set's status and acknowledgment."""
    from sqlalchemy import select

    from hub.db.models import EdiInterchange, EdiTransaction
    from hub.runtime import Runtime

    with Runtime(ctx.settings).database.session() as session:
        query = select(EdiInterchange).order_by(EdiInterchange.id.desc()).limit(limit)
        if partner:
            query = query.where(EdiInterchange.partner_id == partner)
        for row in session.scalars(query):
            sets = session.scalars(select(EdiTransaction).where(EdiTransaction.interchange_id == row.id)).all()
            shown = {
                "id": row.id,
                "direction": row.direction,
                "partner": row.partner_id,
                "kind": row.kind,
                "control_number": row.control_number,
                "status": row.status,
                "ta1": row.ta1_code,
                "created_at": row.created_at.isoformat(),
                "sets": [
                    {"set_id": s.set_id, "control_number": s.control_number, "reference": s.reference}
                    | {"status": s.status, "ack_status": s.ack_status, "error": s.error}
                    for s in sets
                ],
            }
            click.echo(json.dumps(shown))
