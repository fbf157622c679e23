"""``orderhub partner``: EDI trading partners, suppliers and 3PLs, their X12 profiles and item cross-references.

``add`` creates a partner or updates one: options not given keep their current value (or the default for a
new partner), so ``orderhub partner add acme --usage T`` changes only ISA15. Delimiters accept one
character or an escape such as ``\\n`` or ``\\x1c``. Transports are given as ``TYPE,KEY=VALUE,...`` (values
without commas)::

    --transport sftp,host=sftp.acme.example,username=orderhub,private_key=file:/run/secrets/acme,host_key=SHA256:...
"""

from __future__ import annotations

import json
import re
from typing import Any

import click
from pydantic import ValidationError

from hub.cli.context import Context
from hub.edi.partners import (
    DEFAULT_GS_VERSION,
    EDI_KINDS,
    InvalidProfile,
    ItemXref,
    PartnerRecord,
    UnknownPartner,
    describe_errors,
    get_partner,
    list_partners,
    parse_profile,
    save_partner,
)
from hub.errors import InputRejected


def _identity(value: str | None, option: str) -> tuple[str, str] | None:
    if value is None:
        return None
    qualifier, sep, isa_id = value.partition(":")
    if not sep or not qualifier or not isa_id:
        raise InputRejected(f"{option} {value!r} must be QUALIFIER:ID, e.g. ZZ:ACME")
    return qualifier, isa_id


def _character(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    if re.fullmatch(r"\\(n|r|t|x[0-9A-Fa-f]{2})", value):
        value = value.encode("ascii").decode("unicode_escape")
    if len(value) != 1:
        raise InputRejected(f"{option} must be a single character (or an escape such as \\n or \\x1c)")
    return value


def _transport(spec: str) -> dict[str, Any]:
    kind, _, rest = spec.partition(",")
    transport: dict[str, Any] = {"type": kind.strip()}
    for pair in filter(None, rest.split(",")):
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputRejected(f"--transport {kind}: {key.strip() or pair!r} is not KEY=VALUE")
        transport[key.strip()] = value
    return transport


def _inbound_http(spec: str) -> dict[str, str] | None:
    """``token=REF`` or ``username=NAME,password=REF`` as a profile's inbound_http; ``none`` removes it."""
    if spec.strip().lower() == "none":
        return None
    credential = {}
    for pair in filter(None, spec.split(",")):
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            # the value is not echoed: a misplaced one is often the secret itself
            raise InputRejected("--http-inbound takes KEY=VALUE parts: token=REF or username=NAME,password=REF")
        credential[key.strip()] = value
    return credential


def _set(target: dict[str, Any], path: str, value: Any) -> None:
    if value is None:
        return
    *parents, last = path.split(".")
    for name in parents:
        target = target.setdefault(name, {})
    target[last] = value


def _leniency(value: str) -> tuple[str, bool]:
    name, sep, flag = value.partition("=")
    if not sep or flag.lower() not in ("true", "false", "yes", "no", "1", "0"):
        raise InputRejected(f"--leniency {value!r} must be NAME=true or NAME=false, e.g. fixed_width_isa=false")
    return name.strip(), flag.lower() in ("true", "yes", "1")


@click.group("partner")
def group() -> None:
    """EDI partners: X12 identities, versions, delimiters, acknowledgment policy, transports, item numbers."""


@group.command("add")
@click.argument("partner_id", metavar="ID")
@click.option("--name", help="Display name (required for a new partner).")
@click.option("--kind", type=click.Choice(EDI_KINDS), help="Default for a new partner: trading_partner.")
@click.option("--isa", "theirs", metavar="QUAL:ID", help="The partner's ISA05:ISA06, e.g. ZZ:ACME.")
@click.option("--gs", "their_gs", metavar="ID", help="The partner's GS02 (default: its ISA id).")
@click.option("--our-isa", "ours", metavar="QUAL:ID", help="Our ISA07:ISA08 as this partner knows us.")
@click.option("--our-gs", "our_gs", metavar="ID", help="Our GS03 (default: our ISA id).")
@click.option("--version", "control_version", type=click.Choice(["00401", "00501"]), help="ISA12.")
@click.option("--gs-version", help="GS08, e.g. 004010VICS (default: 004010 or 005010 from --version).")
@click.option("--usage", type=click.Choice(["P", "T"]), help="ISA15: P production, T test (default P).")
@click.option("--element", help="Outbound element separator (default *).")
@click.option("--component", help="Outbound component separator, ISA16 (default >).")
@click.option("--segment", help="Outbound segment terminator (default ~).")
@click.option("--repetition", help="Outbound repetition separator, ISA11 on 00501 (default ^).")
@click.option("--newline/--no-newline", default=None, help="A line end after each outbound segment (default on).")
@click.option("--ack", "ack_kind", type=click.Choice(["997", "999"]), help="Acknowledgment set (default 997).")
@click.option("--ack-when", type=click.Choice(["always", "on-error", "never"]), help="Default: always.")
@click.option("--ta1", type=click.Choice(["requested", "always", "never"]), help="Default: requested (ISA14=1).")
@click.option("--ack-gs-version", help="GS08 of our acknowledgments, when the partner wants other than the plain one.")
@click.option("--leniency", "leniencies", multiple=True, metavar="NAME=BOOL", help="e.g. fixed_width_isa=false.")
@click.option(
    "--strict-codes/--open-codes",
    default=None,
    help="Tell values missing from open code lists in the 997 (AK4 7, AK5 E); default: only note them.",
)
@click.option(
    "--code-check",
    "code_checks",
    multiple=True,
    metavar="ELEMENT=strict|open",
    help="One element apart from --strict-codes, e.g. REF01=open; ELEMENT=default removes it.",
)
@click.option("--transport", "transports", multiple=True, metavar="SPEC", help="TYPE,KEY=VALUE,... (replaces all).")
@click.option(
    "--http-inbound",
    metavar="SPEC",
    help="Who may POST X12 to /edi/ID: token=REF or username=NAME,password=REF (REF: env:NAME or file:PATH); none.",
)
@click.option("--active/--inactive", default=None)
@click.pass_obj
def add(ctx: Context, /, partner_id: str, **options: Any) -> None:
    """Create partner ID or update the fields given."""
    from hub.runtime import Runtime

    with Runtime(ctx.settings).database.session() as session:
        try:
            current: PartnerRecord | None = get_partner(session, partner_id)
        except (UnknownPartner, InvalidProfile):  # new, or a stored profile to be written again in full
            current = None
        profile = current.profile.model_dump(mode="json") if current else {}
        _apply(profile, options, new=current is None)
        name = options["name"] or (current.name if current else None)
        if not name:
            raise InputRejected("a new partner needs --name")
        record, created = save_partner(
            session,
            partner_id,
            name=name,
            kind=options["kind"] or (current.kind if current else "trading_partner"),
            profile=parse_profile(profile, f"partner {partner_id}"),
            active=options["active"] if options["active"] is not None else (current.active if current else True),
        )
    theirs, ours = record.profile.theirs, record.profile.ours
    click.echo(f"{'added' if created else 'updated'} partner {partner_id}: {theirs} -> {ours}")


def _apply(profile: dict[str, Any], options: dict[str, Any], new: bool) -> None:
    for side, identity, gs in (("theirs", "theirs", "their_gs"), ("ours", "ours", "our_gs")):
        option = "--isa" if side == "theirs" else "--our-isa"
        parsed = _identity(options[identity], option)
        if parsed:
            _set(profile, f"{side}.qualifier", parsed[0])
            _set(profile, f"{side}.id", parsed[1])
            profile[side].setdefault("gs_id", parsed[1])
        _set(profile, f"{side}.gs_id", options[gs])
        if new and side not in profile:
            raise InputRejected(f"a new partner needs {option} QUALIFIER:ID")
    version, previous = options["control_version"], profile.get("control_version")
    if version and version != previous:
        # A version change carries the defaults that depend on it along, unless they were chosen.
        if not options["gs_version"] and profile.get("gs_version") in (None, DEFAULT_GS_VERSION.get(previous or "")):
            profile["gs_version"] = DEFAULT_GS_VERSION[version]
        if version == "00401" and not options["repetition"]:
            profile.get("delimiters", {}).pop("repetition", None)
        profile["control_version"] = version
    if new and "control_version" not in profile:
        raise InputRejected("a new partner needs --version 00401 or --version 00501")
    _set(profile, "gs_version", options["gs_version"])
    _set(profile, "usage", options["usage"])
    for name in ("element", "component", "segment", "repetition"):
        _set(profile, f"delimiters.{name}", _character(options[name], f"--{name}"))
    _set(profile, "delimiters.newline", options["newline"])
    _set(profile, "acks.kind", options["ack_kind"])
    _set(profile, "acks.send", options["ack_when"].replace("-", "_") if options["ack_when"] else None)
    _set(profile, "acks.ta1", options["ta1"])
    _set(profile, "acks.gs_version", options["ack_gs_version"])
    for value in options["leniencies"]:
        name, flag = _leniency(value)
        _set(profile, f"leniencies.{name}", flag)
    _set(profile, "strict_codes", options["strict_codes"])
    for value in options["code_checks"]:
        element, _, check = value.partition("=")
        if check not in ("strict", "open", "default"):
            raise InputRejected(f"--code-check {value!r} must be ELEMENT=strict, ELEMENT=open or ELEMENT=default")
        codes = profile.setdefault("codes", {})
        if check == "default":
            codes.pop(element.strip(), None)
        else:
            codes[element.strip()] = check
    if options["transports"]:
        profile["transports"] = [_transport(spec) for spec in options["transports"]]
    if options["http_inbound"]:
        profile["inbound_http"] = _inbound_http(options["http_inbound"])


def _summary(record: PartnerRecord) -> dict[str, Any]:
    profile = record.profile
    return {
        "id": record.id,
        "name": record.name,
        "kind": record.kind,
        "active": record.active,
        "isa": str(profile.theirs),
        "our_isa": str(profile.ours),
        "version": profile.control_version,
        "gs_version": profile.gs_version,
        "usage": profile.usage,
        "acks": f"{profile.acks.kind} {profile.acks.send}, TA1 {profile.acks.ta1}",
        "items": len(profile.items),
        "transports": [t.type for t in profile.transports],
    }


@group.command("list")
@click.pass_obj
def list_command(ctx: Context) -> None:
    """Every EDI partner, one JSON line each."""
    from hub.runtime import Runtime

    with Runtime(ctx.settings).database.session() as session:
        for record in list_partners(session):
            click.echo(json.dumps(_summary(record)))


@group.command("show")
@click.argument("partner_id", metavar="ID")
@click.pass_obj
def show(ctx: Context, partner_id: str) -> None:
    """The whole profile of partner ID (secret references only, never values)."""
    from hub.runtime import Runtime

    with Runtime(ctx.settings).database.session() as session:
        record = get_partner(session, partner_id)
    document = {k: v for k, v in _summary(record).items() if k not in ("items", "transports", "acks")}
    document["profile"] = record.profile.model_dump(mode="json")
    click.echo(json.dumps(document, indent=2))


@group.group("xref")
def xref() -> None:
    """Item cross-reference: the partner's item numbers and our SKUs."""


@xref.command("add")
@click.argument("partner_id", metavar="ID")
@click.argument("partner_item")
@click.argument("sku")
@click.option("--qualifier", default="VN", show_default=True, help="What the partner's number is: VN, BP, UP ...")
@click.pass_obj
def xref_add(ctx: Context, partner_id: str, partner_item: str, sku: str, qualifier: str) -> None:
    """Map PARTNER_ITEM (as the partner sends it with --qualifier) to our SKU; replaces an earlier mapping."""
    from hub.runtime import Runtime

    with Runtime(ctx.settings).database.session() as session:
        record = get_partner(session, partner_id)
        try:
            item = ItemXref(partner_item=partner_item, sku=sku, qualifier=qualifier)
        except ValidationError as exc:
            raise InputRejected(f"item cross-reference is invalid: {describe_errors(exc)}") from None
        profile = record.profile.with_item(item)
        save_partner(session, partner_id, name=record.name, kind=record.kind, profile=profile, active=record.active)
    click.echo(f"partner {partner_id}: {qualifier} {partner_item} -> {sku}")
