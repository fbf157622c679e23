"""``orderhub supplier``: drop-ship suppliers over X12: their agreed terms, the purchase orders sent to them, and
the invoices they sent back.

::

    orderhub supplier terms acme --ack-within 24h --ack-by 855 --cancel-with 850 --cost LAMP=7.50 --currency USD
    orderhub supplier pos [--partner acme] [--overdue] [--json]
    orderhub supplier invoices [--partner acme] [--exceptions] [--json]

``terms`` changes only what it is given (``--cost SKU=`` with nothing after ``=`` removes a price). ``pos`` marks
a PO whose acknowledgment is overdue; ``invoices`` lists each 810 with its match result and every exception.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

import click
from sqlalchemy import select

from hub.cli.context import Context
from hub.db.models import SupplierInvoice, SupplierPurchaseOrder
from hub.db.models.base import utcnow
from hub.edi.partners import get_partner, parse_profile, save_partner
from hub.edi.supplier_watch import is_overdue
from hub.errors import InputRejected
from hub.runtime import Runtime


@click.group("supplier")
def group() -> None:
    """Drop-ship suppliers over X12: terms, purchase orders, invoices."""


def _costs(values: tuple[str, ...]) -> dict[str, str | None]:
    costs: dict[str, str | None] = {}
    for value in values:
        sku, sep, price = value.partition("=")
        if not sep or not sku.strip():
            raise InputRejected(f"--cost {value!r} is not SKU=PRICE (e.g. LAMP=7.50)")
        if price.strip():
            try:
                Decimal(price.strip())
            except InvalidOperation:
                raise InputRejected(f"--cost {value!r}: {price!r} is not a price such as 7.50") from None
        costs[sku.strip()] = price.strip() or None
    return costs


@group.command("terms")
@click.argument("partner_id")
@click.option("--ack-within", help="Time the supplier has to acknowledge a PO: 30m, 4h, 2d (none: not watched).")
@click.option("--ack-by", type=click.Choice(["855", "997"]), help="What counts as its acknowledgment.")
@click.option("--cancel-with", type=click.Choice(["850", "860"]), help="How a PO is cancelled (850: BEG01 01).")
@click.option("--cost", "costs", multiple=True, metavar="SKU=PRICE", help="Unit price agreed for a SKU (repeat).")
@click.option("--currency", help="Currency of the prices (default USD).")
@click.pass_obj
def terms(ctx: Context, /, partner_id: str, costs: tuple[str, ...], **options: Any) -> None:
    """Set the drop-ship terms in PARTNER_ID's profile; prints the terms as saved."""
    with Runtime(ctx.settings).database.session() as session:
        partner = get_partner(session, partner_id)
        profile = partner.profile.model_dump(mode="json")
        current: dict[str, Any] = profile.get("supplier") or {}
        for name in ("ack_within", "ack_by", "cancel_with", "currency"):
            if options[name] is not None:
                current[name] = options[name]
        prices = dict(current.get("costs") or {})
        for sku, price in _costs(costs).items():
            if price is None:
                prices.pop(sku, None)
            else:
                prices[sku] = price
        current["costs"] = prices
        profile["supplier"] = current
        parsed = parse_profile(profile, f"partner {partner_id}")
        save_partner(session, partner_id, name=partner.name, kind=partner.kind, profile=parsed, active=partner.active)
        saved = parsed.supplier.model_dump(mode="json") if parsed.supplier else {}
    click.echo(json.dumps({"partner": partner_id, "supplier": saved}))


def _when(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


def _po(session: Any, row: SupplierPurchaseOrder, now: Any) -> dict[str, Any]:
    return {
        "po_number": row.po_number,
        "partner": row.partner_id,
        "order_id": row.order_id,
        "fulfillment_order": row.fulfillment_order_id,
        "status": row.status,
        "ack_by": row.ack_by,
        "ack_due_at": _when(row.ack_due_at),
        "acknowledged_at": _when(row.acknowledged_at),
        "ack_overdue": is_overdue(session, row, now),
        "lines": row.lines,
    }


@group.command("pos")
@click.option("--partner", "partner_id", help="Only this supplier's POs.")
@click.option("--overdue", is_flag=True, help="Only POs whose acknowledgment is overdue.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
def purchase_orders(ctx: Context, partner_id: str | None, overdue: bool, limit: int, as_json: bool) -> None:
    """The newest purchase orders sent to suppliers, one per line."""
    query = select(SupplierPurchaseOrder).order_by(SupplierPurchaseOrder.created_at.desc()).limit(limit)
    if partner_id:
        query = query.where(SupplierPurchaseOrder.partner_id == partner_id)
    now = utcnow()
    with Runtime(ctx.settings).database.session() as session:
        rows = [_po(session, row, now) for row in session.scalars(query).all()]
    rows = [row for row in rows if row["ack_overdue"] or not overdue]
    for row in rows:
        if as_json:
            click.echo(json.dumps(row))
            continue
        flag = f"  ACK OVERDUE (due {row['ack_due_at']}, by {row['ack_by']})" if row["ack_overdue"] else ""
        units = sum(line["quantity"] for line in row["lines"])
        click.echo(
            f"{row['po_number']:<22}  {row['partner']:<12} {row['status']:<15} {row['order_id']:<30} "
            f"{len(row['lines'])} line(s), {units} unit(s){flag}"
        )
    if not rows and not as_json:
        click.echo("no purchase orders match")


def _invoice(row: SupplierInvoice) -> dict[str, Any]:
    return {
        "id": row.id,
        "partner": row.partner_id,
        "invoice_number": row.invoice_number,
        "po_number": row.po_number,
        "order_id": row.order_id,
        "invoice_date": row.invoice_date,
        "total": row.total,
        "currency": row.currency,
        "status": row.status,
        "exceptions": row.exceptions,
        "note": row.note,
        "received_at": _when(row.received_at),
    }


@group.command("invoices")
@click.option("--partner", "partner_id", help="Only this supplier's invoices.")
@click.option("--exceptions", "only_exceptions", is_flag=True, help="Only invoices with exceptions.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
def invoices(ctx: Context, partner_id: str | None, only_exceptions: bool, limit: int, as_json: bool) -> None:
    """Supplier invoices (810) recorded against purchase orders, newest first, with their exceptions."""
    query = select(SupplierInvoice).order_by(SupplierInvoice.id.desc()).limit(limit)
    if partner_id:
        query = query.where(SupplierInvoice.partner_id == partner_id)
    if only_exceptions:
        query = query.where(SupplierInvoice.status == "exceptions")
    with Runtime(ctx.settings).database.session() as session:
        rows = [_invoice(row) for row in session.scalars(query)]
    for row in rows:
        if as_json:
            click.echo(json.dumps(row))
            continue
        click.echo(
            f"{row['invoice_number']:<16} {row['partner']:<12} PO {row['po_number']:<22} "
            f"{row['total']:>10} {row['currency']}  {row['status']}"
        )
        for exception in row["exceptions"]:
            click.echo(f"    exception: {exception}")
    if not rows and not as_json:
        click.echo("no invoices match")
