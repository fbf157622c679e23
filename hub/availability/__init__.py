"""Available to sell per channel account: how many units of each SKU a sales channel may show, and what it
may sell on pre-order, computed from inventory by rules that are data.

=================  ====================================================================================
``rules``          the rules as values: location selectors, shares, buffer, floor, drop-ship, pre-order,
                   SKU overrides; the most specific rule for a channel account
``rulefile``       reading rule files (YAML/JSON, ``schemas/availability.schema.json``), the shipped default
``stock``          what a computation reads: feeding locations, levels and incoming lots, set-wise
``computation``    ``compute``: the figures per (channel, account, SKU) with their explanation
``publishing``     ``publish``: recompute, compare with the last published figures, record change events;
                   the ledger watermark for recomputing changed SKUs only; ``events_after`` for connectors
``errors``         rule file errors
=================  ====================================================================================

Nothing here talks to a channel: the events are recorded for the channel connectors to send on.
"""

from __future__ import annotations

from hub.availability.computation import Availability, compute
from hub.availability.errors import AvailabilityRulesError, SharesExceedStock
from hub.availability.publishing import ChangeEvent, PublishResult, Scope, events_after, publish
from hub.availability.rulefile import availability_schema, default_rules, load_rules, parse_rules, rules_from
from hub.availability.rules import AvailabilityRules, ChannelRule, ShareMode, SkuTerms

__all__ = [
    "Availability",
    "AvailabilityRules",
    "AvailabilityRulesError",
    "ChangeEvent",
    "ChannelRule",
    "PublishResult",
    "Scope",
    "ShareMode",
    "SharesExceedStock",
    "SkuTerms",
    "availability_schema",
    "compute",
    "default_rules",
    "events_after",
    "load_rules",
    "parse_rules",
    "publish",
    "rules_from",
]
