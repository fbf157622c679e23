"""A channel account's payouts matched to the hub's orders, as text for a terminal."""

from __future__ import annotations

from hub.accounting.amounts import rounded
from hub.payouts.matching import PayoutMatch
from hub.payouts.store import Stored


def as_text(channel: str, matches: list[PayoutMatch], read: list[Stored]) -> str:
    out = []
    if read:
        new = sum(stored.created for stored in read)
        changed = sum(stored.changed and not stored.created for stored in read)
        out.append(f"read {len(read)} payouts: {new} new, {changed} changed, {len(read) - new - changed} unchanged")
    if not matches:
        out.append(f"{channel}: no payouts stored")
    for match in matches:
        out.extend(_payout(match))
    return "\n".join(out)


def _payout(match: PayoutMatch) -> list[str]:
    record, currency = match.record, match.record.currency
    fees = rounded(record.fees, currency)
    out = [
        f"payout {record.payout_id} {record.payout_date} {currency}: gross {rounded(record.gross, currency)}, "
        f"fees {fees}, net {rounded(record.net, currency)} "
        f"({'agrees to the cent' if match.agrees else 'DIFFERS'})"
    ]
    for order in match.orders:
        if order.order_id is None:
            continue
        state = "ok" if order.agrees else f"DIFFERS: hub total {order.hub_total}, hub refunded {order.hub_refunded}"
        out.append(
            f"  {order.channel_order_id:<24} {order.order_id:<28} paid {order.paid:>10} "
            f"refunded {order.refunded:>10} fees {order.fees:>8}  {state}"
        )
    for line in match.unmatched:
        name = line.channel_order_id or "(no order)"
        out.append(f"  UNMATCHED {name:<24} {line.kind.value:<10} amount {line.amount:>10} fee {line.fee:>8}")
    return out
