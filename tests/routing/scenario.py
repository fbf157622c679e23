"""Routing scenarios written as data: ``scenarios/*.yaml``, each an order, a stock snapshot, rules and a time,
with the decision expected; optionally further rounds after stock changes.

A scenario file::

    description: what the merchant would see
    now: "2026-03-02T16:00:00Z"
    rules: default                  # the shipped rules, or a whole rule file inline
    order: {shipping_method: standard, lines: [{line_id: "1", sku: TEE, quantity: 3}]}   # see builders.order_data
    stock: {postal_points: {...}, locations: [...]}                                     # a snapshot
    expect:
      rule: standard
      outcome: routed                                   # routed | partially_routed | backordered | held | ...
      holds: [payment]                                  # order hold codes, in order
      lines:
        "1":
          status: allocated
          allocations: {wh-east: 3}                     # every allocation of the line: location -> units
          dropship: false                               # every allocation is (not) drop-shipped
          ships_on: {wh-east: "2026-03-03"}
          backorders: [{quantity: 2, location: wh-east, expected: "2026-03-09", reference: ASN-7}]
          preorders: [{quantity: 1, location: wh-east, release: "2026-04-01"}]
          held: {quantity: 1, code: split_limit, reason: "at most 1"}   # reason: a part of the text
      dropped: {store-1: {by: filter can_ship, reason: cannot ship}}    # parts of the trace's texts
      kept: [wh-east]                                   # locations no filter dropped
      ranking: [wh-east, wh-west]                       # the own locations, best first
      suppliers: [acme]                                 # the supplier ranking
      ahead_by: {wh-east: sort nearest}                 # the sort that put it above the next one
      stages: {ship_complete: not possible, split: chosen}
      wait: {reroute_at: "...", cancel_at: "..."}      # or null: nothing waits
      notes: {filter before_cutoff: every candidate}    # part of a step's note in the trace
    then:                                               # more rounds, each deciding again
      - now: "2026-03-09T10:00:00Z"
        previous: committed     # committed (default): earlier allocations become prior and leave the stock;
                                # lost: the commit lost a race, nothing was allocated
        stock: {wh-east: {TEE: {available: 20}}}        # stock levels replaced before this round
        order: {payment_status: paid}                   # order fields changed before this round
        expect: {...}
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from hub.canonical import Order
from hub.routing import Decision, RuleSet, Snapshot, decide, default_rules, read_snapshot
from tests.routing.builders import make_rules, order_data

SCENARIOS = Path(__file__).with_name("scenarios")


def scenario_files() -> list[Path]:
    return sorted(SCENARIOS.glob("*.yaml"))


def _instant(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    assert moment.tzinfo is not None, f"scenario time {value!r} needs an offset"
    return moment


def _rules(value: Any) -> RuleSet:
    return default_rules() if value == "default" else make_rules(value, "scenario rules")


def run(data: dict[str, Any]) -> list[tuple[str, Decision, dict[str, Any]]]:
    """Every round of a scenario: (label, decision, expectations)."""
    rules = _rules(data.get("rules", "default"))
    order_fields = dict(data["order"])
    order_fields.setdefault("ship_to", {"country": "US", "region": "NY", "postal_code": "10001"})
    stock = data["stock"]
    snapshot = read_snapshot(stock, "scenario stock")
    order = Order.model_validate(order_data(order_fields))
    decision = decide(order, snapshot, rules, _instant(data["now"]))
    rounds = [("first round", decision, data["expect"])]
    prior: dict[str, dict[str, int]] = {}
    for number, step in enumerate(data.get("then", []), start=2):
        if step.get("previous", "committed") == "committed":
            snapshot = _committed(snapshot, decision, prior)
        snapshot = _restocked(snapshot, step.get("stock", {}))
        order_fields.update(step.get("order", {}))
        order = Order.model_validate(order_data(order_fields))
        decision = decide(order, snapshot, rules, _instant(step["now"]), prior)
        rounds.append((f"round {number}", decision, step["expect"]))
    return rounds


def _committed(snapshot: Snapshot, decision: Decision, prior: dict[str, dict[str, int]]) -> Snapshot:
    """What the inventory looks like once a decision's allocations are committed, and the prior they make."""
    for item in decision.commitments():
        location = snapshot.location(item.location)
        snapshot = snapshot.with_available(item.location, item.sku, location.available(item.sku) - item.quantity)
        units = prior.setdefault(item.line_id, {})
        units[item.location] = units.get(item.location, 0) + item.quantity
    return snapshot


def _restocked(snapshot: Snapshot, changes: dict[str, dict[str, Any]]) -> Snapshot:
    data = snapshot.model_dump(mode="json")
    for location in data["locations"]:
        for sku, level in changes.get(location["id"], {}).items():
            location["stock"][sku] = {"available": level} if isinstance(level, int) else level
    return read_snapshot(data, "scenario stock")


# --- expectations -------------------------------------------------------------------------------------------


def problems(decision: Decision, expect: dict[str, Any]) -> list[str]:
    found = decision.to_json()
    trace = found["trace"]
    out: list[str] = []
    for key in ("rule", "outcome"):
        if key in expect and found[key] != expect[key]:
            out.append(f"{key}: expected {expect[key]!r}, got {found[key]!r}")
    if "holds" in expect and [hold["code"] for hold in trace["holds"]] != expect["holds"]:
        out.append(f"holds: expected {expect['holds']}, got {trace['holds']}")
    for line_id, wanted in expect.get("lines", {}).items():
        out += [f"line {line_id}: {text}" for text in _line_problems(decision, str(line_id), wanted)]
    out += _trace_problems(trace, expect)
    if "wait" in expect and expect["wait"] is None and found["wait"] is not None:
        out.append(f"wait: expected none (nothing waits), got {found['wait']}")
    for key, wanted in (expect.get("wait") or {}).items():
        got = (found["wait"] or {}).get(key)
        if got != (None if wanted is None else _instant(wanted).isoformat()):
            out.append(f"wait.{key}: expected {wanted}, got {got}")
    return out


def _line_problems(decision: Decision, line_id: str, wanted: dict[str, Any]) -> list[str]:
    line = next((item for item in decision.to_json()["lines"] if item["line_id"] == line_id), None)
    if line is None:
        return ["no such line in the decision"]
    out = []
    if "status" in wanted and line["status"] != wanted["status"]:
        out.append(f"status: expected {wanted['status']}, got {line['status']}")
    if "allocations" in wanted:
        got: dict[str, int] = {}
        for item in line["allocations"]:
            got[item["location"]] = got.get(item["location"], 0) + item["quantity"]
        if got != wanted["allocations"]:
            out.append(f"allocations: expected {wanted['allocations']}, got {got}")
    if "dropship" in wanted and any(item["dropship"] != wanted["dropship"] for item in line["allocations"]):
        out.append(f"dropship: expected {wanted['dropship']} on every allocation, got {line['allocations']}")
    for location, day in wanted.get("ships_on", {}).items():
        days = {item["ships_on"] for item in line["allocations"] if item["location"] == location}
        if days != {str(day)}:
            out.append(f"ships_on at {location}: expected {day}, got {days}")
    for key in ("backorders", "preorders"):
        if key in wanted:
            picked = [{name: item[name] for name in want} for item, want in zip(line[key], wanted[key], strict=False)]
            if len(line[key]) != len(wanted[key]) or picked != [_texts(want) for want in wanted[key]]:
                out.append(f"{key}: expected {wanted[key]}, got {line[key]}")
    if "held" in wanted:
        out += _held_problems(line["held"], wanted["held"])
    return out


def _texts(values: dict[str, Any]) -> dict[str, Any]:
    """YAML reads unquoted dates as dates; the decision's JSON has them as text."""
    return {
        key: value if isinstance(value, int | str) or value is None else str(value) for key, value in values.items()
    }


def _held_problems(held: dict[str, Any] | None, wanted: dict[str, Any] | None) -> list[str]:
    if wanted is None or held is None:
        return [] if wanted == held else [f"held: expected {wanted}, got {held}"]
    out = [
        f"held.{key}: expected {wanted[key]!r}, got {held[key]!r}"
        for key in ("quantity", "code")
        if key in wanted and held[key] != wanted[key]
    ]
    if "reason" in wanted and wanted["reason"] not in held["reason"]:
        out.append(f"held.reason: expected it to mention {wanted['reason']!r}, got {held['reason']!r}")
    return out


def _trace_problems(trace: dict[str, Any], expect: dict[str, Any]) -> list[str]:
    out = []
    candidates = {item["location"]: item for item in trace["candidates"]}
    for location, wanted in expect.get("dropped", {}).items():
        item = candidates.get(location)
        if item is None or item["dropped_by"] is None:
            out.append(f"{location}: expected it dropped by {wanted['by']!r}, but it was kept")
        elif wanted["by"] != item["dropped_by"] or wanted.get("reason", "") not in item["reason"]:
            out.append(f"{location}: expected dropped by {wanted['by']!r} ({wanted.get('reason')!r}), got {item}")
    for location in expect.get("kept", []):
        if candidates.get(location, {}).get("dropped_by", "missing") is not None:
            out.append(f"{location}: expected it kept, got {candidates.get(location)}")
    for group, key in (("own", "ranking"), ("supplier", "suppliers")):
        ranked = [entry["location"] for entry in trace["ranking"] if entry["group"] == group]
        if key in expect and ranked != expect[key]:
            out.append(f"{key}: expected {expect[key]}, got {ranked}")
    for location, sort in expect.get("ahead_by", {}).items():
        entry: dict[str, Any] = next((item for item in trace["ranking"] if item["location"] == location), {})
        if entry.get("ahead_of_next_by") != sort:
            out.append(f"{location}: expected ahead of the next by {sort!r}, got {entry.get('ahead_of_next_by')!r}")
    notes = {step["step"]: step.get("note") or "" for step in trace["steps"]}
    for step, text in expect.get("notes", {}).items():
        if text not in notes.get(step, ""):
            out.append(f"{step}: expected a note mentioning {text!r}, got {notes.get(step)!r}")
    stages = {stage["stage"]: stage["outcome"] for stage in trace["plan"]}
    for stage, outcome in expect.get("stages", {}).items():
        if stages.get(stage) != outcome:
            out.append(f"stage {stage}: expected {outcome!r}, got {stages.get(stage)!r} (plan: {trace['plan']})")
    return out


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data
