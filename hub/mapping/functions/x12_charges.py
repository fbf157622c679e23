"""Mapping functions for the allowances and charges of an X12 850 (SAC segments) and the amounts they change.

A purchase order states its allowances and charges in SAC segments, for the whole order (heading) or for one
line (inside a PO1 loop), each as an amount (SAC05, implied 2 decimals), a percent (SAC07 of the basis SAC06),
or a rate per unit (SAC08). The canonical order counts them in its amounts: an allowance lowers its line's
``total`` and raises its ``discount`` (an order-level allowance is allocated to the lines in proportion to what
each line comes to, cents rounded half up, the last line taking what rounding leaves), a charge goes to
``totals.shipping``, ``tax`` (and the line's ``tax``) or ``fees`` by its SAC02 code, and ``charges`` lists each
one as stated. One computation (``price_order``) serves the four functions the 850 mapping calls, so the
lines, the charges and the totals always agree.

The code lists (which SAC02 codes are shipping or tax, which SAC12 methods settle apart from the order) are
options written in the mapping file, so a partner's variant is a data change. A line whose quantity or price
cannot be read counts as zero here: the mapping's own line fields report that input, naming the line field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hub.mapping.functions.core import decimal_text, to_decimal
from hub.mapping.functions.registry import mapping_function
from hub.mapping.functions.x12 import _segments, _text, x12_implied_decimal

CENT = Decimal("0.01")
ZERO = Decimal(0)

# SAC06 bases computed on what remains after the allowances before them; every other basis is the gross amount.
NET_BASES = frozenset({"2", "4", "7"})  # item net cost, discount/net, base price amount less previous discount
DOLLAR_BASIS = "DO"  # SAC09 qualifier: SAC10 is the dollar amount the percent applies to


@dataclass(frozen=True)
class Rules:
    """The code lists a mapping file gives as options."""

    shipping: frozenset[str]
    tax: frozenset[str]
    settled_apart: frozenset[str]

    @classmethod
    def of(cls, shipping: Iterable[str], tax: Iterable[str], settled_apart: Iterable[str]) -> Rules:
        """The rules of these lists; the last ones made are kept, since the mapping passes the very same
        option lists to each of its four calls, order after order."""
        global _last_rules
        last = _last_rules
        if last is not None and last[0] is shipping and last[1] is tax and last[2] is settled_apart:
            return last[3]
        rules = cls(frozenset(shipping), frozenset(tax), frozenset(settled_apart))
        _last_rules = (shipping, tax, settled_apart, rules)
        return rules


_last_rules: tuple[Iterable[str], Iterable[str], Iterable[str], Rules] | None = None


@dataclass(slots=True)
class LinePrice:
    line_id: str
    gross: Decimal  # quantity x unit price
    quantity: Decimal
    discount: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)

    @property
    def net(self) -> Decimal:
        return self.gross - self.discount


@dataclass
class OrderPricing:
    lines: list[LinePrice]
    charges: list[dict[str, Any]] = field(default_factory=list)  # OrderCharge data, amounts as Decimal
    shipping: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    fees: Decimal | None = None
    discount: Decimal = Decimal(0)

    settled: Decimal | None = None  # the subtotal once every SAC is applied (set by ``price_order``)

    @property
    def subtotal(self) -> Decimal:
        if self.settled is not None:
            return self.settled  # the charges, the totals and the stated-total check read it: summed once
        total = Decimal(0)
        for line in self.lines:
            total += line.gross - line.discount
        return total

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping + self.tax + (self.fees or Decimal(0))


def _number(value: Any) -> Decimal:
    try:
        return to_decimal(value) or ZERO
    except ValueError:
        return ZERO  # the line fields of the mapping report it


def _line(entry: dict[str, Any]) -> LinePrice:
    po1 = entry.get("PO1") or {}
    quantity, price = _number(po1.get("02")), _number(po1.get("04"))
    line_id = po1.get("01")
    if line_id.__class__ is not str or not (line_id := line_id.strip()):  # the tree's text, as nearly always
        line_id = _text(line_id) or str(entry.get("index", ""))
    return LinePrice(line_id, quantity * price, quantity)


def _loops(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"expected the list of PO1 loops, found {type(value).__name__}")
    return [entry for entry in value if isinstance(entry, dict)]


# The 850 mapping prices the same loops for its charges, lines, totals and stated-total check: the last
# result is kept, recognised by the very input objects (held here, so their identity cannot be reused).
_last_priced: tuple[Any, Any, Rules, OrderPricing] | None = None


def price_order(po1_loops: Any, header_sacs: Any, rules: Rules) -> OrderPricing:
    """Every SAC of the order applied: per-line discount and tax, the charges as stated, the totals.
    The result is shared between calls with the same input: read it, never change it."""
    global _last_priced
    last = _last_priced
    if last is not None and last[0] is po1_loops and last[1] is header_sacs and last[2] == rules:
        return last[3]
    pricing = _price(po1_loops, header_sacs, rules)
    pricing.settled = pricing.subtotal
    _last_priced = (po1_loops, header_sacs, rules, pricing)
    return pricing


def _price(po1_loops: Any, header_sacs: Any, rules: Rules) -> OrderPricing:
    pricing = OrderPricing(lines=[])
    for entry in _loops(po1_loops):
        line = _line(entry)
        pricing.lines.append(line)
        sacs = entry.get("SAC")
        if sacs is None:
            continue  # most lines state no allowance or charge
        for number, sac in enumerate(_segments(sacs), start=1):
            where = f"SAC {number} of line {line.line_id}"
            allowance = _apply(pricing, sac, rules, where, gross=line.gross, net=line.net, line=line)
            if allowance is not None:
                line.discount += allowance
    if header_sacs is None or (header_sacs.__class__ is list and not header_sacs):
        return pricing  # no order-level SAC: nothing to allocate
    order_gross = sum((line.gross for line in pricing.lines), Decimal(0))
    order_net, allocated = pricing.subtotal, Decimal(0)
    for number, sac in enumerate(_segments(header_sacs), start=1):
        where = f"order-level SAC {number}"
        allowance = _apply(pricing, sac, rules, where, gross=order_gross, net=order_net - allocated, line=None)
        if allowance is not None:
            allocated += allowance
    _allocate(pricing.lines, allocated)
    return pricing


def _apply(
    pricing: OrderPricing,
    sac: dict[str, Any],
    rules: Rules,
    where: str,
    *,
    gross: Decimal,
    net: Decimal,
    line: LinePrice | None,
) -> Decimal | None:
    """Record one SAC; returns its amount when it is an allowance counted in the totals (for the caller to
    deduct from its line or allocate), None otherwise."""
    indicator = _text(sac.get("01"))
    if indicator == "N":
        return None  # "no allowance or charge"
    if indicator not in ("A", "C"):
        raise ValueError(f"{where}: SAC01 {indicator!r} is not A (allowance), C (charge) or N (none)")
    amount = _amount(sac, where, gross=gross, net=net, quantity=None if line is None else line.quantity)
    code = _text(sac.get("02"))
    kind = "discount" if indicator == "A" else _charge_kind(code, rules)
    in_totals = _text(sac.get("12")) not in rules.settled_apart
    charge: dict[str, Any] = {"kind": kind, "code": code, "description": _text(sac.get("15"))}
    charge |= {"line_id": None if line is None else line.line_id, "amount": amount, "in_totals": in_totals}
    charge["percent"] = _percent(sac, where)
    pricing.charges.append({key: value for key, value in charge.items() if value is not None})
    if not in_totals:
        return None
    if kind == "discount":
        pricing.discount += amount
        return amount
    if kind == "shipping":
        pricing.shipping += amount
    elif kind == "tax":
        pricing.tax += amount
        if line is not None:
            line.tax += amount
    else:
        pricing.fees = (pricing.fees or Decimal(0)) + amount
    return None


def _charge_kind(code: str | None, rules: Rules) -> str:
    if code in rules.shipping:
        return "shipping"
    return "tax" if code in rules.tax else "fee"


def _amount(sac: dict[str, Any], where: str, *, gross: Decimal, net: Decimal, quantity: Decimal | None) -> Decimal:
    """SAC05 when given (it takes precedence), else the percent SAC07 of its basis, else the rate SAC08 per unit;
    as a positive amount, since SAC01 says which way it goes."""
    stated = _text(sac.get("05"))
    if stated is not None:
        try:
            text = x12_implied_decimal(stated)
        except ValueError:
            raise ValueError(
                f"{where}: SAC05 {stated!r} is not a whole number of cents (SAC05 has 2 implied decimals: "
                "12.50 is written 1250)"
            ) from None
        return abs(Decimal(text or "0"))
    percent = _percent(sac, where)
    if percent is not None:
        base = _dollar_basis(sac, where)
        if base is None:
            base = net if _text(sac.get("06")) in NET_BASES else gross
        return abs(base * Decimal(percent) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    rate = _decimal(sac.get("08"), where, "SAC08 (rate)")
    if rate is not None:
        units = _decimal(sac.get("10"), where, "SAC10 (quantity)") if _text(sac.get("09")) != DOLLAR_BASIS else None
        if units is None:
            units = quantity
        if units is None:
            raise ValueError(f"{where}: SAC08 gives a rate per unit but no quantity (SAC09/SAC10) to apply it to")
        return abs(rate * units).quantize(CENT, rounding=ROUND_HALF_UP)
    raise ValueError(f"{where}: has no amount (SAC05), percent (SAC07) or rate (SAC08); the partner must state one")


def _percent(sac: dict[str, Any], where: str) -> str | None:
    percent = _decimal(sac.get("07"), where, "SAC07 (percent)")
    return None if percent is None else decimal_text(percent)


def _dollar_basis(sac: dict[str, Any], where: str) -> Decimal | None:
    if _text(sac.get("09")) != DOLLAR_BASIS:
        return None
    return _decimal(sac.get("10"), where, "SAC10 (dollar basis)")


def _decimal(value: Any, where: str, name: str) -> Decimal | None:
    try:
        return to_decimal(_text(value))
    except ValueError:
        raise ValueError(f"{where}: {name} {value!r} is not a number") from None


def _allocate(lines: list[LinePrice], allowance: Decimal) -> None:
    """Spread an order-level allowance over the lines in proportion to their net amounts, in cents."""
    if allowance == 0:
        return
    base = sum((line.net for line in lines), Decimal(0))
    if base <= 0 or allowance > base:
        raise ValueError(
            f"the order-level allowances ({decimal_text(allowance)}) exceed what the lines come to "
            f"({decimal_text(base)}), so they cannot be taken off the lines; check the SAC amounts with the partner"
        )
    remaining = allowance
    shared = [line for line in lines if line.net > 0]
    for line in shared[:-1]:
        share = (allowance * line.net / base).quantize(CENT, rounding=ROUND_HALF_UP)
        line.discount += share
        remaining -= share
    shared[-1].discount += remaining


def _money(amount: Decimal, currency: Any) -> dict[str, Any]:
    return {"amount": decimal_text(amount), "currency": currency}


@mapping_function("x12_charges")
def x12_charges(
    po1_loops: Any, header_sacs: Any, currency: Any, *, shipping: list[str], tax: list[str], settled_apart: list[str]
) -> list[dict[str, Any]] | None:
    """``Order.charges``: every A or C SAC of the order, order-level ones after the lines' ones."""
    pricing = price_order(po1_loops, header_sacs, Rules.of(shipping, tax, settled_apart))
    charges = [charge | {"amount": _money(charge["amount"], currency)} for charge in pricing.charges]
    return charges or None


@mapping_function("x12_priced_lines")
def x12_priced_lines(
    lines: Any,
    po1_loops: Any,
    header_sacs: Any,
    currency: Any,
    *,
    shipping: list[str],
    tax: list[str],
    settled_apart: list[str],
) -> list[dict[str, Any]] | None:
    """The order lines the mapping built from the PO1 loops (one per loop, in order), with ``total`` (quantity x
    unit price less the line's allowances), ``discount`` and ``tax`` (when there are any) set from the SACs."""
    if lines is None:
        return None
    if not isinstance(lines, list):
        raise ValueError(f"expected the list of order lines, found {type(lines).__name__}")
    pricing = price_order(po1_loops, header_sacs, Rules.of(shipping, tax, settled_apart))
    if len(lines) != len(pricing.lines):
        raise ValueError(f"{len(lines)} order lines for {len(pricing.lines)} PO1 loops; build one line per loop")
    out = []
    for line, price in zip(lines, pricing.lines, strict=True):
        priced = dict(line)
        discount = price.discount
        # written out rather than through _money: this runs for every line of every order
        priced["total"] = {"amount": format(price.gross - discount, "f"), "currency": currency}
        if discount:
            priced["discount"] = _money(discount, currency)
        if price.tax:
            priced["tax"] = _money(price.tax, currency)
        out.append(priced)
    return out


@mapping_function("x12_order_totals")
def x12_order_totals(
    po1_loops: Any, header_sacs: Any, currency: Any, *, shipping: list[str], tax: list[str], settled_apart: list[str]
) -> dict[str, Any]:
    """``Order.totals``: subtotal (the lines' totals), discount, shipping, tax, fees (only when some charge is a
    fee) and total = subtotal + shipping + tax + fees."""
    pricing = price_order(po1_loops, header_sacs, Rules.of(shipping, tax, settled_apart))
    totals = {
        "subtotal": _money(pricing.subtotal, currency),
        "discount": _money(pricing.discount, currency),
        "shipping": _money(pricing.shipping, currency),
        "tax": _money(pricing.tax, currency),
        "total": _money(pricing.total, currency),
    }
    if pricing.fees is not None:
        totals["fees"] = _money(pricing.fees, currency)
    return totals


@mapping_function("x12_total_difference")
def x12_total_difference(
    stated: Any, po1_loops: Any, header_sacs: Any, *, shipping: list[str], tax: list[str], settled_apart: list[str]
) -> str | None:
    """The buyer's stated total (AMT02 of AMT*TT) less the computed ``totals.total``; None when they agree or
    no total is stated. Some guides state the merchandise amount only, so a difference equal to the charges
    says that, not an error."""
    amount = to_decimal(_text(stated))
    if amount is None:
        return None
    difference = amount - price_order(po1_loops, header_sacs, Rules.of(shipping, tax, settled_apart)).total
    return None if difference == 0 else decimal_text(difference)


@mapping_function("x12_check_line_count")
def x12_check_line_count(stated: Any, po1_loops: Any) -> None:
    """Refuse an order whose CTT01 (number of line items) differs from its number of PO1 loops: lines were lost
    on the way or the partner's count is wrong, and either way the order must not be fulfilled as it reads.
    Always None otherwise, so it can stand first in a ``first`` list."""
    text = _text(stated)
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise ValueError(f"CTT01 {stated!r} is not a count of line items")
    count = len(_loops(po1_loops))
    if int(text) != count:
        raise ValueError(
            f"CTT01 says the order has {int(text)} line items but it holds {count} PO1 lines; the purchase order "
            "is incomplete or miscounted, ask the partner to send it again"
        )
    return None
