"""Mapping functions for Walmart Marketplace orders (Orders API v3).

A Walmart order line states what was ordered (``orderLineQuantity``) and, in ``orderLineStatuses``, how many
units are in each status (Created, Acknowledged, Shipped, Delivered, Cancelled, Refund). Quantities are
strings. The customer is charged when a line ships.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub.mapping.functions.core import decimal_text, to_decimal
from hub.mapping.functions.registry import mapping_function

SHIPPED = frozenset({"Shipped", "Delivered"})


def _lines(order_lines: Any) -> list[dict[str, Any]]:
    if order_lines is None:
        return []
    if not isinstance(order_lines, list):
        raise ValueError(f"expected the list of order lines, found {type(order_lines).__name__}")
    return [line for line in order_lines if isinstance(line, dict)]


def _amount(holder: Any) -> Decimal:
    value = holder.get("amount") if isinstance(holder, dict) else None
    return to_decimal(value) or Decimal(0)


def _statuses(line: dict[str, Any]) -> list[dict[str, Any]]:
    holder = line.get("orderLineStatuses")
    statuses = holder.get("orderLineStatus") if isinstance(holder, dict) else None
    return [status for status in statuses if isinstance(status, dict)] if isinstance(statuses, list) else []


def _in_status(line: dict[str, Any], names: frozenset[str]) -> Decimal:
    return sum(
        (_amount(status.get("statusQuantity")) for status in _statuses(line) if status.get("status") in names),
        Decimal(0),
    )


def open_quantity(line: dict[str, Any]) -> Decimal:
    """Units ordered on the line that are not cancelled."""
    return _amount(line.get("orderLineQuantity")) - _in_status(line, frozenset({"Cancelled"}))


@mapping_function("walmart_all_cancelled")
def all_cancelled(order_lines: Any) -> bool | None:
    """True when every unit of every line is cancelled (the order as a whole is)."""
    lines = _lines(order_lines)
    if not lines:
        return None
    return all(open_quantity(line) <= 0 for line in lines)


@mapping_function("walmart_payment_status")
def payment_status(order_lines: Any) -> str | None:
    """Walmart authorises the buyer's payment at checkout and captures it line by line at shipment:
    nothing shipped -> authorized, some -> partially_paid, all units not cancelled -> paid; an order
    cancelled in full -> voided (the authorisation is released). Money paid back on shipped lines (each
    line's ``refund.refundCharges``, amounts written negative) makes it partially_refunded, or refunded
    when it reaches what the lines that are not cancelled charged."""
    lines = _lines(order_lines)
    if not lines:
        return None
    remaining = sum((max(open_quantity(line), Decimal(0)) for line in lines), Decimal(0))
    shipped = sum((_in_status(line, SHIPPED) for line in lines), Decimal(0))
    if remaining <= 0:
        return "voided"
    refunded = sum((_refunded(line) for line in lines), Decimal(0))
    if refunded > 0:
        charged = sum((_charged(line) for line in lines if open_quantity(line) > 0), Decimal(0))
        return "refunded" if refunded >= charged else "partially_refunded"
    if shipped <= 0:
        return "authorized"
    return "paid" if shipped >= remaining else "partially_paid"


def _charge_total(charge: Any) -> Decimal:
    """A charge's amount with its tax."""
    if not isinstance(charge, dict):
        return Decimal(0)
    tax = charge.get("tax")
    tax_amount = _amount(tax.get("taxAmount")) if isinstance(tax, dict) else Decimal(0)
    return _amount(charge.get("chargeAmount")) + tax_amount


def _charged(line: dict[str, Any]) -> Decimal:
    holder = line.get("charges")
    charges = holder.get("charge") if isinstance(holder, dict) else None
    if not isinstance(charges, list):
        return Decimal(0)
    return sum((_charge_total(charge) for charge in charges), Decimal(0))


def _refunded(line: dict[str, Any]) -> Decimal:
    """What was paid back on the line, as a positive amount (Walmart writes refund charges negative)."""
    refund = line.get("refund")
    holder = refund.get("refundCharges") if isinstance(refund, dict) else None
    entries = holder.get("refundCharge") if isinstance(holder, dict) else None
    if not isinstance(entries, list):
        return Decimal(0)
    return abs(sum((_charge_total(entry.get("charge")) for entry in entries if isinstance(entry, dict)), Decimal(0)))


@mapping_function("walmart_discount")
def discount(product_amounts: Any) -> str | None:
    """The line's discount as a positive amount, from its PRODUCT charge amounts: Walmart lists a discount
    (chargeName SubscriptionDiscount) as a negative PRODUCT charge beside ItemPrice. None without one."""
    if product_amounts is None:
        return None
    values = product_amounts if isinstance(product_amounts, list) else [product_amounts]
    negatives = [number for number in (to_decimal(value) for value in values) if number is not None and number < 0]
    if not negatives:
        return None
    return decimal_text(-sum(negatives, Decimal(0)))


@mapping_function("walmart_last_status_date")
def last_status_date(order_lines: Any) -> int | None:
    """The newest ``statusDate`` (epoch milliseconds) of any line: when Walmart last changed the order."""
    numbers: list[Decimal] = []
    for line in _lines(order_lines):
        stamp = line.get("statusDate")
        if isinstance(stamp, int | float) and not isinstance(stamp, bool):
            numbers.append(to_decimal(stamp) or Decimal(0))  # ValueError past any real date
    return int(max(numbers)) if numbers else None
