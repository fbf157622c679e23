"""``orderhub deliveries``: what the hub owes its partners, each try at it, and replaying what died.

::

    orderhub deliveries list --status dead --connector shipstation
    orderhub deliveries show 42                       # the delivery and every attempt
    orderhub deliveries replay 42                     # one dead (or cancelled) delivery, sent now
    orderhub deliveries replay --dead --connector shipstation:main --since 2h
    orderhub deliveries cancel 42

``replay`` makes the deliveries pending with a fresh retry budget and sends them from this process at once
(the same engine the workers run), showing progress and ending with one summary line; what is left to
publish afterwards (orders routed again, new deliveries) goes to the broker, or to the sweeps if it is down.
"""

from __future__ import annotations

import json
import sys
from collections import Counter

import click
from sqlalchemy import select

from hub.cli.context import Context
from hub.cli.orders import parse_since
from hub.db.models import Delivery, DeliveryStatus
from hub.db.models.base import utcnow
from hub.delivery import replay as actions
from hub.delivery.config import EngineConfig
from hub.delivery.engine import Report, deliver
from hub.delivery.outbox import PO_SUBMIT
from hub.delivery.views import delivery_details, delivery_summary
from hub.edi.supplier_watch import overdue_po_numbers
from hub.errors import InputRejected
from hub.runtime import Runtime

STATUSES = [status.value for status in DeliveryStatus]


@click.group("deliveries")
def group() -> None:
    """Deliveries to partners: list, show with attempts, replay dead ones, cancel."""


@group.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only deliveries in this status.")
@click.option("--connector", help="Only deliveries to this connector (shipstation) or destination (shipstation:main).")
@click.option("--order", "order_id", help="Only deliveries for this order (ord_...).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
def list_deliveries(
    ctx: Context, status: str | None, connector: str | None, order_id: str | None, limit: int, as_json: bool
) -> None:
    """The newest deliveries, one per line."""
    query = actions.listing(status=status, connector=connector, order_id=order_id).limit(limit)
    with Runtime(ctx.settings).database.session() as session:
        rows = [delivery_summary(row) for row in session.scalars(query)]
        sent_pos = [row["external_id"] for row in rows if row["operation"] == PO_SUBMIT]
        overdue = overdue_po_numbers(session, sent_pos, utcnow())  # POs the supplier has not acknowledged in time
    for row in rows:
        row["ack_overdue"] = row["operation"] == PO_SUBMIT and row["external_id"] in overdue
        if as_json:
            click.echo(json.dumps(row))
            continue
        due = f" next {row['next_attempt_at']}" if row["next_attempt_at"] else ""
        due += f"  ACK OVERDUE (due {overdue[row['external_id']].isoformat()})" if row["ack_overdue"] else ""
        error = f"  {(row['last_error'] or '')[:100]}" if row["last_error"] and row["status"] != "delivered" else ""
        click.echo(
            f"{row['id']:>8}  {row['status']:<10} {row['operation']:<26} {row['destination']:<24} "
            f"{row['order_id'] or '-':<30} attempts {row['attempts']}{due}{error}"
        )
    if not rows and not as_json:
        click.echo("no deliveries match")


@group.command("show")
@click.argument("delivery_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="The delivery, its payload and attempts as JSON.")
@click.pass_obj
def show(ctx: Context, delivery_id: int, as_json: bool) -> None:
    """One delivery with every attempt at it."""
    with Runtime(ctx.settings).database.session() as session:
        shown = delivery_details(session, actions.get_delivery(session, delivery_id))
    attempts, payload = shown.pop("attempts"), shown.pop("payload")
    if as_json:
        click.echo(json.dumps(shown | {"attempts": attempts, "payload": payload}, indent=2, ensure_ascii=False))
        return
    for key, value in shown.items():
        if value is not None:
            click.echo(f"{key}: {value}")
    click.echo(f"attempts ({len(attempts)}):" if attempts else "attempts: none yet")
    for attempt in attempts:
        code = f" HTTP {attempt['status_code']}" if attempt["status_code"] else ""
        detail = attempt["error"] or attempt["response_excerpt"] or ""
        click.echo(f"  #{attempt['number']} {attempt['started_at']} {attempt['outcome']}{code} {detail}".rstrip())


@group.command("replay")
@click.argument("delivery_id", type=int, required=False)
@click.option("--dead", is_flag=True, help="Every dead delivery (narrowed by --connector and --since).")
@click.option("--connector", help="With --dead: only this connector (shipstation) or destination (shipstation:main).")
@click.option("--since", help="With --dead: only those whose last attempt was since then (2h, 7d, 2026-11-22).")
@click.pass_obj
def replay(ctx: Context, delivery_id: int | None, dead: bool, connector: str | None, since: str | None) -> None:
    """Send DELIVERY_ID again now, or every dead delivery with --dead."""
    if (delivery_id is None) == (not dead):
        raise InputRejected("give one DELIVERY_ID, or --dead (with --connector and --since to narrow it)")
    if delivery_id is not None and (connector or since):
        raise InputRejected("--connector and --since go with --dead, not with a DELIVERY_ID")
    runtime = Runtime(ctx.settings)
    with runtime.database.session() as session:
        if delivery_id is not None:
            actions.check_replayable(session, delivery_id)
            ids = [delivery_id]
        else:
            ids = actions.dead_deliveries(session, connector=connector, since=parse_since(since) if since else None)
        actions.make_pending(session, ids)
    if not ids:
        click.echo("no dead deliveries match: nothing to replay")
        return
    report = _send_now(runtime, ids)
    _publish(runtime, report)
    click.echo(_summary_line(runtime, ids, report))
    if report.outcomes.get("delivered", 0) + report.outcomes.get("already_delivered", 0) < len(ids):
        raise SystemExit(1)


def _send_now(runtime: Runtime, ids: list[int]) -> Report:
    config = EngineConfig.from_settings(runtime.settings.worker)
    report = Report()
    with click.progressbar(length=len(ids), label="replaying", file=sys.stderr) as bar:
        for start in range(0, len(ids), config.chunk):
            chunk = ids[start : start + config.chunk]
            report.merge(deliver(runtime.database, chunk, config))
            bar.update(len(chunk))
    return report


def _publish(runtime: Runtime, report: Report) -> None:
    if not report.after.routes and not report.after.deliveries:
        return
    from hub.worker.app import create_celery
    from hub.worker.tasks.deliver import publish_after

    try:
        publish_after(create_celery(runtime.settings, runtime), report.after)
    except Exception:  # noqa: BLE001 - the routing and delivery sweeps pick up what was not published
        click.echo("the broker did not answer: the sweeps route and send what this left", err=True)


def _summary_line(runtime: Runtime, ids: list[int], report: Report) -> str:
    with runtime.database.session() as session:
        statuses = Counter(session.scalars(select(Delivery.status).where(Delivery.id.in_(ids))))
    parts = [f"{statuses.get(DeliveryStatus.DELIVERED, 0)} delivered"]
    waiting = statuses.get(DeliveryStatus.PENDING, 0)
    if waiting:
        held = len(ids) - report.claimed
        parts.append(
            f"{waiting} pending ({held} held: destination paused or its breaker open)"
            if held
            else f"{waiting} pending (to retry)"
        )
    for status in (DeliveryStatus.DEAD, DeliveryStatus.CANCELLED):
        if statuses.get(status):
            parts.append(f"{statuses[status]} {status}")
    return f"replayed {len(ids)} deliveries: " + ", ".join(parts)


@group.command("cancel")
@click.argument("delivery_id", type=int)
@click.option("--reason", default="no longer wanted", show_default=True)
@click.pass_obj
def cancel(ctx: Context, delivery_id: int, reason: str) -> None:
    """Withdraw DELIVERY_ID (pending or dead); it is not sent again unless replayed."""
    with Runtime(ctx.settings).database.session() as session:
        actions.cancel(session, delivery_id, reason)
    click.echo(f"delivery {delivery_id} cancelled")
