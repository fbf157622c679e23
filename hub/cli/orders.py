"""``orderhub order``: the orders the hub holds, and everything that happened to one.

::

    orderhub order list --status partially_shipped --channel shopify --since 1d
    orderhub order show ord_01JD...        # or the channel's order number, when only one order has it
    orderhub order show '#1001' --json

``show`` gathers what an operator asks about an order in one place: its lines with their quantities per
state (the lifecycle's line ledger), the fulfillment orders and who fulfils their locations, the shipments
with tracking, the deliveries to partners with their last attempt, and the timeline.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.cli.context import Context
from hub.db.models import Delivery, OrderRecord
from hub.errors import InputRejected
from hub.orders.views import find_order, order_view
from hub.orders.views import order_summary as _summary

__all__ = ["find_order", "group", "order_view", "parse_since", "render"]

DURATION = re.compile(r"^(\d+)([smhd])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def _database(ctx: Context) -> Any:
    from hub.runtime import Runtime

    return Runtime(ctx.settings).database


def parse_since(value: str, option: str = "--since") -> datetime:
    """A moment given as a date-time with an offset, a date (midnight UTC), or an age such as 30m, 2h, 7d."""
    match = DURATION.match(value.strip())
    if match:
        return datetime.now(UTC) - timedelta(**{UNITS[match.group(2)]: int(match.group(1))})
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputRejected(
            f"{option} {value!r} is not a date-time (2026-11-22T06:00:00Z), a date (2026-11-22) or an age (2h, 7d)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@click.group("order")
def group() -> None:
    """Orders: list them, and show one with its lines, fulfillment, shipments, deliveries and timeline."""


@group.command("list")
@click.option("--status", help="Only orders in this status (received, allocated, shipped ...).")
@click.option("--channel", help="Only orders from this channel (shopify, x12 ...).")
@click.option("--since", help="Only orders the hub received since then: 2026-11-22T06:00:00Z, 2026-11-22, 2h, 7d.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
def list_orders(
    ctx: Context, status: str | None, channel: str | None, since: str | None, limit: int, as_json: bool
) -> None:
    """The newest orders first."""
    query = select(OrderRecord).order_by(OrderRecord.created_at.desc(), OrderRecord.id.desc()).limit(limit)
    if status:
        query = query.where(OrderRecord.status == status)
    if channel:
        query = query.where(OrderRecord.channel == channel)
    if since:
        query = query.where(OrderRecord.created_at >= parse_since(since))
    with _database(ctx).session() as session:
        rows = [_summary(row) for row in session.scalars(query)]
    for row in rows:
        if as_json:
            click.echo(json.dumps(row))
        else:
            reference = row["number"] or row["channel_order_id"]
            click.echo(
                f"{row['id']}  {row['channel']}/{row['account']} {reference}  {row['status']}  "
                f"{row['total']} {row['currency']}  placed {row['placed_at']}"
            )
    if not rows and not as_json:
        click.echo("no orders match", err=True)


@group.command("show")
@click.argument("reference", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of text.")
@click.pass_obj
def show(ctx: Context, reference: str, as_json: bool) -> None:
    """Order ID (the hub's id, or its number): lines, fulfillment orders, shipments, deliveries, timeline."""
    with _database(ctx).session() as session:
        view = order_view(session, find_order(session, reference))
    if as_json:
        click.echo(json.dumps(view, indent=2, default=str))
        return
    for line in render(view):
        click.echo(line)


def render(view: dict[str, Any]) -> list[str]:
    """The view as readable text, one section after another."""
    sections = (_head, _line_section, _fulfillment_section, _shipment_section, _delivery_section, _timeline_section)
    return [text for section in sections for text in section(view)]


def _head(view: dict[str, Any]) -> list[str]:
    o = view["order"]
    number = f" {o['number']}" if o["number"] else ""
    test = " [test]" if o["test"] else ""
    return [
        f"order {o['id']}{number} ({o['channel']}/{o['account']} {o['channel_order_id']}): {o['status']}{test}",
        f"  placed {o['placed_at']}, {o['total']} {o['currency']}, payment {o['payment_status']}",
    ]


def _line_section(view: dict[str, Any]) -> list[str]:
    out = ["lines:"]
    for line in view["lines"]:
        counts = ", ".join(f"{k} {n}" for k, n in line["quantities"].items())
        out.append(f"  {line['line_id']}  {line['sku'] or '(no sku)'}  {line['state']}: {counts}")
    return out


def _fulfillment_section(view: dict[str, Any]) -> list[str]:
    out = ["fulfillment orders:" if view["fulfillment_orders"] else "fulfillment orders: none"]
    for fo in view["fulfillment_orders"]:
        who = f" by {fo['fulfilled_by']}" if fo["fulfilled_by"] else " (nobody fulfils this location)"
        extra = "".join(f", {k} {fo[k]}" for k in ("external_id", "reason") if fo[k])
        out.append(f"  {fo['id']} at {fo['location']}{who}: {fo['state']}{extra}")
        for fl in fo["lines"]:
            out.append(
                f"    line {fl['line_id']} {fl['sku'] or ''} x{fl['quantity']}: shipped {fl['shipped']}, "
                f"cancelled {fl['cancelled']}"
            )
    return out


def _shipment_section(view: dict[str, Any]) -> list[str]:
    out = ["shipments:" if view["shipments"] else "shipments: none"]
    for s in view["shipments"]:
        service = f" {s['service']}" if s["service"] else ""
        numbers = ", ".join(s["tracking_numbers"]) or "no tracking number"
        units = ", ".join(f"line {line} x{n}" for line, n in s["units"].items())
        out.append(f"  {s['shipment_id']} from {s['source']}: {s['carrier'] or 'carrier?'}{service} {numbers}")
        out.append(f"    shipped {s['shipped_at']}: {units}" + (f"; {s['tracking_url']}" if s["tracking_url"] else ""))
    return out


def _delivery_section(view: dict[str, Any]) -> list[str]:
    out = ["deliveries:" if view["deliveries"] else "deliveries: none"]
    for d in view["deliveries"]:
        last = d["last_attempt"]
        tried = f", attempt {last['number']}: {last['outcome'] or 'running'}" if last else ""
        error = f" ({d['last_error']})" if d["last_error"] else ""
        out.append(f"  {d['id']} {d['operation']} to {d['destination']}: {d['status']}{tried}{error}")
    return out


def _timeline_section(view: dict[str, Any]) -> list[str]:
    out = ["timeline:"]
    for event in view["timeline"]:
        data = event["data"] if isinstance(event["data"], dict) else {}
        note = ", ".join(data.get("tracking_numbers") or []) or data.get("reason") or ""
        out.append(f"  {event['at']}  {event['type']}  ({event['source']})" + (f"  {note}" if note else ""))
    return out


# -- telling the channel: refunds, cancellations, tracking changes ------------------------------------------------


def _units(session: Session, order_id: str, values: tuple[str, ...]) -> dict[str, int]:
    """``--line SKU=QTY`` options (a line id in place of the SKU works too) as ``{line_id: units}``."""
    from hub.delivery.channel_updates import refund_units

    wanted: dict[str, int] = {}
    for value in values:
        name, sep, quantity = value.partition("=")
        if not sep or not name or not quantity.strip().isdigit() or int(quantity) < 1:
            raise InputRejected(f"--line {value!r} is not SKU=QTY with a whole number of units of at least 1")
        wanted[name] = wanted.get(name, 0) + int(quantity)
    return refund_units(session, order_id, wanted)


def _told(ctx: Context, ids: list[int], what: str, existing: int | None = None) -> None:
    """Publish the new deliveries ``ids`` and show each (or the ``existing`` one) with its status: one nobody
    can take shows why."""
    from hub.cli.publishing import publish_deliveries_now

    wanted = ids or ([existing] if existing is not None else [])
    with _database(ctx).session() as session:
        rows = [row for row in (session.get(Delivery, i) for i in wanted) if row is not None]
        shown = [(row.id, row.destination, row.status, row.last_error) for row in rows]
    if ids and not publish_deliveries_now(ctx.settings, ids):
        click.echo("the broker did not answer: the delivery sweep sends it", err=True)
    for delivery_id, destination, status, error in shown:
        note = f": {error}" if status == "cancelled" and error else ""
        click.echo(f"{what} for {destination}: delivery {delivery_id} {status}{note}")


@group.command("refund")
@click.argument("reference", metavar="ID")
@click.option("--line", "lines", multiple=True, metavar="SKU=QTY", help="Units to refund (repeat for several).")
@click.option("--shipping", is_flag=True, help="Refund the shipping charged too.")
@click.option("--restock", is_flag=True, help="Ask the channel to put the units back in its own stock figures.")
@click.option("--reason", required=True, help="Why; the channel keeps it with the refund.")
@click.pass_obj
def refund(ctx: Context, reference: str, lines: tuple[str, ...], shipping: bool, restock: bool, reason: str) -> None:
    """Ask the order's channel to refund the buyer (the hub moves no money itself). The same request made
    twice is one refund."""
    from hub.delivery.channel_updates import plan_refund

    with _database(ctx).session() as session:
        order_id = find_order(session, reference).id
        delivery_id, created = plan_refund(
            session, order_id, reason, lines=_units(session, order_id, lines), shipping=shipping, restock=restock
        )
    if not created:
        click.echo(f"this refund was asked for before (delivery {delivery_id}): nothing new is sent")
    _told(ctx, [delivery_id] if created else [], "refund", delivery_id)


@group.command("channel-cancel")
@click.argument("reference", metavar="ID")
@click.option("--line", "lines", multiple=True, metavar="SKU=QTY", help="Units to cancel; none: the whole order.")
@click.option("--reason", required=True, help="Why the hub cancels them (the buyer may see it).")
@click.pass_obj
def channel_cancel(ctx: Context, reference: str, lines: tuple[str, ...], reason: str) -> None:
    """Tell the order's channel that the hub cancels the order (or some units): the channel cancels them there."""
    from hub.delivery.channel_updates import plan_channel_cancellation

    with _database(ctx).session() as session:
        order_id = find_order(session, reference).id
        ids = plan_channel_cancellation(session, order_id, reason, lines=_units(session, order_id, lines) or None)
    _told(ctx, ids, "cancellation")


@group.command("tracking")
@click.argument("shipment_id", metavar="SHIPMENT_ID")
@click.option("--tracking", "numbers", multiple=True, required=True, help="Tracking number (repeat for several).")
@click.option("--carrier", help="The carrier, when it changed.")
@click.option("--url", "tracking_url", help="The tracking page, when the carrier's own is not known.")
@click.pass_obj
def tracking(
    ctx: Context, shipment_id: str, numbers: tuple[str, ...], carrier: str | None, tracking_url: str | None
) -> None:
    """Change a shipment's tracking; the order's channel is told."""
    from hub.delivery.channel_updates import change_tracking

    with _database(ctx).session() as session:
        ids = change_tracking(
            session, shipment_id, carrier=carrier, tracking_numbers=list(dict.fromkeys(numbers)),
            tracking_url=tracking_url, actor="cli",
        )  # fmt: skip
    if not ids:
        click.echo(f"shipment {shipment_id}: tracking recorded (the channel gets it with its confirmation)")
    _told(ctx, ids, "tracking update")
