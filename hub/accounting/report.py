"""A reconciliation as people read it (a table per channel and currency, then every difference by order), and
as a JSON document for scripts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub.accounting.reconcile import Figures, Reconciliation


def _row(channel: str, currency: str, hub: Figures, exported: Figures) -> str:
    mark = "ok" if hub == exported else "DIFFERS"
    return (
        f"{channel:<24} {currency}  orders {hub.orders:>6} / {exported.orders:<6} sales {hub.sales:>12} / "
        f"{exported.sales:<12} refunds {hub.refunds:>5} / {exported.refunds:<5} refunded {hub.refunded:>10} / "
        f"{exported.refunded:<10} {mark}"
    )


def as_text(result: Reconciliation) -> str:
    lines = [f"reconciliation {result.start} .. {result.end}: hub / exported"]
    for channel, currency in sorted(set(result.hub) | set(result.exported)):
        hub = result.hub.get((channel, currency), Figures())
        exported = result.exported.get((channel, currency), Figures())
        lines.append(_row(channel, currency, hub, exported))
    if len(lines) == 1:
        lines.append("nothing booked or exported in this period")
    for item in result.differences:
        lines.append(
            f"  {item.order_id} ({item.number or '-'}, {item.channel}, {item.currency}): {item.what} "
            f"{item.hub} in the hub, {item.exported} exported, difference {item.hub - item.exported}"
        )
    if result.read_back is None:
        lines.append("ledger read-back: the connector cannot read its ledger back")
    else:
        lines.append(f"ledger read-back: {len(result.read_back)} differences")
        lines.extend(f"  {item.entry_id} ({item.order_number or '-'}): {item.problem}" for item in result.read_back)
    lines.append("agrees to the cent" if result.agrees else f"{len(result.differences)} orders differ")
    return "\n".join(lines)


def _figures(figures: Figures) -> dict[str, Any]:
    return {
        "orders": figures.orders,
        "sales": str(figures.sales),
        "refunds": figures.refunds,
        "refunded": str(figures.refunded),
    }


def as_document(result: Reconciliation) -> dict[str, Any]:
    keys = sorted(set(result.hub) | set(result.exported))
    return {
        "period": {"start": result.start.isoformat(), "end": result.end.isoformat()},
        "agrees": result.agrees,
        "channels": [
            {
                "channel": channel,
                "currency": currency,
                "hub": _figures(result.hub.get((channel, currency), Figures())),
                "exported": _figures(result.exported.get((channel, currency), Figures())),
            }
            for channel, currency in keys
        ],
        "differences": [
            {
                "order_id": item.order_id,
                "number": item.number,
                "channel": item.channel,
                "currency": item.currency,
                "what": item.what,
                "hub": str(item.hub),
                "exported": str(item.exported),
                "difference": str(Decimal(item.hub) - Decimal(item.exported)),
            }
            for item in result.differences
        ],
        "read_back": None
        if result.read_back is None
        else [{"entry_id": i.entry_id, "number": i.order_number, "problem": i.problem} for i in result.read_back],
    }
