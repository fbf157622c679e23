"""Allowances, charges and payment terms: SAC and ITD segments as the 850 and the 810 write them.

SAC: SAC01 ``A`` (allowance) or ``C`` (charge), SAC02 the code, SAC05 the amount in whole cents, SAC07 a percent,
SAC12 how it is settled, SAC15 a description. An order's charges (``Order.charges``) go out as stated: a
discount as an allowance (code ``C310`` when none was stated), shipping ``D240``, tax ``H850`` and any other fee
``ZZZZ`` (mutually defined) as charges. SAC12 is ``02`` (off invoice) for an allowance and ``06`` (paid by the
customer) for a charge counted in the order's amounts, and ``15`` (information only) for one settled apart
(``in_totals`` false), which the inbound 850 mapping lists without counting.

ITD: ``01`` (basic terms), ``3`` (counted from the invoice date), discount percent ITD03, discount days ITD05,
net due date ITD06 and net days ITD07.
"""

from __future__ import annotations

from datetime import date

from hub.canonical import PaymentTerms
from hub.canonical.order import ChargeKind, OrderCharge
from hub.edi.outbound.body import SetBody, Src, cents, day, decimal, ident, text

DEFAULT_CODES = {
    ChargeKind.DISCOUNT: "C310",
    ChargeKind.SHIPPING: "D240",
    ChargeKind.TAX: "H850",
    ChargeKind.FEE: "ZZZZ",
}
OFF_INVOICE, PAID_BY_CUSTOMER, INFORMATION_ONLY = "02", "06", "15"


def add_sac(body: SetBody, allowance: bool, code: str | Src, amount: Src | None, **extra: Src | str | None) -> None:
    """One SAC; ``extra`` may give ``percent`` (SAC07), ``method`` (SAC12) and ``description`` (SAC15)."""
    body.add(
        "SAC",
        "A" if allowance else "C",
        code,
        None,
        None,
        amount,
        None,
        extra.get("percent"),
        None,
        None,
        None,
        None,
        extra.get("method"),
        None,
        None,
        extra.get("description"),
    )


def add_order_charge(body: SetBody, charge: OrderCharge, field: str) -> None:
    allowance = charge.kind is ChargeKind.DISCOUNT
    if not charge.in_totals:
        method = INFORMATION_ONLY
    else:
        method = OFF_INVOICE if allowance else PAID_BY_CUSTOMER
    limit = body.context.max_length("SAC", 15)
    add_sac(
        body,
        allowance,
        ident(charge.code, f"{field}.code") or DEFAULT_CODES[charge.kind],
        cents(body.label, charge.amount.amount, f"{field}.amount"),
        percent=decimal(charge.percent, f"{field}.percent"),
        method=method,
        description=text(charge.description, f"{field}.description", limit=limit),
    )


def add_terms(body: SetBody, terms: PaymentTerms | None, due_date: date | None, field: str) -> None:
    """An ITD for ``terms`` (at ``field``) and a net due date; nothing when both are absent."""
    if terms is None and due_date is None:
        return
    percent = days = net = None
    if terms is not None:
        percent = decimal(terms.discount_percent, f"{field}.discount_percent")
        days = decimal(terms.discount_days, f"{field}.discount_days")
        net = decimal(terms.net_days, f"{field}.net_days")
    body.add("ITD", "01", "3", percent, None, days, day(due_date, "due_date"), net)
