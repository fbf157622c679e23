"""What the hub's stored documents say happened, as facts a ledger books: signed parts on logical accounts.

A part is a signed amount on a logical account (positive debits it, negative credits it); a fact's parts
always sum to zero, so every entry made of them balances. Facts are recomputed from the canonical documents
of the orders a scan reads (those changed since the last one), never stored: the journal compares them with
what it has booked (``hub.accounting.journal``).

=====================================  =================================================================
fact (key)                             parts
=====================================  =================================================================
``sale:<order>`` (recognise on order)  credit revenue per line (before its discount, net of tax when
                                       prices include tax), debit discounts, credit shipping charged and
                                       other charges, credit tax per tax name as the channel stated it
                                       (``tax:default`` where it named none), debit the channel's
                                       clearing account with the order's total; cents between the
                                       channel's total and its parts go to ``rounding``
``sale:<order>:<shipment>``            the same, for the units that shipment carried (each line's amounts
(recognise on shipment)                pro rata by units shipped so far; order-level amounts with the
                                       first shipment), so the shipments of a fully shipped order add up
                                       to the order exactly
``refund:<order>:<refund>``            debit revenue per line refunded and shipping refunded; what is left
                                       of the total is tax refunded (debit ``tax:default``), or, when the
                                       channel paid back less than the goods, a restocking fee kept
                                       (credit ``restocking_fees``); credit clearing with the total
``supplier_cost:<partner>:<number>``   a drop-ship supplier's 810 invoice: debit cost of goods per line,
                                       shipping and tax billed, credit discounts, credit accounts payable
                                       with the invoice total
``fee:<channel>:<payout>:<order>``     the fees a channel's stored payout reports for an order (``hub.payouts``):
                                       debit ``channel_fees``, credit the channel's clearing account
=====================================  =================================================================

Test orders and test invoices are never booked. An order cancelled before its payment was taken (payment
pending, authorized, voided or unknown) has no sale; one cancelled after is booked, and its refunds reverse it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hub.accounting.amounts import ZERO, rounded
from hub.accounting.changes import REFUND_EVENT, chunks
from hub.canonical import Order, Refund
from hub.canonical.invoice import Invoice
from hub.canonical.order import ChargeKind, OrderStatus, PaymentStatus
from hub.db.models import OrderEvent, OrderRecord, PayoutRecord, ShipmentRecord, SupplierInvoice
from hub.payouts.model import PayoutLine
from hub.sdk import EntryKind, LineRole

PAID = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


@dataclass(frozen=True)
class Part:
    """A signed amount on a logical account: positive debits it, negative credits it."""

    account: str
    role: LineRole
    amount: Decimal
    description: str = ""
    line_id: str | None = None  # the order line it belongs to: shipments pro-rate these
    sku: str | None = None
    quantity: int | None = None
    unit_price: Decimal | None = None
    tax_name: str | None = None
    tax_rate: str | None = None


@dataclass(frozen=True)
class Fact:
    key: str
    kind: EntryKind
    day: date
    currency: str
    parts: tuple[Part, ...]
    order_id: str | None = None
    channel: str | None = None  # channel:account of the order
    memo: str = ""
    context: dict[str, Any] = field(default_factory=dict)


def order_context(record: OrderRecord, order: Order) -> dict[str, Any]:
    customer = order.customer
    name = (customer.name if customer else None) or (order.bill_to.name if order.bill_to else None)
    return {
        "order": {
            "order_id": record.id,
            "channel": f"{record.channel}:{record.account}",
            "channel_order_id": record.channel_order_id,
            "number": order.number or order.po_number,
        },
        "customer": {"name": name, "email": customer.email if customer else None},
    }


def _utc_day(moment: datetime) -> date:
    """The day a fact is booked on: its UTC calendar day (every instant the hub stores is UTC)."""
    return moment.date() if moment.tzinfo is None else moment.astimezone(UTC).date()


def sale_parts(order: Order, clearing: str) -> list[Part]:
    """Every part of an order's sale, the clearing account last; they sum to zero."""
    currency, incl = order.currency, order.taxes_included
    parts: list[Part] = []
    for line in order.lines:
        tax = line.tax.amount if line.tax else ZERO
        discount = line.discount.amount if line.discount else ZERO
        net = line.total.amount + discount - (tax if incl else ZERO)
        parts.append(
            Part(
                "revenue",
                LineRole.REVENUE,
                -net,
                line.name,
                line_id=line.line_id,
                sku=line.sku,
                quantity=line.quantity,
                unit_price=line.unit_price.amount,
            )
        )
        if discount:
            parts.append(Part("discounts", LineRole.DISCOUNT, discount, f"discount: {line.name}", line.line_id))
    parts.extend(_shipping_parts(order))
    if order.totals.fees and order.totals.fees.amount:
        parts.append(Part("other_income", LineRole.REVENUE, -order.totals.fees.amount, "charges to the buyer"))
    parts.extend(_tax_parts(order))
    total = order.totals.total.amount
    residue = -(sum((part.amount for part in parts), ZERO) + total)
    if residue:
        parts.append(Part("rounding", LineRole.ADJUSTMENT, residue, "difference between the order total and its parts"))
    reference = order.number or order.channel_order_id
    parts.append(Part(clearing, LineRole.CLEARING, total, f"{order.channel} order {reference}"))
    return _rounded(parts, currency)


def _rounded(parts: Sequence[Part], currency: str) -> list[Part]:
    return [replace(part, amount=rounded(part.amount, currency)) for part in parts]


def _shipping_parts(order: Order) -> Iterator[Part]:
    if order.shipping_lines:
        gross = sum((line.price.amount for line in order.shipping_lines), ZERO)
        discount = sum((line.discount.amount for line in order.shipping_lines if line.discount), ZERO)
        tax = sum((line.tax.amount for line in order.shipping_lines if line.tax), ZERO)
    else:
        gross, discount, tax = order.totals.shipping.amount, ZERO, ZERO
    net = gross - (tax if order.taxes_included else ZERO)
    if net:
        yield Part("shipping_income", LineRole.SHIPPING, -net, "shipping charged")
    if discount:
        yield Part("discounts", LineRole.DISCOUNT, discount, "shipping discount")


def _tax_parts(order: Order) -> Iterator[Part]:
    """Tax per name where the channel named it (charges of kind tax adding up to the total tax), else per line
    and the rest of the order's tax (shipping's) on ``tax:default``."""
    total = order.totals.tax.amount
    named = [charge for charge in order.charges if charge.kind is ChargeKind.TAX and charge.in_totals]
    if named and sum((charge.amount.amount for charge in named), ZERO) == total:
        for charge in named:
            name = charge.description or charge.code or "tax"
            rate = str(charge.percent / 100) if charge.percent is not None else None
            amount = -charge.amount.amount
            yield Part(f"tax:{name}", LineRole.TAX, amount, name, charge.line_id, tax_name=name, tax_rate=rate)
        return
    on_lines = ZERO
    for line in order.lines:
        if line.tax and line.tax.amount:
            on_lines += line.tax.amount
            yield Part("tax:default", LineRole.TAX, -line.tax.amount, f"tax: {line.name}", line.line_id)
    if total - on_lines:
        yield Part("tax:default", LineRole.TAX, -(total - on_lines), "tax")


def books_sale(order: Order) -> bool:
    if order.test:
        return False
    if order.payment_status is PaymentStatus.VOIDED:
        return False
    return not (order.status is OrderStatus.CANCELLED and order.payment_status not in PAID)


def clearing_account(record: OrderRecord) -> str:
    return f"clearing:{record.channel}:{record.account}"


def order_sale(record: OrderRecord, order: Order) -> Fact | None:
    if not books_sale(order):
        return None
    parts = sale_parts(order, clearing_account(record))
    return Fact(
        f"sale:{record.id}",
        EntryKind.SALE,
        _utc_day(order.placed_at),
        order.currency,
        tuple(parts),
        order_id=record.id,
        channel=f"{record.channel}:{record.account}",
        memo=f"sale: order {order.number or record.channel_order_id}",
        context=order_context(record, order),
    )


def shipment_sales(record: OrderRecord, order: Order, shipments: Sequence[ShipmentRecord]) -> list[Fact]:
    """One sale per shipment, for the units it carried (see the module docstring)."""
    if not books_sale(order) or not shipments:
        return []
    parts = sale_parts(order, clearing_account(record))
    quantities = {line.line_id: line.quantity for line in order.lines}
    shipped: dict[str, int] = {}
    facts = []
    for index, shipment in enumerate(shipments):
        before = dict(shipped)
        for line_id, units in (shipment.units or {}).items():
            shipped[line_id] = min(quantities.get(line_id, 0), shipped.get(line_id, 0) + int(units))
        share = [_share(part, before, shipped, quantities, first=index == 0) for part in parts[:-1]]
        share = [part for part in share if part.amount]
        if not share:
            continue
        clearing = parts[-1]
        balance = -sum((part.amount for part in share), ZERO)
        share.append(Part(clearing.account, clearing.role, balance, clearing.description))
        day = _utc_day(shipment.shipped_at or shipment.created_at)
        fact = Fact(
            f"sale:{record.id}:{shipment.id}",
            EntryKind.SALE,
            day,
            order.currency,
            tuple(share),
            order_id=record.id,
            channel=f"{record.channel}:{record.account}",
            memo=f"sale: order {order.number or record.channel_order_id}, shipment {shipment.id}",
            context=order_context(record, order) | {"source_id": shipment.id},
        )
        facts.append(fact)
    return facts


def _share(
    part: Part, before: dict[str, int], after: dict[str, int], quantities: dict[str, int], *, first: bool
) -> Part:
    """The part of ``part`` a shipment recognises: cumulative rounding, so the shares add up exactly."""
    if part.line_id is None or not quantities.get(part.line_id):
        return replace(part, amount=part.amount if first else ZERO)
    total = quantities[part.line_id]
    was, now = before.get(part.line_id, 0), after.get(part.line_id, 0)
    exp = part.amount.as_tuple().exponent
    step = Decimal(1).scaleb(exp if isinstance(exp, int) else -2)
    amount = (part.amount * now / total).quantize(step) - (part.amount * was / total).quantize(step)
    quantity = (now - was) if part.quantity is not None else None
    return replace(part, amount=amount, quantity=quantity)


def refund_fact(record: OrderRecord, order: Order, event: OrderEvent) -> Fact | None:
    try:
        refund = Refund.model_validate(event.data)
    except ValidationError:
        return None  # what the channel reported is on the timeline; it is not a refund the hub can book
    total = refund.total.amount
    if order.test or not total:
        return None
    lines = {line.line_id: line for line in order.lines}
    parts = []
    for item in refund.lines:
        line = lines.get(item.line_id)
        name = line.name if line else item.line_id
        sku = line.sku if line else None
        amount = item.amount.amount
        parts.append(
            Part("revenue", LineRole.REVENUE, amount, f"refund: {name}", item.line_id, sku, item.quantity or None)
        )
    if refund.shipping and refund.shipping.amount:
        parts.append(Part("shipping_income", LineRole.SHIPPING, refund.shipping.amount, "shipping refunded"))
    rest = total - sum((part.amount for part in parts), ZERO)
    if rest > 0:
        parts.append(Part("tax:default", LineRole.TAX, rest, "tax refunded"))
    elif rest < 0:
        parts.append(Part("restocking_fees", LineRole.FEE, rest, "kept back from the refund (restocking fee)"))
    parts.append(Part(clearing_account(record), LineRole.CLEARING, -total, refund.reason or "refund"))
    key = refund.channel_refund_id or refund.id or f"e{event.id}"
    return Fact(
        f"refund:{record.id}:{key}",
        EntryKind.REFUND,
        _utc_day(refund.created_at),
        refund.currency,
        tuple(_rounded(parts, refund.currency)),
        order_id=record.id,
        channel=f"{record.channel}:{record.account}",
        memo=f"refund {key}: order {order.number or record.channel_order_id}",
        context=order_context(record, order) | {"source_id": key},
    )


def supplier_cost_fact(invoice_row: SupplierInvoice, record: OrderRecord | None) -> Fact | None:
    """A drop-ship supplier's invoice as a cost of the order it was for."""
    try:
        invoice = Invoice.model_validate(invoice_row.document)
    except ValidationError:
        return None
    if invoice.test:
        return None
    parts = [
        Part(
            "cost_of_goods",
            LineRole.COST,
            line.total.amount,
            line.description or line.sku or "supplied goods",
            line_id=line.line_id,
            sku=line.sku,
            quantity=line.quantity,
            unit_price=line.unit_price.amount,
        )
        for line in invoice.lines
    ]
    for amount, what in ((invoice.shipping, "shipping billed"), (invoice.tax, "tax billed")):
        if amount is not None and amount.amount:
            parts.append(Part("cost_of_goods", LineRole.COST, amount.amount, what))
    if invoice.discount is not None and invoice.discount.amount:
        parts.append(Part("cost_of_goods", LineRole.COST, -invoice.discount.amount, "supplier discount"))
    residue = invoice.total.amount - sum((part.amount for part in parts), ZERO)
    if residue:
        parts.append(
            Part("cost_of_goods", LineRole.COST, residue, "difference between the invoice total and its parts")
        )
    payable = -invoice.total.amount
    parts.append(Part("accounts_payable", LineRole.PAYABLE, payable, f"invoice {invoice.invoice_number}"))
    key = f"{invoice_row.partner_id}:{invoice.invoice_number}"
    context: dict[str, Any] = {"customer": {"name": invoice_row.partner_id, "email": None}, "source_id": key}
    if record is not None:
        context["order"] = order_context(record, Order.model_validate(record.document))["order"]
    return Fact(
        f"supplier_cost:{key}",
        EntryKind.SUPPLIER_COST,
        invoice.invoice_date,
        invoice.currency,
        tuple(_rounded(parts, invoice.currency)),
        order_id=invoice_row.order_id,
        channel=f"{record.channel}:{record.account}" if record else None,
        memo=f"supplier invoice {invoice.invoice_number} from {invoice_row.partner_id}",
        context=context,
    )


def channel_fee_facts(session: Session) -> list[Fact]:
    """The fees each stored payout reports (``hub.payouts``), one fact per payout and order: debit
    ``channel_fees``, credit the channel's clearing account (the channel kept that much of what it owed).

    A fee fact names its order in its context but carries no ``order_id``: the journal's incremental scans
    compare what is booked per order they read, and a payout is on no order's timeline; storing a payout makes
    the next scan full instead (``hub.payouts.store``). Fees of test orders are not booked."""
    facts = []
    for payout in session.scalars(select(PayoutRecord).order_by(PayoutRecord.id)):
        fees: dict[str | None, Decimal] = {}
        for line in (PayoutLine.from_json(data) for data in payout.lines):
            fees[line.channel_order_id] = fees.get(line.channel_order_id, ZERO) + line.fee
        orders = _payout_orders(session, payout, [key for key in fees if key is not None])
        for channel_order_id, fee in fees.items():
            record = orders.get(channel_order_id) if channel_order_id else None
            if rounded(fee, payout.currency) and not (record is not None and record.test):
                facts.append(_fee_fact(payout, channel_order_id, rounded(fee, payout.currency), record))
    return facts


def _payout_orders(session: Session, payout: PayoutRecord, wanted: list[str]) -> dict[str, OrderRecord]:
    query = select(OrderRecord).where(OrderRecord.channel == payout.channel, OrderRecord.account == payout.account)
    return {record.channel_order_id: record for record in _rows(session, query, OrderRecord.channel_order_id, wanted)}


def _fee_fact(payout: PayoutRecord, channel_order_id: str | None, fee: Decimal, record: OrderRecord | None) -> Fact:
    channel = f"{payout.channel}:{payout.account}"
    clearing = f"clearing:{channel}"
    what = f"order {channel_order_id}" if channel_order_id else "the account"
    parts = (
        Part("channel_fees", LineRole.FEE, fee, f"{payout.channel} fees for {what}"),
        Part(clearing, LineRole.CLEARING, -fee, f"{payout.channel} payout {payout.payout_id}"),
    )
    context: dict[str, Any] = {"customer": {"name": channel, "email": None}, "source_id": payout.payout_id}
    if record is not None:
        context = order_context(record, Order.model_validate(record.document)) | {"source_id": payout.payout_id}
    return Fact(
        f"fee:{channel}:{payout.payout_id}:{channel_order_id or '-'}",
        EntryKind.FEE,
        payout.payout_date,
        payout.currency,
        parts,
        channel=channel,
        memo=f"{payout.channel} fees, payout {payout.payout_id}, {what}",
        context=context,
    )


def _rows(session: Session, query: Select[Any], column: Any, order_ids: Collection[str] | None) -> Iterator[Any]:
    """The rows of ``query``, all of them or those whose ``column`` is one of ``order_ids`` (in chunks)."""
    if order_ids is None:
        yield from session.scalars(query)
        return
    for chunk in chunks(order_ids):
        yield from session.scalars(query.where(column.in_(chunk)))


def collect(session: Session, recognise_on: str, order_ids: Collection[str] | None = None) -> Iterator[Fact]:
    """Every fact the stored documents hold for a destination recognising sales on ``recognise_on``; only
    those of ``order_ids`` (sales, refunds, supplier costs) when given. Each table is read once, in bulk."""
    shipments: dict[str, list[ShipmentRecord]] = {}
    if recognise_on == "shipment":
        for shipment in _rows(session, select(ShipmentRecord), ShipmentRecord.order_id, order_ids):
            shipments.setdefault(shipment.order_id, []).append(shipment)
    refunds: dict[str, list[OrderEvent]] = {}
    events = select(OrderEvent).where(OrderEvent.type == REFUND_EVENT).order_by(OrderEvent.id)
    for event in _rows(session, events, OrderEvent.order_id, order_ids):
        refunds.setdefault(event.order_id, []).append(event)
    records: dict[str, OrderRecord] = {}
    orders = select(OrderRecord).where(OrderRecord.test.is_(False)).order_by(OrderRecord.id)
    for record in _rows(session, orders, OrderRecord.id, order_ids):
        records[record.id] = record
        yield from _order_facts(record, recognise_on, shipments.get(record.id, []), refunds.get(record.id, []))
    invoices = list(_rows(session, select(SupplierInvoice), SupplierInvoice.order_id, order_ids))
    for invoice in sorted(invoices, key=lambda row: row.id):
        fact = supplier_cost_fact(invoice, records.get(invoice.order_id))
        if fact is not None:
            yield fact
    if order_ids is None:
        yield from channel_fee_facts(session)


def _order_facts(
    record: OrderRecord, recognise_on: str, shipments: list[ShipmentRecord], refunds: list[OrderEvent]
) -> Iterator[Fact]:
    order = Order.model_validate(record.document)
    if recognise_on == "shipment":
        yield from shipment_sales(record, order, _in_time_order(shipments))
    else:
        sale = order_sale(record, order)
        if sale is not None:
            yield sale
    seen: set[str] = set()  # the same refund reported twice (a webhook and a read-back) is one refund
    for event in sorted(refunds, key=lambda row: row.id):
        fact = refund_fact(record, order, event)
        if fact is not None and fact.key not in seen:
            seen.add(fact.key)
            yield fact


def _in_time_order(shipments: list[ShipmentRecord]) -> list[ShipmentRecord]:
    return sorted(shipments, key=lambda s: (s.shipped_at or s.created_at, s.id))
