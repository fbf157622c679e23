"""``orderhub export``: the accounting export of a destination, its reconciliation, and its closed periods."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Any

import click

from hub.cli.context import Context
from hub.errors import InputRejected


def _runtime(ctx: Context) -> Any:
    from hub.runtime import Runtime

    return Runtime(ctx.settings)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise InputRejected(f"{option} {value!r} is not a date (2026-11-01)") from None


@click.group("export")
def group() -> None:
    """Accounting exports: post the hub's journal to an accounting destination and reconcile it."""


@group.command("accounting")
@click.argument("connector")
@click.argument("account")
@click.option("--since", help="First entry date to export (YYYY-MM-DD); default: every entry not exported yet.")
@click.option("--until", help="Last entry date to export (YYYY-MM-DD).")
@click.option("--dry-run", is_flag=True, help="Book and show what would be posted; write and send nothing.")
@click.pass_obj
def accounting(ctx: Context, connector: str, account: str, since: str | None, until: str | None, dry_run: bool) -> None:
    """Book new facts as journal entries and post the ones not exported yet to CONNECTOR ACCOUNT."""
    from hub.accounting.export import destination, run_export
    from hub.delivery.config import EngineConfig

    runtime = _runtime(ctx)
    engine = EngineConfig.from_settings(runtime.settings.worker)
    start, end = _day(since, "--since"), _day(until, "--until")
    with runtime.database.session() as session:
        destination(session, connector, account)  # settings and mapping refused before any progress is shown
    with click.progressbar(length=1, label="posting", file=sys.stderr, show_pos=True) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        report = run_export(
            runtime.database,
            connector,
            account,
            since=start,
            until=end,
            dry_run=dry_run,
            engine=engine,
            progress=None if dry_run else progress,
        )
    built = report.build
    click.echo(f"journal: {built.built} new entries, {built.adjusted} adjusting entries")
    for (kind, currency), (count, total) in sorted(report.summary.items()):
        click.echo(f"  {kind:<14} {currency} {count:>6} entries  {total:>14} debit")
    if dry_run:
        click.echo(f"dry run: {report.planned} entries would be posted to {connector}:{account}; nothing was written")
        return
    click.echo(
        f"run {report.run_id}: {report.planned} planned, {report.posted} posted, {report.failed} refused, "
        f"{report.waiting} waiting for a retry"
    )
    if report.failed or report.waiting:
        raise SystemExit(1)


@group.command("reconcile")
@click.argument("connector")
@click.argument("account")
@click.option("--period", required=True, help="The month to reconcile, YYYY-MM.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of text.")
@click.pass_obj
def reconcile(ctx: Context, connector: str, account: str, period: str, as_json: bool) -> None:
    """Orders and refunds in the hub against what was exported (and what the ledger reads back), per channel
    and currency; every difference listed by order. Exits 1 when anything differs."""
    from hub.accounting.reconcile import run_reconcile
    from hub.accounting.report import as_document, as_text

    result = run_reconcile(_runtime(ctx).database, connector, account, period)
    click.echo(json.dumps(as_document(result), indent=2) if as_json else as_text(result))
    if not result.agrees:
        raise SystemExit(1)


@group.command("close-period")
@click.argument("connector")
@click.argument("account")
@click.argument("period")
@click.pass_obj
def close_period(ctx: Context, connector: str, account: str, period: str) -> None:
    """Close PERIOD (YYYY-MM) for CONNECTOR ACCOUNT: later changes are booked in the next open month."""
    from hub.accounting.export import destination
    from hub.accounting.periods import close_period as close

    with _runtime(ctx).database.session() as session:
        target = destination(session, connector, account)
        closed = close(session, target.name, period)
    click.echo(f"{period} {'closed' if closed else 'was already closed'} for {connector}:{account}")


@group.command("payouts")
@click.argument("channel")
@click.argument("account")
@click.option("--period", help="Only payouts dated in this month, YYYY-MM.")
@click.option("--fetch", "fetch_", is_flag=True, help="Read the channel's payouts from its API first (Shopify).")
@click.option("--file", "file_", type=click.Path(dir_okay=False), help="Read a settlement report file first (Amazon).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of text.")
@click.pass_obj
def payouts(
    ctx: Context, channel: str, account: str, period: str | None, fetch_: bool, file_: str | None, as_json: bool
) -> None:
    """The payouts of CHANNEL ACCOUNT matched to the hub's orders: per payout the orders it pays, their sums
    against the hub's order and refund totals, lines the hub cannot match, fees. Exits 1 when anything differs."""
    from pathlib import Path

    from hub.accounting.amounts import parse_period
    from hub.payouts.matching import as_document, match_payout
    from hub.payouts.read import fetch, read_file
    from hub.payouts.report import as_text
    from hub.payouts.store import stored_payouts

    if fetch_ and file_:
        raise InputRejected("--fetch and --file cannot be used together")
    start, end = parse_period(period) if period else (None, None)
    database = _runtime(ctx).database
    read = []
    if fetch_:
        read = fetch(database, channel, account, start, end)
    elif file_:
        read = read_file(database, channel, account, Path(file_))
    with database.session() as session:
        matches = [match_payout(session, record) for record in stored_payouts(session, channel, account, start, end)]
    if as_json:
        documents = [as_document(match) for match in matches]
        click.echo(json.dumps({"channel": f"{channel}:{account}", "payouts": documents}, indent=2))
    else:
        click.echo(as_text(f"{channel}:{account}", matches, read))
    if not all(match.agrees for match in matches):
        raise SystemExit(1)
