"""Available-to-sell rules as values: which locations feed a channel, its share, buffer, floor, drop-ship and
pre-order settings, and SKU overrides.

A rule file (``hub.availability.rulefile``) becomes an :class:`AvailabilityRules`. For one channel account
:meth:`AvailabilityRules.rule_for` picks the most specific rule (channel and account, then channel, then
``"*"``), and :meth:`ChannelRule.terms_for` gives the :class:`SkuTerms` that apply to one SKU: the rule's
settings with the SKU's override laid over them. The computation only ever reads ``SkuTerms``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Any

from hub.inventory.locations import LocationKind, LocationSpec

ANY_CHANNEL = "*"
HUNDRED = Decimal(100)


class ShareMode(StrEnum):
    OVERLAP = "overlap"  # each channel sees its share of its whole pool; channels may together show more
    EXCLUSIVE = "exclusive"  # per location, the shares of the channels it feeds add up to 100% at most


@dataclass(frozen=True)
class LocationSelector:
    """Which active locations feed a channel; every criterion given must match, ``exclude`` always wins."""

    ids: frozenset[str] | None = None
    kinds: frozenset[str] | None = None
    countries: frozenset[str] | None = None
    regions: tuple[str, ...] | None = None
    exclude: frozenset[str] = frozenset()

    def selects(self, location: LocationSpec) -> bool:
        if not location.active or location.id in self.exclude:
            return False
        if self.ids is not None and location.id not in self.ids:
            return False
        if self.kinds is not None and str(location.kind) not in self.kinds:
            return False
        if self.countries is not None and location.country not in self.countries:
            return False
        if self.regions is not None:
            region = location.postal_region or ""
            return any(region.startswith(prefix) for prefix in self.regions)
        return True


@dataclass(frozen=True)
class SkuTerms:
    """Everything that decides one SKU's quantity on one channel account."""

    percent: Decimal = HUNDRED  # of the own (non-supplier) stock
    cap: int | None = None
    buffer: int = 0
    floor: int = 0
    dropship: bool = False
    dropship_percent: Decimal = HUNDRED
    preorder_days: int | None = None  # pre-order from units expected within this many days
    preorder_percent: Decimal = HUNDRED
    preorder_fixed: int | None = None  # a fixed pre-order quantity (an override)
    listed: bool = True

    def location_percent(self, kind: str) -> Decimal:
        """The share of a feeding location's stock this SKU's quantity may draw on."""
        if kind == LocationKind.SUPPLIER:
            return self.dropship_percent if self.dropship else Decimal(0)
        return self.percent


@dataclass(frozen=True)
class ChannelRule:
    channel: str
    account: str | None
    locations: LocationSelector
    terms: SkuTerms
    overrides: dict[str, SkuTerms] = field(default_factory=dict)  # exact SKUs
    patterns: tuple[tuple[str, SkuTerms], ...] = ()  # SKU patterns, in the order written
    source: str = ""
    position: int = 0  # index in its file's ``channels``, for messages

    @property
    def label(self) -> str:
        target = self.channel if self.account is None else f"{self.channel}/{self.account}"
        return f"{self.source}: channels[{self.position}] ({target})"

    def terms_for(self, sku: str) -> SkuTerms:
        exact = self.overrides.get(sku)
        if exact is not None:
            return exact
        return next((terms for pattern, terms in self.patterns if fnmatchcase(sku, pattern)), self.terms)

    def feeds(self, location: LocationSpec) -> bool:
        """Whether the location's stock can count here for some SKU (suppliers only when drop-ship may)."""
        if not self.locations.selects(location):
            return False
        if location.kind is not LocationKind.SUPPLIER:
            return True
        return any(terms.dropship for terms in (self.terms, *self.overrides.values(), *(t for _, t in self.patterns)))

    def all_terms(self) -> list[tuple[str | None, SkuTerms]]:
        """The rule's own terms (SKU None) and every override's, for checks that must hold for each."""
        return [(None, self.terms), *self.overrides.items(), *self.patterns]


@dataclass(frozen=True)
class AvailabilityRules:
    rules: tuple[ChannelRule, ...]
    mode: ShareMode = ShareMode.OVERLAP
    sources: tuple[str, ...] = ()

    def rule_for(self, channel: str, account: str) -> ChannelRule | None:
        """The most specific rule for the account: its own, its channel's, then the ``"*"`` rule."""
        for wanted_channel, wanted_account in ((channel, account), (channel, None), (ANY_CHANNEL, None)):
            for rule in self.rules:
                if rule.channel == wanted_channel and rule.account == wanted_account:
                    return rule
        return None


def apply_settings(base: SkuTerms, data: dict[str, Any]) -> SkuTerms:
    """``base`` with the settings of a rule or override document (already schema-checked) laid over it."""
    changes: dict[str, Any] = {}
    share = data.get("share")
    if share is not None:
        changes["percent"] = Decimal(str(share.get("percent", 100)))
        changes["cap"] = share.get("cap")
    for name in ("buffer", "floor", "listed"):
        if name in data:
            changes[name] = data[name]
    dropship = data.get("dropship")
    if dropship is not None:
        changes["dropship"] = dropship["count"]
        changes["dropship_percent"] = Decimal(str(dropship.get("percent", 100)))
    preorder = data.get("preorder")
    if isinstance(preorder, dict):
        changes["preorder_days"] = preorder["incoming_within_days"]
        changes["preorder_percent"] = Decimal(str(preorder.get("percent", 100)))
    elif isinstance(preorder, int):
        changes["preorder_fixed"] = preorder
    return replace(base, **changes)
