"""Order routing: which locations ship each line of an order, decided by rules that are data.

``decide(order, snapshot, rules, now)`` is pure: it reads a canonical order, a stock ``Snapshot`` and a
``RuleSet`` (``load_rules(path)`` or the shipped ``default_rules()``) and returns a ``Decision`` with its
trace. Committing the allocations, recording the trace on the order's timeline and routing waiting
orders again belong to the callers.
"""

from __future__ import annotations

from hub.routing.decision import (
    Allocation,
    Backorder,
    Commitment,
    Decision,
    Hold,
    LineDecision,
    LineStatus,
    Outcome,
    Preorder,
    Wait,
)
from hub.routing.engine import Prior, decide
from hub.routing.errors import RoutingInputError, RuleFileError, SnapshotError
from hub.routing.refusals import Refusals
from hub.routing.rulefile import default_rules, load_rules, parse_rules, routing_schema
from hub.routing.ruleset import Policy, Rule, RuleSet
from hub.routing.snapshot import Location, LocationKind, Snapshot, read_snapshot

__all__ = [
    "Allocation",
    "Backorder",
    "Commitment",
    "Decision",
    "Hold",
    "LineDecision",
    "LineStatus",
    "Location",
    "LocationKind",
    "Outcome",
    "Policy",
    "Preorder",
    "Prior",
    "Refusals",
    "RoutingInputError",
    "Rule",
    "RuleFileError",
    "RuleSet",
    "Snapshot",
    "SnapshotError",
    "Wait",
    "decide",
    "default_rules",
    "load_rules",
    "parse_rules",
    "read_snapshot",
    "routing_schema",
]
