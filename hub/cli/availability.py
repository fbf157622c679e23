"""``orderhub availability``: what each channel account may show, and recording it now.

``show`` computes the figures from current inventory without recording anything, with how each was
reached; ``publish`` recomputes and records a change event for every listing that moved, exactly as the
``hub.export.availability`` task does. Both read the rules from ``--rules`` (a file or a directory), else
``HUB_WORKER__AVAILABILITY_RULES``, else the shipped default::

    orderhub availability show --channel amazon --sku SKU-1
    orderhub availability publish --rules ./atp.yaml
    orderhub availability publish --changed        # only SKUs whose inventory changed since the last run
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from hub.availability import AvailabilityRules, Scope, compute, publish, rules_from
from hub.cli.context import Context
from hub.runtime import Runtime

SOURCE = "cli"
rules_option = click.option(
    "--rules",
    "rules_path",
    type=click.Path(exists=True, path_type=Path),
    help="Rule file or directory (default: HUB_WORKER__AVAILABILITY_RULES, else the shipped rules).",
)


@click.group("availability")
def group() -> None:
    """Available to sell per channel account: quantities, pre-orders and their change events."""


def _rules(ctx: Context, path: Path | None) -> AvailabilityRules:
    return rules_from(path if path is not None else ctx.settings.worker.availability_rules)


@group.command("show")
@click.option("--channel", help="Only this channel's accounts.")
@click.option("--sku", "skus", multiple=True, help="Only this SKU (repeat for more).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line instead of text.")
@rules_option
@click.pass_obj
def show(ctx: Context, /, channel: str | None, skus: tuple[str, ...], as_json: bool, rules_path: Path | None) -> None:
    """What every channel account may show now, per SKU, and how it was reached (records nothing)."""
    rules = _rules(ctx, rules_path)
    database = Runtime(ctx.settings).database
    with database.session() as session:
        results = compute(session, rules, list(skus) or None, channel=channel)
    if not results:
        click.echo("no listings: add channel accounts (orderhub channel add) and stock, or check --channel", err=True)
    for (name, account, sku), availability in sorted(results.items()):
        if as_json:
            document = {
                "channel": name,
                "account": account,
                "sku": sku,
                "quantity": availability.quantity,
                "preorder_quantity": availability.preorder_quantity,
                "explanation": availability.explanation,
            }
            click.echo(json.dumps(document))
            continue
        preorder = f", pre-order {availability.preorder_quantity}" if availability.preorder_quantity else ""
        click.echo(f"{name}/{account} {sku}: {availability.quantity}{preorder}  ({availability.explanation})")


@group.command("publish")
@click.option("--changed", is_flag=True, help="Only SKUs whose inventory changed since the last run.")
@click.option("--sku", "skus", multiple=True, help="Only this SKU (repeat for more).")
@rules_option
@click.pass_obj
def publish_command(ctx: Context, /, changed: bool, skus: tuple[str, ...], rules_path: Path | None) -> None:
    """Recompute and record a change event for every listing whose figures moved; prints how many did."""
    if changed and skus:
        raise click.UsageError("give --changed or --sku, not both")
    scope = Scope.SKUS if skus else Scope.CHANGED if changed else Scope.ALL
    rules = _rules(ctx, rules_path)
    database = Runtime(ctx.settings).database
    with database.session() as session:
        result = publish(session, rules, reason=SOURCE, scope=scope, skus=skus or None)
    click.echo(f"{result.changed} of {result.computed} listings changed (run {result.run_id}, {result.scope})")
