"""``orderhub location`` and ``orderhub stock``: the locations stock is held at, and stock by hand.

``location add`` takes a JSON or YAML file (one location, or a list) or options; given an existing id, the
options given replace those fields and the rest is kept, so ``orderhub location add dal1 --inactive`` only
deactivates. ``stock`` writes through the same functions the workers use, so every change from the command
line is in the ledger with source ``cli``::

    orderhub location add dal1 --name "Dallas DC" --kind warehouse --country US --postal-code 75201 \\
        --capability ship --cutoff 15:00 --timezone America/Chicago --currency USD --per-shipment 6.50
    orderhub stock set SKU-1 dal1 120 --as-of 2026-11-22T06:00:00Z     # a count, reconciled
    orderhub stock adjust SKU-1 dal1 -2 --note "damaged in put-away"
    orderhub stock receive SKU-1 dal1 48 --reference PO-1001
    orderhub stock show SKU-1
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
import yaml

from hub.canonical.inventory import InventoryAdvice
from hub.cli.context import Context
from hub.edi.partners import describe_errors
from hub.errors import InputRejected
from hub.inventory import (
    Capability,
    IncomingSource,
    Level,
    LocationKind,
    LocationSpec,
    Reason,
    adjust,
    apply_count,
    apply_inventory_advice,
    expect,
    get_level,
    get_location,
    history,
    list_locations,
    open_incoming,
    parse_location,
    receive,
    save_location,
    set_safety_stock,
)
from hub.inventory.errors import UnknownLocation
from hub.inventory.levels import find_levels

SOURCE = "cli"


def _database(ctx: Context) -> Any:
    from hub.runtime import Runtime

    return Runtime(ctx.settings).database


def _read_document(file: Path) -> Any:
    try:
        text = file.read_text(encoding="utf-8")
        return json.loads(text) if file.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputRejected(f"{file}: cannot be read: {exc}") from None
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        reason = str(exc).splitlines()[0]
        raise InputRejected(f"{file}: is not valid {'JSON' if file.suffix == '.json' else 'YAML'}: {reason}") from None


def _describe(level: Level) -> str:
    return (
        f"{level.sku} at {level.location_id}: on hand {level.on_hand}, committed {level.committed}, "
        f"reserved {level.reserved}, safety stock {level.safety_stock}, incoming {level.incoming}, "
        f"available {level.available}"
    )


def _instant(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InputRejected(f"{option} {value!r} must be a date-time with an offset, e.g. 2026-11-22T06:00:00Z")
    return moment


# -- locations ---------------------------------------------------------------------------------------------


@click.group("location")
def location_group() -> None:
    """Warehouses, stores, 3PL sites and drop-ship suppliers stock is held at."""


def _location_options(options: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The location document: ``current`` (the stored one, or empty) with the options given applied."""
    document = dict(current)
    for name in ("name", "kind", "priority", "active", "postal_region", "partner_id", "external_id"):
        if options[name] is not None:
            document[name] = options[name]
    if options["fulfilled_by"] is not None:  # "none" clears it
        document["fulfilled_by"] = None if options["fulfilled_by"] == "none" else options["fulfilled_by"]
    if options["capabilities"]:
        document["capabilities"] = list(options["capabilities"])
    address = dict(document.get("address") or {})
    for name in ("line1", "city", "region", "postal_code", "country"):
        if options[name] is not None:
            address[name] = options[name]
    if address:
        document["address"] = address
    if options["latitude"] is not None or options["longitude"] is not None:
        document["coordinates"] = {"latitude": options["latitude"], "longitude": options["longitude"]}
    if options["cutoff"] is not None or options["timezone"] is not None:
        document["cutoff"] = {**(document.get("cutoff") or {})} | {
            key: value for key, value in (("time", options["cutoff"]), ("timezone", options["timezone"])) if value
        }
    cost = dict(document.get("cost") or {})
    for option, name in (("currency", "currency"), ("per_shipment", "per_shipment"), ("per_unit", "per_unit")):
        if options[option] is not None:
            cost[name] = options[option]
    if cost:
        document["cost"] = cost
    return document


@location_group.command("add")
@click.argument("location_id", metavar="[ID]", required=False)
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="JSON or YAML.")
@click.option("--name")
@click.option("--kind", type=click.Choice([k.value for k in LocationKind]))
@click.option("--line1", help="Street address.")
@click.option("--city")
@click.option("--region", help="State or province code, e.g. TX.")
@click.option("--postal-code")
@click.option("--country", help="ISO 3166-1 alpha-2, e.g. US.")
@click.option("--postal-region", help='Postal-code region, e.g. "US:752".')
@click.option("--lat", "latitude", type=float)
@click.option("--lon", "longitude", type=float)
@click.option("--capability", "capabilities", multiple=True, type=click.Choice([c.value for c in Capability]))
@click.option("--cutoff", help="Local cutoff time, e.g. 15:00.")
@click.option("--timezone", help="IANA time zone of the cutoff, e.g. America/Chicago.")
@click.option("--currency", help="Currency of the cost profile, e.g. USD.")
@click.option("--per-shipment", help="Base cost per shipment, e.g. 6.50.")
@click.option("--per-unit", help="Cost per unit shipped, e.g. 0.25.")
@click.option("--priority", type=int, help="Lower is preferred when costs tie (default 100).")
@click.option("--partner", "partner_id", help="The partner that reports this location's stock.")
@click.option("--external-id", help="The partner's code for this location (N1 of its 846).")
@click.option(
    "--fulfilled-by",
    help="Who ships its fulfillment orders: CONNECTOR:ACCOUNT, self, edi:PARTNER, or none to clear.",
)
@click.option("--active/--inactive", default=None)
@click.pass_obj
def location_add(ctx: Context, /, location_id: str | None, file: Path | None, **options: Any) -> None:
    """Create location ID or update the fields given; or add every location in --file."""
    if file is not None:
        data = _read_document(file)
        documents = data if isinstance(data, list) else [data]
        specs = [parse_location(doc, f"{file} location {i + 1}") for i, doc in enumerate(documents)]
    elif location_id is None:
        raise InputRejected("give a location ID with options, or --file FILE")
    else:
        specs = [_spec_from_options(ctx, location_id, options)]
    from hub.delivery.destinations import check_fulfiller

    with _database(ctx).session() as session:
        for spec in specs:
            if spec.fulfilled_by is not None:
                check_fulfiller(session, spec.fulfilled_by)
            saved, created = save_location(session, spec)
            verb, fulfiller = "added" if created else "updated", saved.fulfilled_by
            by = f", fulfilled by {fulfiller}" if fulfiller else ""
            click.echo(f"{verb} location {saved.id}: {saved.kind} {saved.name!r}{by}")


def _spec_from_options(ctx: Context, location_id: str, options: dict[str, Any]) -> LocationSpec:
    with _database(ctx).session() as session:
        try:
            current = get_location(session, location_id).model_dump(mode="json", exclude_none=True)
        except UnknownLocation:
            current = {"id": location_id}
    return parse_location(_location_options(options, current), f"location {location_id!r}")


@location_group.command("list")
@click.option("--kind", type=click.Choice([k.value for k in LocationKind]))
@click.option("--active/--inactive", default=None, help="Only active (or only inactive) locations.")
@click.pass_obj
def location_list(ctx: Context, kind: str | None, active: bool | None) -> None:
    """Every location, one JSON line each, by priority."""
    with _database(ctx).session() as session:
        specs = list_locations(session, active=active, kind=LocationKind(kind) if kind else None)
    for spec in specs:
        summary = {
            "id": spec.id,
            "name": spec.name,
            "kind": spec.kind,
            "active": spec.active,
            "priority": spec.priority,
            "capabilities": spec.capabilities,
            "country": spec.country,
            "fulfilled_by": spec.fulfilled_by,
        }
        click.echo(json.dumps(summary))


@location_group.command("show")
@click.argument("location_id", metavar="ID")
@click.pass_obj
def location_show(ctx: Context, location_id: str) -> None:
    """The whole definition of location ID, as JSON."""
    with _database(ctx).session() as session:
        spec = get_location(session, location_id)
    click.echo(json.dumps(spec.model_dump(mode="json", exclude_none=True), indent=2))


# -- stock -------------------------------------------------------------------------------------------------


@click.group("stock")
def stock_group() -> None:
    """Stock per SKU and location: counts, adjustments, receipts, levels and their ledger."""


@stock_group.command("set")
@click.argument("sku")
@click.argument("location_id", metavar="LOCATION")
@click.argument("quantity", type=click.IntRange(min=0))
@click.option("--as-of", help="When the units were counted (default: now), e.g. 2026-11-22T06:00:00Z.")
@click.option("--key", help="The count's own id, so that entering it twice applies it once.")
@click.option("--reference", help="What the count refers to (count sheet, feed file).")
@click.pass_obj
def stock_set(
    ctx: Context, sku: str, location_id: str, quantity: int, as_of: str | None, key: str | None, reference: str | None
) -> None:
    """Record a count: QUANTITY on hand as of --as-of, reconciled against the movements since."""
    from hub.db.models.base import utcnow

    moment = _instant(as_of, "--as-of") or utcnow()
    with _database(ctx).session() as session:
        result = apply_count(session, location_id, sku, quantity, moment, key=key, reference=reference, source=SOURCE)
        level = get_level(session, sku, location_id)
    if result.status == "applied":
        click.echo(
            f"count applied: {result.adjustment:+d} on hand (ledger said {result.ledger_value}); " + _describe(level)
        )
    elif result.status == "stale":
        click.echo(f"count ignored as stale: a count newer than {moment.isoformat()} was applied; " + _describe(level))
    else:
        click.echo(f"count {result.key} was applied before; nothing changed; " + _describe(level))


@stock_group.command("adjust", context_settings={"ignore_unknown_options": True})
@click.argument("sku")
@click.argument("location_id", metavar="LOCATION")
@click.argument("delta", type=int)
@click.option(
    "--reason", type=click.Choice(["adjustment", "return_restock", "receipt"]), default="adjustment", show_default=True
)
@click.option("--note", help="Why, for the ledger.")
@click.option("--reference", help="What the change refers to (RMA, ticket ...).")
@click.option("--key", help="The change's own id, so that entering it twice applies it once.")
@click.pass_obj
def stock_adjust(ctx: Context, /, sku: str, location_id: str, delta: int, **options: Any) -> None:
    """Add DELTA units (negative to remove) to on hand."""
    with _database(ctx).session() as session:
        result = adjust(
            session,
            sku,
            location_id,
            delta,
            reason=Reason(options["reason"]),
            note=options["note"],
            reference=options["reference"],
            key=options["key"],
            source=SOURCE,
        )
    click.echo(("adjusted: " if result.applied else "applied before; nothing changed: ") + _describe(result.level))


@stock_group.command("receive")
@click.argument("sku")
@click.argument("location_id", metavar="LOCATION")
@click.argument("quantity", type=click.IntRange(min=1))
@click.option("--reference", help="PO or ASN number: draws down the units expected under it.")
@click.option("--incoming", "incoming_id", type=int, help="The incoming row to draw down (see `stock show`).")
@click.option("--key", help="The receipt's own id, so that entering it twice receives once.")
@click.pass_obj
def stock_receive(ctx: Context, /, sku: str, location_id: str, quantity: int, **options: Any) -> None:
    """Put QUANTITY units on hand, against what was expected under --reference when there is such."""
    with _database(ctx).session() as session:
        receipt = receive(session, sku, location_id, quantity, source=SOURCE, **options)
    if not receipt.applied:
        click.echo("received before; nothing changed: " + _describe(receipt.level))
        return
    against = f" against {receipt.incoming.source_type} {receipt.incoming.reference}" if receipt.incoming else ""
    click.echo(f"received{against}: " + _describe(receipt.level))


@stock_group.command("expect")
@click.argument("sku")
@click.argument("location_id", metavar="LOCATION")
@click.argument("quantity", type=click.IntRange(min=0))
@click.option("--source", "source_type", type=click.Choice([s.value for s in IncomingSource]), default="po")
@click.option("--reference", required=True, help="PO, ASN or transfer number.")
@click.option("--date", "expected_on", help="Expected arrival, YYYY-MM-DD.")
@click.pass_obj
def stock_expect(ctx: Context, /, sku: str, location_id: str, quantity: int, **options: Any) -> None:
    """Record QUANTITY units still expected under --reference (0 cancels)."""
    try:
        day = date.fromisoformat(options["expected_on"]) if options["expected_on"] else None
    except ValueError:
        raise InputRejected(f"--date {options['expected_on']!r} must be YYYY-MM-DD") from None
    with _database(ctx).session() as session:
        record = expect(
            session,
            sku,
            location_id,
            quantity,
            source_type=IncomingSource(options["source_type"]),
            reference=options["reference"],
            expected_on=day,
            source=SOURCE,
        )
        level = get_level(session, sku, location_id)
    click.echo(f"incoming {record.id} ({record.source_type} {record.reference}) {record.status}: " + _describe(level))


@stock_group.command("safety")
@click.argument("sku")
@click.argument("location_id", metavar="LOCATION")
@click.argument("quantity", type=click.IntRange(min=0))
@click.pass_obj
def stock_safety(ctx: Context, sku: str, location_id: str, quantity: int) -> None:
    """Hold QUANTITY units back from being promised."""
    with _database(ctx).session() as session:
        level = set_safety_stock(session, sku, location_id, quantity, source=SOURCE)
    click.echo("safety stock set: " + _describe(level))


@stock_group.command("advice")
@click.argument("location_id", metavar="LOCATION")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def stock_advice(ctx: Context, location_id: str, file: Path) -> None:
    """Apply an inventory_advice.v1 JSON document (what `orderhub edi parse` prints for an 846) to LOCATION."""
    from pydantic import ValidationError

    try:
        advice = InventoryAdvice.model_validate(_read_document(file))
    except ValidationError as exc:
        raise InputRejected(f"{file}: not an inventory_advice.v1 document: {describe_errors(exc)}") from None
    with _database(ctx).session() as session:
        result = apply_inventory_advice(session, location_id, advice, source=f"cli:{file.name}")
    for count in result.counts:
        click.echo(json.dumps({"sku": count.sku, "status": count.status, "adjustment": count.adjustment}))
    for skipped in result.skipped:
        click.echo(json.dumps({"item": skipped.index, "skipped": skipped.reason}))


@stock_group.command("show")
@click.argument("sku")
@click.option("--location", "location_id", help="Only this location.")
@click.pass_obj
def stock_show(ctx: Context, sku: str, location_id: str | None) -> None:
    """The levels of SKU, one JSON line per location, with the open incoming rows."""
    with _database(ctx).session() as session:
        levels = find_levels(session, [sku], [location_id] if location_id else None)
        incoming = open_incoming(session, sku, location_id)
    for level in levels:
        lots = [
            {
                "id": r.id,
                "source": r.source_type,
                "reference": r.reference,
                "quantity": r.quantity,
                "expected_on": r.expected_on.isoformat() if r.expected_on else None,
            }
            for r in incoming
            if r.location_id == level.location_id
        ]
        click.echo(json.dumps(level.as_json() | {"incoming_rows": lots}))
    if not levels:
        click.echo(f"no stock recorded for {sku}" + (f" at {location_id}" if location_id else ""), err=True)


@stock_group.command("ledger")
@click.argument("sku")
@click.option("--location", "location_id", help="Only this location.")
@click.option("--order", "order_id", help="Only entries of this order.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
@click.pass_obj
def stock_ledger(ctx: Context, sku: str, location_id: str | None, order_id: str | None, limit: int) -> None:
    """The newest ledger entries of SKU, oldest first, one JSON line each."""
    with _database(ctx).session() as session:
        lines = history(session, sku, location_id, order_id=order_id, limit=limit)
    for line in lines:
        click.echo(json.dumps(line.as_json()))


GROUPS = (location_group, stock_group)
