"""``orderhub route``: see where an order would ship from, and why, without changing anything."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from hub.errors import InputRejected

FILE = click.Path(dir_okay=False, path_type=Path)


@click.group("route")
def group() -> None:
    """Routing: which locations ship each line of an order."""


@group.command("simulate")
@click.argument("order_json", type=FILE)
@click.option("--stock", "stock_json", type=FILE, help="Stock snapshot JSON: locations, their facts and stock.")
@click.option("--rules", "rules_path", type=click.Path(path_type=Path), help="A rule file or a directory of them.")
@click.option("--at", "at", metavar="ISO_TIME", help="Decide as at this time, with offset (default: now).")
@click.option("--explain", is_flag=True, help="Print a readable summary instead of the JSON.")
def simulate(order_json: Path, stock_json: Path | None, rules_path: Path | None, at: str | None, explain: bool) -> None:
    """Print the routing decision for ORDER_JSON (a canonical order.v1) and its trace, as JSON: per line the
    allocations, backorders, pre-orders and held units; the outcome; which rule, which candidates, which
    filter dropped each and why, the ranking and the plan. Nothing is committed. Exit 2 on bad input."""
    from hub.canonical import Order
    from hub.routing import RoutingInputError, decide, default_rules, load_rules, read_snapshot
    from hub.routing.explain import explain as explain_text
    from hub.routing.validation import describe

    if stock_json is None:
        raise InputRejected("route simulate needs --stock SNAPSHOT_JSON: the locations and stock to route against")
    now = _instant(at)
    try:
        order = Order.model_validate(_read_json(order_json, "order"))
    except ValidationError as exc:
        raise InputRejected(f"{order_json}: not a valid order.v1: {describe(exc)}") from None
    try:
        snapshot = read_snapshot(_read_json(stock_json, "stock snapshot"), str(stock_json))
        rules = load_rules(rules_path) if rules_path else default_rules()
    except RoutingInputError as exc:
        raise InputRejected(_one_line(str(exc))) from None
    decision = decide(order, snapshot, rules, now)
    if explain:
        click.echo(explain_text(decision), nl=False)
    else:
        click.echo(json.dumps(decision.to_json(), indent=2, ensure_ascii=False))


def _instant(at: str | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise InputRejected(f"--at {at!r} is not an ISO 8601 time; write it like 2026-03-02T15:00:00Z") from None
    if moment.tzinfo is None:
        raise InputRejected(f"--at {at!r} has no offset; write it like 2026-03-02T15:00:00Z or ...T15:00:00+01:00")
    return moment


def _read_json(path: Path, what: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputRejected(f"{path}: cannot read the {what}: {reason}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        problem = f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise InputRejected(f"{path}: the {what} is not valid JSON: {problem}") from None


def _one_line(text: str) -> str:
    return " ".join(text.split())
