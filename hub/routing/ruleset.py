"""Routing rules as loaded from a rule file: which orders a rule is for, its pipeline, and its policy.

Rules are tried in the order written and the first whose ``when`` matches the order decides; a rule
without ``when`` takes every order, so a file usually ends with one. Reading and checking files is
``rulefile.py``; this module only holds the checked rules and chooses among them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from fnmatch import translate
from functools import cached_property, lru_cache
from typing import Any

from hub.canonical import Order
from hub.routing.steps import Step


def matches_any(value: str | None, patterns: Iterable[str]) -> bool:
    """``value`` equals one of ``patterns``, ignoring case; patterns may use * and ? wildcards."""
    if value is None:
        return False
    return _matcher(tuple(patterns))(value.casefold()) is not None


@lru_cache(maxsize=256)
def _matcher(patterns: tuple[str, ...]) -> Callable[[str], re.Match[str] | None]:
    """One expression for a rule's patterns, as ``fnmatchcase`` reads each (every order checks the same few
    lists, and folding and translating them again for each was a visible part of choosing a rule)."""
    if not patterns:
        return re.compile(r"(?!)").match
    return re.compile("|".join(f"(?:{translate(pattern.casefold())})" for pattern in patterns)).match


def shipping_methods(order: Order) -> list[str]:
    """What the order says about how it ships: its shipping method, then each shipping line's code and title."""
    found = [order.shipping_method] + [text for line in order.shipping_lines for text in (line.code, line.title)]
    return [text for text in found if text]


@dataclass(frozen=True)
class Match:
    """A rule's ``when``: every condition given must hold; an empty match takes every order."""

    channels: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    shipping_methods: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def check(self, order: Order) -> tuple[bool, str]:
        """Whether the order matches, and why (what matched, or the first condition that did not)."""
        reasons: list[str] = []
        if self.channels:
            if not matches_any(order.channel, self.channels):
                return False, f"channel {order.channel!r} is not {_listing(self.channels)}"
            reasons.append(f"channel {order.channel!r}")
        if self.tags:
            hit = next((tag for tag in order.tags if matches_any(tag, self.tags)), None)
            if hit is None:
                return False, f"the order carries none of the tags {_listing(self.tags)}"
            reasons.append(f"tag {hit!r}")
        if self.shipping_methods:
            method = next((text for text in shipping_methods(order) if matches_any(text, self.shipping_methods)), None)
            if method is None:
                shown = ", ".join(repr(text) for text in shipping_methods(order)) or "none"
                return False, f"shipping method ({shown}) is not {_listing(self.shipping_methods)}"
            reasons.append(f"shipping method {method!r}")
        if self.countries:
            country = order.ship_to.country if order.ship_to else None
            if not matches_any(country, self.countries):
                return False, f"ship-to country {country!r} is not {_listing(self.countries)}"
            reasons.append(f"ship-to country {country!r}")
        for name, accepted in self.attributes:
            value = {key.casefold(): text for key, text in order.attributes.items()}.get(name.casefold())
            if not matches_any(value, accepted):
                return False, f"attribute {name} ({value!r}) is not {_listing(accepted)}"
            reasons.append(f"attribute {name}={value!r}")
        return True, "matches " + ", ".join(reasons) if reasons else "takes every order"


def _listing(values: Iterable[str]) -> str:
    shown = [repr(value) for value in values]
    return shown[0] if len(shown) == 1 else "any of " + ", ".join(shown)


@dataclass(frozen=True)
class Holds:
    """Conditions that hold an order before it is routed at all."""

    payment_statuses: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    test_orders: bool = True
    missing_ship_to: bool = True


@dataclass(frozen=True)
class Policy:
    max_locations: int | None  # None: no limit
    allow_backorder: bool
    allow_preorder: bool
    allow_dropship: bool
    holds: Holds
    auto_cancel_after: timedelta | None
    reroute_every: timedelta | None

    def as_json(self) -> dict[str, Any]:
        return {
            "max_locations": self.max_locations,
            "allow_backorder": self.allow_backorder,
            "allow_preorder": self.allow_preorder,
            "allow_dropship": self.allow_dropship,
            "auto_cancel_after": _duration(self.auto_cancel_after),
            "reroute_every": _duration(self.reroute_every),
        }


def _duration(value: timedelta | None) -> str | None:
    return None if value is None else f"{int(value.total_seconds())}s"


@dataclass(frozen=True)
class Rule:
    name: str
    when: Match
    pipeline: tuple[Step, ...]
    policy: Policy
    description: str = ""
    source: str = ""  # the file it came from

    @cached_property  # read for every order routed; a rule never changes once loaded
    def filters(self) -> tuple[Step, ...]:
        return tuple(step for step in self.pipeline if step.kind == "filter")

    @cached_property
    def sorts(self) -> tuple[Step, ...]:
        return tuple(step for step in self.pipeline if step.kind == "sort")


@dataclass(frozen=True)
class Selection:
    """The rule chosen for an order (None when none matches) and why each earlier rule was passed over."""

    rule: Rule | None
    why: str
    passed_over: tuple[tuple[str, str], ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.rule.name if self.rule else None,
            "source": self.rule.source if self.rule else None,
            "why": self.why,
            "passed_over": [{"rule": name, "why": why} for name, why in self.passed_over],
        }


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    sources: tuple[str, ...] = field(default=())

    def select(self, order: Order) -> Selection:
        passed: list[tuple[str, str]] = []
        for rule in self.rules:
            matched, why = rule.when.check(order)
            if matched:
                return Selection(rule, why, tuple(passed))
            passed.append((rule.name, why))
        where = ", ".join(self.sources) or "the rule set"
        return Selection(None, f"no rule in {where} matches this order", tuple(passed))

    def rule(self, name: str) -> Rule:
        for rule in self.rules:
            if rule.name == name:
                return rule
        raise KeyError(name)


def attribute_conditions(data: Mapping[str, Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((name, as_strings(values)) for name, values in data.items())


def as_strings(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)
