"""``orderhub route``: see where an order would ship from, and why, without changing anything
(``simulate``), or route a stored order now (``order``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from hub.cli.context import Context
from hub.cli.publishing import publish_deliveries_now
from hub.errors import InputRejected

FILE = click.Path(dir_okay=False, path_type=Path)


@click.group("route")
def group() -> None:
    """Routing: which locations ship each line of an order."""


@group.command("simulate")
@click.argument("order_json", type=FILE)
@click.option(
    "--stock",
    "stock_json",
    type=FILE,
    help="Stock snapshot JSON: locations, their facts and stock (default: read from the database).",
)
@click.option("--rules", "rules_path", type=click.Path(path_type=Path), help="A rule file or a directory of them.")
@click.option("--at", "at", metavar="ISO_TIME", help="Decide as at this time, with offset (default: now).")
@click.option("--explain", is_flag=True, help="Print a readable summary instead of the JSON.")
@click.pass_obj
def simulate(
    ctx: Context, order_json: Path, stock_json: Path | None, rules_path: Path | None, at: str | None, explain: bool
) -> None:
    """Print the routing decision for ORDER_JSON (a canonical order.v1) and its trace, as JSON: per line the
    allocations, backorders, pre-orders and held units; the outcome; which rule, which candidates, which
    filter dropped each and why, the ranking and the plan. Without --stock, the locations and stock are read
    from the database. Nothing is committed. Exit 2 on bad input."""
    from hub.canonical import Order
    from hub.routing import RoutingInputError, decide, read_snapshot
    from hub.routing.explain import explain as explain_text
    from hub.routing.validation import describe

    now = _instant(at)
    try:
        order = Order.model_validate(_read_json(order_json, "order"))
    except ValidationError as exc:
        raise InputRejected(f"{order_json}: not a valid order.v1: {describe(exc)}") from None
    try:
        if stock_json is not None:
            snapshot = read_snapshot(_read_json(stock_json, "stock snapshot"), str(stock_json))
        rules = _rules(rules_path)
    except RoutingInputError as exc:
        raise InputRejected(_one_line(str(exc))) from None
    if stock_json is None:
        snapshot = _stored_snapshot(ctx, {line.sku for line in order.lines if line.sku}, now)
    decision = decide(order, snapshot, rules, now)
    if explain:
        click.echo(explain_text(decision), nl=False)
    else:
        click.echo(json.dumps(decision.to_json(), indent=2, ensure_ascii=False))


@group.command("order")
@click.argument("order_id")
@click.option("--rules", "rules_path", type=click.Path(path_type=Path), help="A rule file or a directory of them.")
@click.pass_obj
def route_stored_order(ctx: Context, order_id: str, rules_path: Path | None) -> None:
    """Route stored order ORDER_ID now: commit its allocations, create its fulfillment orders and record the
    decision on its timeline, then print a summary. Routes only what is still unallocated, so running it again
    is safe. Rules: --rules, else the newest version stored through the API, else HUB_WORKER__ROUTING_RULES,
    else the shipped default (what the workers use)."""
    from hub.oms.process_cache import current_rules
    from hub.oms.route import route_order
    from hub.routing import RoutingInputError

    try:
        in_effect = ctx.settings.worker.routing_rules
        rules = _rules(rules_path) if rules_path else current_rules(in_effect, _database(ctx))
    except RoutingInputError as exc:
        raise InputRejected(_one_line(str(exc))) from None
    routed = route_order(_database(ctx), order_id, rules=rules, source="cli")
    click.echo(routed.summary(), nl=False)
    if routed.deliveries and not publish_deliveries_now(ctx.settings, routed.deliveries):
        click.echo("  the broker did not answer: the delivery sweep will send its fulfillment orders")


def _rules(path: Path | None) -> Any:
    from hub.routing import default_rules, load_rules

    return load_rules(path) if path else default_rules()


def _database(ctx: Context) -> Any:
    from hub.runtime import Runtime

    return Runtime(ctx.settings).database


def _stored_snapshot(ctx: Context, skus: set[str], now: datetime) -> Any:
    """The snapshot routing would use in the hub: the database's locations and stock, read only."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from hub.oms.store_snapshot import routing_snapshot

    try:
        with _database(ctx).session() as session:  # reads only: there is nothing to commit
            return routing_snapshot(session, skus, now)
    except (OperationalError, ProgrammingError) as exc:
        reason = _one_line(str(exc.orig))
        raise InputRejected(
            f"cannot read locations and stock from the database ({reason}): run `orderhub db upgrade`, or give "
            "--stock SNAPSHOT_JSON"
        ) from None


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
