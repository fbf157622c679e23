"""``orderhub demo`` on both databases: what it loads goes through the hub's own paths (the shops' webhooks, the
supplier's X12 files), adds up, and the demo never touches a database that holds real orders."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from hub.canonical import Order
from hub.db.models import (
    ChannelAccount,
    EdiInterchange,
    EdiTransaction,
    InboxMessage,
    InventoryLedgerEntry,
    InventoryLevel,
    LineQuantityRecord,
    OrderEvent,
    OrderRecord,
    SupplierPurchaseOrder,
)
from hub.db.models.base import as_utc, utcnow
from hub.db.session import Database
from hub.demo import DemoOptions, DemoRefused, load_demo
from hub.demo.guard import contents
from hub.edi.supplier_watch import ACK_OVERDUE
from hub.orders.store import add_order
from hub.web.app import create_app
from tests.console.conftest import Console
from tests.routing.builders import order_data

COMMAND = ("-m", "hub")  # the orderhub command


def orderhub(database_url: str, tmp_path: Path, *args: str) -> tuple[int, str]:
    """``orderhub ARGS`` as a user runs it; returns the exit code and what it printed (out and err)."""
    env = {**os.environ, "HUB_DATABASE_URL": database_url, "HUB_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, *COMMAND, *args], env=env, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout + done.stderr


def run(database_url: str, tmp_path: Path, *args: str) -> tuple[int, str]:
    return orderhub(database_url, tmp_path, "demo", *args)


def printed_counts(output: str) -> dict[str, int]:
    counts = {}
    for line in output.splitlines():
        name, sep, value = line.strip().partition(": ")
        if sep and value.isdigit():
            counts[name] = int(value)
    return counts


def test_demo_loads_and_prints_what_the_database_holds(database_url: str, tmp_path: Path) -> None:
    code, output = run(database_url, tmp_path, "--orders", "30")
    assert code == 0, output
    counts = printed_counts(output)
    database = Database(database_url)
    with database.session() as session:
        assert counts["orders"] == session.scalar(select(func.count()).select_from(OrderRecord)) == 29  # 1 failed
    assert counts["locations"] == 4 and counts["channel accounts"] == 2 and counts["SKUs"] > 300
    assert counts["shipments"] > 0 and counts["returns"] >= 1
    assert counts["dead deliveries"] == 0 and counts["failed inbox messages"] == 1 and counts["orders on hold"] == 1
    assert "orderhub deliveries list --status cancelled" in output
    assert (tmp_path / "data" / "demo" / "secrets" / "shopify-webhook.secret").exists()


def test_every_order_adds_up_and_nothing_is_oversold(database_url: str, tmp_path: Path) -> None:
    database = Database(database_url)
    load_demo(database, tmp_path, DemoOptions(orders=40))
    with database.session() as session:
        for line in session.scalars(select(LineQuantityRecord)):
            assert line.shipped + line.cancelled <= line.ordered, line.line_id
            assert line.restocked <= line.returned <= line.delivered <= line.shipped, line.line_id
        sums = select(
            InventoryLedgerEntry.location_id,
            InventoryLedgerEntry.sku,
            InventoryLedgerEntry.bucket,
            func.sum(InventoryLedgerEntry.delta),
        )
        ledger = {
            (location, sku, bucket): int(total)
            for location, sku, bucket, total in session.execute(
                sums.group_by(InventoryLedgerEntry.location_id, InventoryLedgerEntry.sku, InventoryLedgerEntry.bucket)
            )
        }
        for level in session.scalars(select(InventoryLevel)):
            key = (level.location_id, level.sku)
            assert level.on_hand == ledger.get((*key, "on_hand"), 0), key
            assert level.committed == ledger.get((*key, "committed"), 0), key
            assert 0 <= level.committed <= level.on_hand, key


def test_a_second_run_refuses_and_reset_reloads(database_url: str, tmp_path: Path) -> None:
    assert run(database_url, tmp_path, "--orders", "12")[0] == 0
    before = contents(Database(database_url))
    code, output = run(database_url, tmp_path, "--orders", "12")
    assert code != 0 and output.count("\n") == 1 and "--reset" in output, output
    assert contents(Database(database_url)) == before
    code, output = run(database_url, tmp_path, "--orders", "15", "--reset")
    assert code == 0, output
    assert contents(Database(database_url)).orders == 14


def test_a_real_order_refuses_and_changes_nothing(database_url: str, tmp_path: Path) -> None:
    database = Database(database_url)
    short = {"channel_order_id": "77", "number": "#77", "lines": [{"line_id": "1", "sku": "A", "quantity": 1}]}
    with database.session() as session:
        add_order(session, Order.model_validate(order_data(short)), account="main")
    with pytest.raises(DemoRefused, match="not demo data"):
        load_demo(database, tmp_path, DemoOptions(orders=5, reset=True))
    found = contents(database)
    assert (found.orders, found.demo_accounts) == (1, 0)
    assert not (tmp_path / "demo").exists()


def test_the_shops_promise_ship_by_days_and_the_supplier_answers_through_edi_intake(
    make_settings: Any, database_url: str, tmp_path: Path
) -> None:
    database = Database(database_url)
    load_demo(database, tmp_path, DemoOptions(orders=40))
    with database.session() as session:
        promises = {
            row.channel: row.settings.get("ship_within_days") for row in session.scalars(select(ChannelAccount))
        }
        orders = session.scalars(select(OrderRecord)).all()
        assert promises == {"shopify": 1, "woocommerce": 2}
        assert orders and all(
            order.ship_by is not None and order.ship_by > as_utc(order.placed_at).date() for order in orders
        )
        files = session.execute(
            select(InboxMessage.source, InboxMessage.status, func.count())
            .where(InboxMessage.channel == "x12")
            .group_by(InboxMessage.source, InboxMessage.status)
        ).all()
        inbound = dict(
            session.execute(
                select(EdiTransaction.set_id, func.count())
                .where(EdiTransaction.direction == "in", EdiTransaction.status == "applied")
                .group_by(EdiTransaction.set_id)
            ).all()
        )
        pos = dict(
            session.execute(
                select(SupplierPurchaseOrder.status, func.count()).group_by(SupplierPurchaseOrder.status)
            ).all()
        )
    assert [(source, status) for source, status, _n in files] == [("mailbox", "processed")]
    assert inbound["855"] == pos["rejected"] + pos["shipped"] + pos.get("accepted", 0) and inbound["856"] >= 1
    assert pos["rejected"] == 1 and pos["open"] == 1 and pos["shipped"] >= 1
    sent = sorted((tmp_path / "demo" / "edi-lumen" / "to-lumen").iterdir())
    acknowledgments = [path for path in sent if "ST*997*" in path.read_text()]
    assert len(acknowledgments) == sum(n for _s, _t, n in files)  # the hub sent a 997 for every file
    assert not any((tmp_path / "demo" / "edi-lumen" / "from-lumen").iterdir())  # every file taken in
    console = Console(create_app(make_settings(database_url=database_url)).test_client(), database)
    the_unanswered_po_is_overdue_at_once(console, tmp_path)


def the_unanswered_po_is_overdue_at_once(console: Console, tmp_path: Path) -> None:
    """Right after loading, the PO Lumen never answered went out longer ago than its 4-hour window: the
    console's dashboard, ``orderhub supplier pos --overdue`` and the order's timeline say it is overdue."""
    with console.database.session() as session:
        [late] = session.scalars(select(SupplierPurchaseOrder).where(SupplierPurchaseOrder.status == "open")).all()
        sent = session.scalars(
            select(EdiInterchange).where(
                EdiInterchange.direction == "out",
                EdiInterchange.partner_id == late.partner_id,
                EdiInterchange.control_number == late.interchange_control_number,
            )
        ).one()
        timeline = session.scalars(select(OrderEvent.type).where(OrderEvent.order_id == late.order_id)).all()
    assert sent.status == "sent" and sent.sent_at is not None
    assert as_utc(sent.sent_at) + timedelta(hours=4) < utcnow()  # sent longer ago than Lumen's window
    assert as_utc(late.ack_due_at) < utcnow() and ACK_OVERDUE in timeline

    console.as_role("viewer")
    overdue = console.page("/console/").split("EDI acknowledgments overdue", 1)[1].split("</table>", 1)[0]
    assert late.po_number in overdue and late.order_id in overdue
    code, listed = orderhub(console.database.url, tmp_path, "supplier", "pos", "--overdue")
    assert code == 0 and late.po_number in listed and "ACK OVERDUE" in listed, listed
