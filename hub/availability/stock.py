"""What an available-to-sell computation reads, in a few set-wise queries whatever the number of SKUs.

:func:`read_stock` returns, for the active locations that feed at least one channel account: each SKU's
available units per location (one query over ``inventory_levels``, or one per chunk of SKUs when the caller
names them), and the open incoming units per location and expected day up to the furthest pre-order window
(one more query). :func:`channel_targets` lists the active channel accounts a rule applies to.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from hub.availability.rules import AvailabilityRules, ChannelRule
from hub.db.models import ChannelAccount
from hub.inventory.locations import LocationSpec, list_locations
from hub.inventory.tables import AVAILABLE, INCOMING, LEVELS

# SKUs per IN list: well under SQLite's bound-parameter limit, few round trips for thousands of SKUs.
SKU_CHUNK = 900


@dataclass(frozen=True)
class Target:
    """One channel account and the rule that decides what it is shown."""

    channel: str
    account: str
    rule: ChannelRule


@dataclass
class StockView:
    locations: dict[str, LocationSpec]
    available: dict[str, dict[str, int]] = field(default_factory=dict)  # sku -> location id -> available
    incoming: dict[str, dict[str, list[tuple[date, int]]]] = field(default_factory=dict)  # sku -> loc -> lots

    def skus(self) -> set[str]:
        return set(self.available) | set(self.incoming)

    def incoming_by(self, sku: str, location_id: str, day: date) -> int:
        """Units expected at the location on or before ``day`` (undated lots are not counted)."""
        lots = self.incoming.get(sku, {}).get(location_id, ())
        return sum(quantity for expected_on, quantity in lots if expected_on <= day)


def channel_targets(session: Session, rules: AvailabilityRules, channel: str | None = None) -> list[Target]:
    """Active channel accounts (of ``channel`` when given) with the rule for each; accounts no rule covers are
    left out."""
    statement = select(ChannelAccount.channel, ChannelAccount.account).where(ChannelAccount.active.is_(True))
    if channel is not None:
        statement = statement.where(ChannelAccount.channel == channel)
    targets = []
    for name, account in session.execute(statement.order_by(ChannelAccount.channel, ChannelAccount.account)):
        rule = rules.rule_for(name, account)
        if rule is not None:
            targets.append(Target(name, account, rule))
    return targets


def read_stock(
    session: Session, targets: Sequence[Target], skus: Iterable[str] | None, incoming_until: date | None
) -> StockView:
    """Available units and incoming lots of ``skus`` (all SKUs when None) at the locations ``targets`` feed."""
    locations = {
        spec.id: spec
        for spec in list_locations(session, active=True)
        if any(target.rule.feeds(spec) for target in targets)
    }
    view = StockView(locations)
    if not locations:
        return view
    ids = list(locations)
    levels = select(LEVELS.c.sku, LEVELS.c.location_id, AVAILABLE).where(LEVELS.c.location_id.in_(ids))
    for statement in _by_sku_chunks(levels, LEVELS.c.sku, skus):
        for sku, location_id, available in session.execute(statement):
            view.available.setdefault(sku, {})[location_id] = int(available)
    if incoming_until is None:
        return view
    lots = (
        select(INCOMING.c.sku, INCOMING.c.location_id, INCOMING.c.expected_on, func.sum(INCOMING.c.quantity))
        .where(INCOMING.c.location_id.in_(ids), INCOMING.c.status == "open", INCOMING.c.quantity > 0)
        .where(INCOMING.c.expected_on.is_not(None), INCOMING.c.expected_on <= incoming_until)
        .group_by(INCOMING.c.sku, INCOMING.c.location_id, INCOMING.c.expected_on)
    )
    for statement in _by_sku_chunks(lots, INCOMING.c.sku, skus):
        for sku, location_id, expected_on, quantity in session.execute(statement):
            view.incoming.setdefault(sku, {}).setdefault(location_id, []).append((expected_on, int(quantity)))
    return view


def _by_sku_chunks(
    statement: Select[Any], column: ColumnElement[str], skus: Iterable[str] | None
) -> Iterator[Select[Any]]:
    """The statement as is, or once per chunk of the SKUs named."""
    if skus is None:
        yield statement
        return
    wanted = sorted(set(skus))
    for start in range(0, len(wanted), SKU_CHUNK):
        yield statement.where(column.in_(wanted[start : start + SKU_CHUNK]))
