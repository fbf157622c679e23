"""Available to sell per channel account and SKU, computed from inventory levels and the rules.

For one channel account and one SKU, with the terms the rule (and the SKU's override) sets::

    own      = sum of max(available, 0) over the feeding warehouses, stores and 3PL sites
    supplier = sum of max(available, 0) over the feeding drop-ship suppliers (only when drop-ship counts)
    pooled   = floor(own x percent / 100) + floor(supplier x dropship percent / 100)
    quantity = min(pooled - buffer, cap), 0 below the floor, never below 0; 0 when the SKU is not listed
    pre-order (only while quantity is 0): the SKU's fixed pre-order quantity, else
              floor(units expected at the feeding locations within N days x pre-order percent / 100)

Rounding is always down, and no step adds units, so a quantity is never more than the feeding locations
have available. A location with a negative available (over-committed) counts as 0 and takes nothing from
the others. Every result carries the explanation of its figures.

Overlap between channels is the rules' choice (``shares``). With ``overlap`` (the default) each channel
account sees its share of its whole pool: the same unit may be listed on several channels, the first order
to allocate it wins, and allocation never commits more than is on hand. With ``exclusive``, every location
is checked, for every SKU, to give the channel accounts it feeds shares adding up to 100% or less (stock
and pre-order separately); since each quantity is at most the sum over its locations of that location's
available times the account's share, the quantities of all accounts then add up to no more than the
stock. A set of rules that breaks this raises :class:`SharesExceedStock` naming the location and accounts.
A fixed pre-order quantity (an override) is the merchant's own promise and is not part of that check.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from hub.availability.errors import SharesExceedStock
from hub.availability.rules import HUNDRED, AvailabilityRules, ShareMode, SkuTerms
from hub.availability.stock import StockView, Target, channel_targets, read_stock
from hub.db.models.base import utcnow
from hub.inventory.locations import LocationKind, LocationSpec

Key = tuple[str, str, str]  # (channel, account, sku)
MAX_NAMED_EMPTY = 5  # locations without stock named in an explanation; beyond that they are counted


@dataclass(frozen=True)
class Availability:
    quantity: int
    preorder_quantity: int
    explanation: str


def compute(
    session: Session,
    rules: AvailabilityRules,
    skus: Iterable[str] | None = None,
    *,
    channel: str | None = None,
    today: date | None = None,
) -> dict[Key, Availability]:
    """What every active channel account a rule covers (of ``channel`` when given) may show for each SKU:
    ``skus``, or every SKU stocked or expected at a feeding location and every SKU an override names."""
    day = today or utcnow().date()
    targets = channel_targets(session, rules, channel)
    wanted = None if skus is None else sorted(set(skus))
    windows = [t.preorder_days for target in targets for _, t in target.rule.all_terms() if t.preorder_days is not None]
    until = day + timedelta(days=max(windows)) if windows else None
    view = read_stock(session, targets, wanted, until)
    named = {sku for target in targets for sku in target.rule.overrides}
    universe = set(wanted) if wanted is not None else view.skus() | named
    checked: set[tuple[int, ...]] = set()
    results: dict[Key, Availability] = {}
    feeding = [[spec for spec in view.locations.values() if target.rule.feeds(spec)] for target in targets]
    for sku in sorted(universe):
        terms = [target.rule.terms_for(sku) for target in targets]
        if rules.mode is ShareMode.EXCLUSIVE:
            _check_exclusive(sku, targets, terms, view, checked)
        for target, locations, sku_terms in zip(targets, feeding, terms, strict=True):
            key = (target.channel, target.account, sku)
            results[key] = _availability(sku, sku_terms, locations, view, day)
    return results


def _availability(
    sku: str, terms: SkuTerms, locations: Sequence[LocationSpec], view: StockView, day: date
) -> Availability:
    if not terms.listed:
        return Availability(0, 0, "not listed on this channel (override)")
    stock = view.available.get(sku, {})
    steps: list[str] = []
    pooled = 0
    for kind_is_supplier, label in ((False, "own"), (True, "drop-ship")):
        group = [spec for spec in locations if (spec.kind is LocationKind.SUPPLIER) is kind_is_supplier]
        percent = terms.location_percent(LocationKind.SUPPLIER if kind_is_supplier else LocationKind.WAREHOUSE)
        if not group or (kind_is_supplier and not terms.dropship):
            continue
        units = sum(max(stock.get(spec.id, 0), 0) for spec in group)
        share = _share(units, percent)
        pooled += share
        steps.append(
            f"{label}: {_sources(group, stock)} = {units}"
            + ("" if percent == HUNDRED else f", {_pct(percent)} = {share}")
        )
    if not steps:
        steps.append("no active location feeds this channel")
    quantity = _held_back(pooled, terms, steps)
    preorder = _preorder(sku, terms, locations, view, day, steps) if quantity == 0 else 0
    return Availability(quantity, preorder, "; ".join(steps))


def _sources(group: Sequence[LocationSpec], stock: dict[str, int]) -> str:
    """``dal1 7 + hou1 3``: the locations that have units; those with none are named after (or counted, when
    there are many, so an explanation stays readable with dozens of stores)."""
    having = [f"{spec.id} {stock[spec.id]}" for spec in group if stock.get(spec.id, 0) > 0]
    empty = [spec.id for spec in group if stock.get(spec.id, 0) <= 0]
    text = " + ".join(having) or "0"
    if empty:
        names = ", ".join(empty) if len(empty) <= MAX_NAMED_EMPTY else f"{len(empty)} locations"
        text += f" (none at {names})"
    return text


def _held_back(pooled: int, terms: SkuTerms, steps: list[str]) -> int:
    """The pooled units less the buffer, within the cap, and 0 under the floor."""
    quantity = pooled
    if terms.buffer:
        quantity = max(quantity - terms.buffer, 0)
        steps.append(f"buffer {terms.buffer} held back -> {quantity}")
    if terms.cap is not None and quantity > terms.cap:
        quantity = terms.cap
        steps.append(f"capped at {terms.cap}")
    if terms.floor and 0 < quantity < terms.floor:
        steps.append(f"{quantity} is below the floor of {terms.floor} -> 0")
        quantity = 0
    steps.append(f"shown {quantity}")
    return quantity


def _preorder(
    sku: str, terms: SkuTerms, locations: Sequence[LocationSpec], view: StockView, day: date, steps: list[str]
) -> int:
    if terms.preorder_fixed is not None:
        steps.append(f"pre-order {terms.preorder_fixed} (fixed for this SKU)")
        return terms.preorder_fixed
    if terms.preorder_days is None:
        return 0
    until = day + timedelta(days=terms.preorder_days)
    counted = [spec for spec in locations if spec.kind is not LocationKind.SUPPLIER or terms.dropship]
    units = sum(view.incoming_by(sku, spec.id, until) for spec in counted)
    preorder = _share(units, terms.preorder_percent)
    share = "" if terms.preorder_percent == HUNDRED else f", {_pct(terms.preorder_percent)}"
    steps.append(f"pre-order {preorder}: {units} expected by {until.isoformat()}{share}")
    return preorder


def _share(units: int, percent: Decimal) -> int:
    """``percent`` of ``units``, rounded down."""
    return int(units * percent // HUNDRED)


def _pct(percent: Decimal) -> str:
    return f"{percent.normalize():f}%"


def _check_exclusive(
    sku: str, targets: Sequence[Target], terms: Sequence[SkuTerms], view: StockView, checked: set[tuple[int, ...]]
) -> None:
    """Refuse terms under which some location's shares, over the accounts it feeds, add up past 100%."""
    signature = tuple(id(item) for item in terms)
    if signature in checked:  # the same terms objects for every account: already proven for another SKU
        return
    for spec in view.locations.values():
        fed = [(t, s) for t, s in zip(targets, terms, strict=True) if s.listed and t.rule.feeds(spec)]
        stock = [(t, s.location_percent(spec.kind)) for t, s in fed]
        preorder = [(t, s.preorder_percent) for t, s in fed if s.preorder_days is not None]
        for what, percents in (("stock", stock), ("pre-order", preorder)):
            total = sum((percent for _, percent in percents), Decimal(0))
            if total > HUNDRED:
                shares = ", ".join(f"{t.channel}/{t.account} {_pct(percent)}" for t, percent in percents if percent)
                raise SharesExceedStock(
                    f"shares are exclusive, but location {spec.id!r} gives {what} of {sku} to {shares}: "
                    f"{_pct(total)} in all; lower the percentages to 100% in total, narrow the locations, "
                    "or set shares: overlap"
                )
    checked.add(signature)
