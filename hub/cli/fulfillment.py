"""``orderhub fulfillment``: fulfillment orders, as the operator of a location works them by hand.

::

    orderhub fulfillment list --location store-12             # open ones (created, sent, accepted, part shipped)
    orderhub fulfillment ship ful_01J... --carrier UPS --tracking 1Z999 --service Ground --line LAMP=2
    orderhub fulfillment cancel ful_01J... --reason "damaged in the warehouse"

``ship`` records the shipment through ``hub.delivery.shipments.record_shipment`` with source ``cli``, exactly
as a partner's confirmation is recorded; entering the same tracking number twice records it once. ``cancel``
asks the partner to withdraw a fulfillment order it holds (a ``fulfillment_order.cancel`` delivery, its units
given back when the partner confirms); one nobody else holds is cancelled in the hub at once.
"""

from __future__ import annotations

import json
from typing import Any

import click
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.canonical import Shipment
from hub.cli.context import Context
from hub.cli.publishing import publish_deliveries_now
from hub.db.models import FulfillmentOrderRecord, Location, OrderRecord
from hub.delivery.destinations import SELF
from hub.delivery.shipments import OPEN_STATES, record_shipment
from hub.edi.partners import describe_errors
from hub.errors import InputRejected
from hub.lifecycle import FulfillmentState
from hub.lifecycle.commands import CancelFulfillmentOrder
from hub.oms.stock_effects import execute_with_stock
from hub.sdk import ShipmentNotice

SOURCE = "cli"
STATE_CHOICES = ["open", "all", *(state.value for state in FulfillmentState)]


def _runtime(ctx: Context) -> Any:
    from hub.runtime import Runtime

    return Runtime(ctx.settings)


@click.group("fulfillment")
def group() -> None:
    """Fulfillment orders: list them, ship one by hand, cancel one."""


def _fulfillment_order(session: Session, fo_id: str) -> tuple[FulfillmentOrderRecord, str | None]:
    found = session.execute(
        select(FulfillmentOrderRecord, Location.fulfilled_by)
        .join(Location, Location.id == FulfillmentOrderRecord.location_id)
        .where(FulfillmentOrderRecord.id == fo_id)
    ).one_or_none()
    if found is None:
        raise InputRejected(f"no fulfillment order {fo_id!r} (see `orderhub fulfillment list`)")
    return found[0], found[1]


@group.command("list")
@click.option("--location", "location_id", help="Only fulfillment orders at this location.")
@click.option("--state", default="open", show_default=True, type=click.Choice(STATE_CHOICES))
@click.option("--limit", default=200, show_default=True, type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
def list_fulfillment_orders(ctx: Context, location_id: str | None, state: str, limit: int, as_json: bool) -> None:
    """Fulfillment orders, oldest first, with what is left to ship on each line."""
    query = (
        select(FulfillmentOrderRecord, Location.fulfilled_by, OrderRecord.number, OrderRecord.channel_order_id)
        .join(Location, Location.id == FulfillmentOrderRecord.location_id)
        .join(OrderRecord, OrderRecord.id == FulfillmentOrderRecord.order_id)
        .order_by(FulfillmentOrderRecord.created_at, FulfillmentOrderRecord.id)
        .limit(limit)
    )
    if state == "open":
        query = query.where(FulfillmentOrderRecord.state.in_([s.value for s in OPEN_STATES]))
    elif state != "all":
        query = query.where(FulfillmentOrderRecord.state == state)
    if location_id:
        query = query.where(FulfillmentOrderRecord.location_id == location_id)
    with _runtime(ctx).database.session() as session:
        rows = [_summary(fo, by, number or channel_id) for fo, by, number, channel_id in session.execute(query)]
    for row in rows:
        click.echo(json.dumps(row) if as_json else _text(row))
    if not rows and not as_json:
        click.echo("no fulfillment orders match", err=True)


def _summary(fo: FulfillmentOrderRecord, fulfilled_by: str | None, reference: str) -> dict[str, Any]:
    return {
        "id": fo.id,
        "order_id": fo.order_id,
        "order": reference,
        "location": fo.location_id,
        "fulfilled_by": fulfilled_by,
        "state": fo.state,
        "created_at": fo.created_at.isoformat(),
        "lines": [
            {
                "line_id": line.line_id,
                "sku": line.sku,
                "quantity": line.quantity,
                "shipped": line.shipped,
                "open": line.quantity - line.shipped - line.cancelled,
            }
            for line in fo.lines
        ],
    }


def _text(row: dict[str, Any]) -> str:
    lines = ", ".join(f"{line['sku'] or 'line ' + line['line_id']} x{line['open']}" for line in row["lines"])
    return f"{row['id']}  order {row['order']}  at {row['location']}  {row['state']}  to ship: {lines or 'nothing'}"


@group.command("ship")
@click.argument("fo_id", metavar="FO_ID")
@click.option("--carrier", required=True, help="Carrier name or SCAC, e.g. UPS.")
@click.option("--tracking", "tracking", multiple=True, required=True, help="Tracking number (repeat for several).")
@click.option("--service", help="Service level, e.g. Ground.")
@click.option("--line", "lines", multiple=True, metavar="SKU=QTY", help="Units shipped (default: every open unit).")
@click.option("--key", help="This shipment's own id, so entering it twice records it once (default: the tracking).")
@click.pass_obj
def ship(ctx: Context, /, fo_id: str, **options: Any) -> None:
    """Record a shipment of FO_ID: all its open units, or those given with --line."""
    runtime = _runtime(ctx)
    with runtime.database.session() as session:
        fo, _fulfilled_by = _fulfillment_order(session, fo_id)
        notice = _notice(fo, options)
        recorded = record_shipment(session, source=SOURCE, notice=notice, actor=SOURCE)
    if not recorded.created:
        click.echo(f"shipment {notice.key} was recorded before ({recorded.shipment_id}); nothing changed")
        return
    # committed: the order's channel is told now rather than at the next delivery sweep
    told = publish_deliveries_now(runtime.settings, recorded.planned)
    click.echo(
        f"recorded shipment {recorded.shipment_id}: fulfillment order {fo_id} is {recorded.state}, "
        f"order {recorded.order_id} is {recorded.order_status}"
        f"{'' if told else ' (the channel is told by the delivery sweep once the broker answers)'}"
    )


def _notice(fo: FulfillmentOrderRecord, options: dict[str, Any]) -> ShipmentNotice:
    items = [_item(fo, value) for value in options["lines"]]
    tracking = list(dict.fromkeys(options["tracking"]))
    document = {
        "order_id": fo.order_id,
        "carrier": {"name": options["carrier"], "service": options["service"]},
        "tracking_numbers": tracking,
        "items": items,
    }
    try:
        shipment = Shipment.model_validate(document)
    except ValidationError as exc:
        raise InputRejected(f"shipment of {fo.id}: {describe_errors(exc)}") from None
    key = options["key"] or f"{fo.id}:{'+'.join(tracking)}"
    return ShipmentNotice(key, shipment, fulfillment_order_id=fo.id)


def _item(fo: FulfillmentOrderRecord, value: str) -> dict[str, Any]:
    """``SKU=QTY`` (or ``LINE_ID=QTY`` for a line without a SKU) as a shipment item."""
    name, sep, quantity = value.partition("=")
    if not sep or not name or not quantity.strip().isdigit() or int(quantity) < 1:
        raise InputRejected(f"--line {value!r} is not SKU=QTY with a whole number of units of at least 1")
    skus = {line.sku for line in fo.lines}
    if name not in skus and name in {line.line_id for line in fo.lines}:
        return {"line_id": name, "quantity": int(quantity)}
    return {"sku": name, "quantity": int(quantity)}


@group.command("cancel")
@click.argument("fo_id", metavar="FO_ID")
@click.option("--reason", default="cancelled by an operator", show_default=True)
@click.pass_obj
def cancel(ctx: Context, fo_id: str, reason: str) -> None:
    """Cancel FO_ID: at the partner that holds it (through a delivery), else in the hub at once."""
    from hub.delivery.outbox import plan_cancellation

    runtime = _runtime(ctx)
    with runtime.database.session() as session:
        fo, fulfilled_by = _fulfillment_order(session, fo_id)
        state = FulfillmentState(fo.state)
        if state not in OPEN_STATES:
            raise InputRejected(f"fulfillment order {fo_id} is {state}: only an open one can be cancelled")
        deliveries: list[int] = []
        if state is FulfillmentState.CREATED or fulfilled_by not in (None, SELF):
            # not sent yet (its pending submit is withdrawn), or held by a partner that must confirm
            deliveries = plan_cancellation(session, fo_id, reason, source=SOURCE)
        else:  # the operator holds it: nobody else to ask
            execute_with_stock(session, fo.order_id, CancelFulfillmentOrder(id=fo_id, reason=reason), source=SOURCE)
    if deliveries:
        published = publish_deliveries_now(runtime.settings, deliveries)
        click.echo(
            f"asked {fulfilled_by} to cancel {fo_id} (delivery {deliveries[0]}"
            f"{'' if published else ', sent by the delivery sweep once the broker answers'}); "
            "its units come back when the partner confirms"
        )
        return
    with runtime.database.session() as session:
        click.echo(f"fulfillment order {fo_id} is {_fulfillment_order(session, fo_id)[0].state}")
