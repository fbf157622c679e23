"""What a channel connector reads off a hub update the same way whatever the channel: the channel's own id of
an update line, every tracking number of a shipment, the carrier's name and the channel's code for it, whether
a cancellation names the whole order, a line's share of an amount, the channel's code for a reason.

Only the channel's shapes differ between connectors; these readings do not, so they live here once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from hub.canonical import Order, Shipment
from hub.sdk.channel_updates import UpdateLine
from hub.sdk.errors import PermanentError

CENT = Decimal("0.01")
T = TypeVar("T")


def channel_line_id(order: Order, line: UpdateLine) -> str | None:
    """The channel's id of an update line: the line's own ``channel_line_id``, else the one the order kept for
    that line at intake; None when neither has one."""
    if line.channel_line_id:
        return line.channel_line_id
    return next((kept.channel_line_id for kept in order.lines if kept.line_id == line.line_id), None)


def required_line_id(order: Order, line: UpdateLine, what: str) -> str:
    """``channel_line_id``, or a ``PermanentError`` naming the order line and ``what`` the channel calls that id
    (``"eBay lineItemId"``): a resend cannot supply an id the order never had."""
    value = channel_line_id(order, line)
    if not value:
        raise PermanentError(f"order line {line.line_id} has no {what} (channel_line_id)")
    return value


def tracking_numbers(shipment: Shipment) -> list[str]:
    """Every tracking number of the shipment, each once: the shipment's own first, then each package's, in
    order. The first is the one to give a channel that takes only one."""
    numbers = [*shipment.tracking_numbers, *(p.tracking_number for p in shipment.packages if p.tracking_number)]
    return list(dict.fromkeys(numbers))


def carrier_name(shipment: Shipment) -> str:
    """The carrier as the 3PL or the 856 named it (its name, else its SCAC), or ``""`` when none was given."""
    carrier = shipment.carrier
    return (carrier.name or carrier.scac or "") if carrier else ""


def carrier_code(shipment: Shipment, codes: Mapping[str, T]) -> T | None:
    """The channel's code for the shipment's carrier from ``codes`` (keyed by lower-case carrier name), or None
    for a carrier the channel does not list."""
    return codes.get(carrier_name(shipment).strip().lower())


def names_whole_order(order: Order, lines: Iterable[UpdateLine]) -> bool:
    """Whether a cancellation's lines come to the whole order: no lines at all, or every unit of every line."""
    asked: dict[str, int] = {}
    for line in lines:
        asked[line.line_id] = asked.get(line.line_id, 0) + line.quantity
    return not asked or all(asked.get(kept.line_id, 0) >= kept.quantity for kept in order.lines)


def unit_share(amount: Decimal, units: int, of: int) -> Decimal:
    """``units`` of ``of`` units' ``amount``, in cents rounded half up (a refund of some units of a line)."""
    return (amount * units / of).quantize(CENT, rounding=ROUND_HALF_UP)


def reason_code(reason: str, table: Iterable[tuple[str, str]], default: str) -> str:
    """The channel's code for an operator's reason: the first ``(words, code)`` whose words the reason holds
    (case ignored), else ``default``."""
    text = reason.lower()
    return next((code for words, code in table if words in text), default)
