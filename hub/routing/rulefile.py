"""Reading rule files: YAML (or JSON) checked against ``schemas/routing.schema.json``, then built into rules.

A rule file, in short (the shipped ``hub/routing/rules/default.yaml`` is a complete example)::

    version: 1
    defaults:
      policy: {allow_split: 2, allow_backorder: true, reroute_every: 1h}
    rules:
      - name: pickup-in-store
        when: {shipping_method: [pickup, "pickup:*"]}
        pipeline:
          - filter: can_pickup
          - filter: pickup_location
        policy: {allow_split: false, auto_cancel_after: 3d}
      - name: default
        pipeline:
          - filter: can_ship
          - sort: nearest
            bucket_km: 50
          - sort: cheapest

The schema is the one description of the format: editors validate against it, this module validates
with it, and the defaults of step parameters and policies are read from it. An error names the file,
the path inside it and what to change, e.g. ``rules.yaml: rules[1].pipeline[0] (rule 'bopis'): unknown
filter 'can_fly'; known filters: before_cutoff, can_pickup, ...``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import timedelta
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from hub.datafiles import parse_yaml, read_rule_file, rule_files
from hub.resources import resource
from hub.routing.errors import RuleFileError
from hub.routing.ruleset import Holds, Match, Policy, Rule, RuleSet, as_strings, attribute_conditions
from hub.routing.steps import Step, StepKind, registered

_DURATION = re.compile(r"([1-9][0-9]*)([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@cache
def routing_schema() -> dict[str, Any]:
    """The published JSON Schema of rule files."""
    schema: dict[str, Any] = json.loads((resource("schemas") / "routing.schema.json").read_text(encoding="utf-8"))
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(routing_schema())


def schema_defaults(definition: str) -> dict[str, Any]:
    """The ``default`` of every property of ``$defs/<definition>`` (a step such as ``filter.kind``, or ``policy``)."""
    properties = routing_schema()["$defs"][definition].get("properties", {})
    return {name: spec["default"] for name, spec in properties.items() if "default" in spec}


def parse_rules(text: str, source: str) -> RuleSet:
    """Rules from the text of one file; ``source`` names it in every error."""
    data = parse_yaml(text, source, RuleFileError)
    error = best_match(_validator().iter_errors(data))
    if error is not None:
        raise RuleFileError(f"{source}: {_where(error, data)}: {_explain(error)}")
    rules = tuple(_rule(item, data.get("defaults", {}).get("policy", {}), source) for item in data["rules"])
    _check_unique((rule.name for rule in rules), source)
    return RuleSet(rules, (source,))


def load_rules(path: str | Path) -> RuleSet:
    """Rules from one file, or from every rule file of a directory taken in name order (the first matching
    rule of the first file wins). Rule names must be unique across the files."""
    path = Path(path)
    if path.is_dir():
        found = rule_files(path, RuleFileError)
        sets = [_read(item) for item in found]
        rules = tuple(rule for ruleset in sets for rule in ruleset.rules)
        _check_unique((rule.name for rule in rules), str(path))
        return RuleSet(rules, tuple(str(item) for item in found))
    return _read(path)


def _read(path: Path) -> RuleSet:
    return parse_rules(read_rule_file(path, RuleFileError), str(path))


@cache
def default_rules() -> RuleSet:
    """The rule set shipped with the hub (``hub/routing/rules/default.yaml``)."""
    text = files("hub.routing").joinpath("rules", "default.yaml").read_text(encoding="utf-8")
    return parse_rules(text, "default.yaml (shipped)")


def _check_unique(names: Iterable[str], source: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise RuleFileError(f"{source}: rule name {name!r} is used twice; give each rule its own name")
        seen.add(name)


# --- building ------------------------------------------------------------------------------------------


def _rule(data: Mapping[str, Any], file_policy: Mapping[str, Any], source: str) -> Rule:
    when = data.get("when", {})
    match = Match(
        channels=as_strings(when.get("channel", ())),
        tags=as_strings(when.get("tags", ())),
        shipping_methods=as_strings(when.get("shipping_method", ())),
        countries=as_strings(when.get("country", ())),
        attributes=attribute_conditions(when.get("attributes", {})),
    )
    pipeline = tuple(_step(item) for item in data["pipeline"])
    policy = _policy(file_policy, data.get("policy", {}))
    return Rule(data["name"], match, pipeline, policy, data.get("description", ""), source)


def _step(data: Mapping[str, Any]) -> Step:
    kind: StepKind = "filter" if "filter" in data else "sort"
    name = data[kind]
    if name not in registered(kind):  # the schema lists it, so the registry must too; a test keeps them equal
        raise RuleFileError(f"{kind} {name!r} is described by the schema but not registered")
    given = {key: value for key, value in data.items() if key != kind}
    params = schema_defaults(f"{kind}.{name}") | given
    return Step(kind, name, params, tuple(given))


def _policy(file_policy: Mapping[str, Any], rule_policy: Mapping[str, Any]) -> Policy:
    merged = schema_defaults("policy") | dict(file_policy) | dict(rule_policy)
    hold_defaults = {
        name: spec["default"]
        for name, spec in routing_schema()["$defs"]["policy"]["properties"]["hold"]["properties"].items()
    }
    hold = hold_defaults | file_policy.get("hold", {}) | rule_policy.get("hold", {})
    split = merged["allow_split"]
    return Policy(
        max_locations=None if split is True else 1 if split is False else int(split),
        allow_backorder=merged["allow_backorder"],
        allow_preorder=merged["allow_preorder"],
        allow_dropship=merged["allow_dropship"],
        holds=Holds(tuple(hold["payment_statuses"]), tuple(hold["tags"]), hold["test_orders"], hold["missing_ship_to"]),
        auto_cancel_after=parse_duration(merged["auto_cancel_after"]),
        reroute_every=parse_duration(merged["reroute_every"]),
    )


def parse_duration(text: str | None) -> timedelta | None:
    """``"30m"``, ``"12h"``, ``"14d"``, ``"2w"`` -> timedelta; None stays None (the schema checked the form)."""
    if text is None:
        return None
    found = _DURATION.fullmatch(text)
    if found is None:
        raise RuleFileError(f"{text!r} is not a duration such as 30m, 12h, 14d or 2w")
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


# --- error messages ------------------------------------------------------------------------------------


def _where(error: ValidationError, data: Any) -> str:
    path = list(error.absolute_path)
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
        rule = data["rules"][path[1]]
        if isinstance(rule, dict) and isinstance(rule.get("name"), str):
            text += f" (rule {rule['name']!r})"
    return text or "(top level)"


def _explain(error: ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    key = error.absolute_path[-1] if error.absolute_path else None
    if error.validator == "required" and "x-required-message" in schema:
        return str(schema["x-required-message"])
    if error.validator == "enum" and key in ("filter", "sort"):
        return f"unknown {key} {error.instance!r}; known {key}s: {', '.join(map(str, schema['enum']))}"
    if error.validator == "enum":
        return f"{error.instance!r} is not one of: {', '.join(map(str, schema['enum']))}"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(schema.get("properties", {}))
        unexpected = [name for name in error.instance if name not in allowed]
        step = next((f"{kind} {error.instance[kind]}" for kind in ("filter", "sort") if kind in error.instance), None)
        if step:
            takes = [name for name in allowed if name not in ("filter", "sort")]
            return f"{step} takes no parameter {', '.join(map(repr, unexpected))}; " + (
                f"it takes: {', '.join(takes)}" if takes else "it takes no parameters"
            )
        return f"unknown key {', '.join(map(repr, unexpected))}; allowed here: {', '.join(allowed)}"
    if error.validator in ("pattern", "type") and "description" in schema:
        return f"{error.message}. {schema['description']}"
    return str(error.message)
