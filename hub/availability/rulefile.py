"""Reading available-to-sell rule files: YAML or JSON checked against ``schemas/availability.schema.json``.

A rule file, in short (``hub/availability/rules/default.yaml`` ships with the hub)::

    version: 1
    shares: exclusive            # or overlap (the default): see the schema's description
    channels:
      - channel: amazon
        locations: {kinds: [warehouse, 3pl], countries: [US]}
        share: {percent: 20}     # the marketplace may show 20% of the pool
        buffer: 2
      - channel: shopify
        account: main
        share: {percent: 80, cap: 500}
        floor: 3
        dropship: {count: true, percent: 50}
        preorder: {incoming_within_days: 30}
        overrides:
          SKU-LAUNCH: {preorder: 200}
          "CLEARANCE-*": {listed: false}

One file, or every ``*.yaml``/``*.yml``/``*.json`` of a directory in name order (a later file may not name a
channel account an earlier one did, and all must agree on ``shares``). An error names the file, the path
inside it and what to change, e.g. ``atp.yaml: channels[1].share.percent (shopify/main): 120 is greater than
the maximum of 100``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from hub.availability.errors import AvailabilityRulesError
from hub.availability.rules import AvailabilityRules, ChannelRule, LocationSelector, ShareMode, SkuTerms, apply_settings
from hub.datafiles import parse_yaml, read_rule_file, rule_files
from hub.resources import resource
from hub.routing.validation import field_path

PATTERN_CHARACTERS = set("*?[")


@cache
def availability_schema() -> dict[str, Any]:
    """The published JSON Schema of available-to-sell rule files."""
    text = (resource("schemas") / "availability.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(availability_schema())


def parse_rules(text: str, source: str) -> AvailabilityRules:
    """Rules from the text of one file; ``source`` names it in every error."""
    data = parse_yaml(text, source, AvailabilityRulesError, what="YAML or JSON")
    error = best_match(_validator().iter_errors(data))
    if error is not None:
        raise AvailabilityRulesError(f"{source}: {_where(error, data)}: {_explain(error)}")
    rules = tuple(_channel_rule(item, source, index) for index, item in enumerate(data["channels"]))
    _check_unique(rules)
    return AvailabilityRules(rules, ShareMode(data.get("shares", ShareMode.OVERLAP)), (source,))


def load_rules(path: str | Path) -> AvailabilityRules:
    """Rules from one file, or from every rule file of a directory taken in name order."""
    path = Path(path)
    if not path.is_dir():
        return _read(path)
    found = rule_files(path, AvailabilityRulesError)
    sets = [_read(item) for item in found]
    modes = {ruleset.mode for ruleset in sets}
    if len(modes) > 1:
        raise AvailabilityRulesError(
            f"{path}: the files disagree on shares ({', '.join(sorted(modes))}); set the same value in each"
        )
    rules = tuple(rule for ruleset in sets for rule in ruleset.rules)
    _check_unique(rules)
    return AvailabilityRules(rules, modes.pop(), tuple(str(item) for item in found))


def _read(path: Path) -> AvailabilityRules:
    return parse_rules(read_rule_file(path, AvailabilityRulesError), str(path))


@cache
def default_rules() -> AvailabilityRules:
    """The rules shipped with the hub: every channel sees all stock of its own active locations."""
    text = files("hub.availability").joinpath("rules", "default.yaml").read_text(encoding="utf-8")
    return parse_rules(text, "default.yaml (shipped)")


def rules_from(path: str | Path | None) -> AvailabilityRules:
    """The rules at ``path``, or the shipped ones when it is None."""
    return default_rules() if path is None else load_rules(path)


def _channel_rule(data: dict[str, Any], source: str, position: int) -> ChannelRule:
    terms = apply_settings(SkuTerms(), data)
    overrides: dict[str, SkuTerms] = {}
    patterns: list[tuple[str, SkuTerms]] = []
    for sku, settings in data.get("overrides", {}).items():
        sku_terms = apply_settings(terms, settings)
        if PATTERN_CHARACTERS & set(sku):
            patterns.append((sku, sku_terms))
        else:
            overrides[sku] = sku_terms
    return ChannelRule(
        channel=data["channel"],
        account=data.get("account"),
        locations=_selector(data.get("locations", {})),
        terms=terms,
        overrides=overrides,
        patterns=tuple(patterns),
        source=source,
        position=position,
    )


def _selector(data: dict[str, Any]) -> LocationSelector:
    def optional(name: str) -> frozenset[str] | None:
        return frozenset(data[name]) if name in data else None

    regions = tuple(data["regions"]) if "regions" in data else None
    return LocationSelector(
        optional("ids"), optional("kinds"), optional("countries"), regions, frozenset(data.get("exclude", ()))
    )


def _check_unique(rules: Iterable[ChannelRule]) -> None:
    seen: dict[tuple[str, str | None], ChannelRule] = {}
    for rule in rules:
        key = (rule.channel, rule.account)
        if key in seen:
            raise AvailabilityRulesError(
                f"{rule.label}: {seen[key].label} already sets the rules for this channel"
                f"{'' if rule.account is None else ' account'}; keep one rule for it"
            )
        if rule.channel == "*" and rule.account is not None:
            raise AvailabilityRulesError(f"{rule.label}: an account needs its channel; name the channel, not '*'")
        seen[key] = rule


def _where(error: ValidationError, data: Any) -> str:
    path = list(error.absolute_path)
    text = field_path(tuple(path))
    if len(path) >= 2 and path[0] == "channels" and isinstance(path[1], int):
        rule = data["channels"][path[1]]
        if isinstance(rule, dict) and isinstance(rule.get("channel"), str):
            account = rule.get("account")
            text += f" ({rule['channel']}{'' if not isinstance(account, str) else '/' + account})"
    return text


def _explain(error: ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "enum":
        return f"{error.instance!r} is not one of: {', '.join(map(str, schema['enum']))}"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(schema.get("properties", {}))
        unexpected = [name for name in error.instance if name not in allowed]
        return f"unknown key {', '.join(map(repr, unexpected))}; allowed here: {', '.join(allowed)}"
    if error.validator == "required" and isinstance(error.instance, dict):
        return f"{error.message}; add it"
    if error.validator == "pattern" and error.absolute_path and error.absolute_path[-1] == "channel":
        return f"{error.instance!r} is not a channel name: lower-case letters, digits, '_', '.', '-', or '*'"
    return str(error.message)
