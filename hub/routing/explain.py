"""A decision told in plain text for a person: ``orderhub route simulate --explain``.

Everything here is read from the decision's JSON (the same data the order's timeline keeps), so a
decision recorded months ago can be explained the same way.
"""

from __future__ import annotations

from typing import Any

from hub.routing.decision import Decision


def explain(decision: Decision) -> str:
    data = decision.to_json()
    trace = data["trace"]
    rule = trace["rule"] or {}
    out = [f"Order {data['order']}, decided at {data['decided_at']}"]
    out.append(f"Rule: {rule.get('name') or '(none)'}: {rule.get('why', '')}")
    out += [f"  passed over {item['rule']}: {item['why']}" for item in rule.get("passed_over", [])]
    out.append(f"Outcome: {data['outcome'].replace('_', ' ')}")
    out += [f"Held: {hold['reason']}" for hold in trace["holds"]]
    if trace["destination"]:
        out.append(f"Ship-to: {trace['destination']}")
    out += ["", "Lines:"] + [f"  {_line(line)}" for line in data["lines"]]
    if trace["candidates"]:
        out += ["", "Candidates:"] + _candidates(trace)
    if trace["plan"]:
        out += ["", "Plan:"]
        out += [f"  {stage['stage']}: {stage['outcome']}: {stage['detail']}" for stage in trace["plan"]]
    wait = data["wait"]
    if wait:
        out += ["", f"Waiting: route again at {wait['reroute_at'] or 'stock arrival only'}; "]
        out[-1] += f"cancel what is unplaced at {wait['cancel_at']}" if wait["cancel_at"] else "no cancel deadline"
    return "\n".join(out) + "\n"


def _line(line: dict[str, Any]) -> str:
    head = f"{line['line_id']} {line['sku'] or '(no SKU)'} x {line['quantity']}"
    if line["note"]:
        return f"{head}: not routed: {line['note']}"
    parts = [f"{line['already_allocated']} allocated before"] if line["already_allocated"] else []
    for item in line["allocations"]:
        how = "drop-ship from" if item["dropship"] else "from"
        parts.append(f"{item['quantity']} {how} {item['location']}" + _on("ships", item["ships_on"]))
    for item in line["backorders"]:
        where = f" at {item['location']}" if item["location"] else " until stock arrives"
        ref = f" ({item['reference']})" if item["reference"] else ""
        parts.append(f"{item['quantity']} backordered{where}{ref}" + _on("expected", item["expected"]))
    for item in line["preorders"]:
        parts.append(f"{item['quantity']} pre-ordered at {item['location']}" + _on("released", item["release"]))
    if line["held"]:
        parts.append(f"{line['held']['quantity']} held: {line['held']['reason']}")
    return f"{head}: {'; '.join(parts)}"


def _on(word: str, day: str | None) -> str:
    return f", {word} {day}" if day else ""


def _candidates(trace: dict[str, Any]) -> list[str]:
    keys = {entry["location"]: entry for entry in trace["ranking"]}
    width = max(len(item["location"]) for item in trace["candidates"])
    rows = []
    ranked_first = sorted(
        trace["candidates"],
        key=lambda item: (
            item["rank"] is None,
            (item["rank"] or {}).get("group") != "own",
            (item["rank"] or {}).get("rank", 0),
        ),
    )
    for item in ranked_first:
        name = item["location"].ljust(width)
        if item["dropped_by"]:
            rows.append(f"  {name}  {item['kind']:<9}  dropped by {item['dropped_by']}: {item['reason']}")
            continue
        ranked = keys[item["location"]]
        figures = ", ".join(
            f"{label.split('(')[0].removeprefix('sort ')} {shown}" for label, shown in ranked["keys"].items()
        )
        rows.append(
            f"  {name}  {item['kind']:<9}  rank {ranked['rank']} ({ranked['group']})"
            + (f": {figures}" if figures else "")
        )
    return rows
