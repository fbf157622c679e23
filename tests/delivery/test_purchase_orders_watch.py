"""The supplier's acknowledgment watched against its agreed time, and the ``orderhub supplier`` and
``orderhub deliveries list`` views of drop-ship purchase orders and invoices."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub.cli import main
from hub.db.models import SupplierPurchaseOrder
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.edi.supplier_watch import flag_overdue
from tests.delivery.test_purchase_orders import add_supplier, drop_shipped, events, receive, sent_po


@pytest.fixture
def orderhub(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HUB_DATABASE_URL", database_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))

    def run_command(*args: str, fails: bool = False) -> tuple[str, str]:
        if fails:
            with pytest.raises(SystemExit) as exited:
                main(list(args))
            assert exited.value.code not in (0, None)
        else:
            main(list(args))
        captured = capsys.readouterr()
        return captured.out, captured.err

    return run_command


def time_passes(database: Database, hours: int) -> None:
    """Move every PO's send time and due time ``hours`` back (what the clock would do)."""
    with database.session() as session:
        for row in session.scalars(select(SupplierPurchaseOrder)):
            assert row.ack_due_at is not None
            row.ack_due_at -= timedelta(hours=hours)
            row.created_at -= timedelta(hours=hours)


def flag(database: Database) -> list[str]:
    with database.session() as session:
        return flag_overdue(session, utcnow())


def test_a_po_not_acknowledged_in_the_agreed_time_is_flagged_on_the_order_and_in_the_listings(
    database: Database, tmp_path: Path, orderhub: Any
) -> None:
    supplier = add_supplier(database, tmp_path, "sup1")  # ack_within 4h, by its 855
    order_id, _fo_id = drop_shipped(database)
    po = sent_po(database, supplier)
    assert flag(database) == []
    supplier.acknowledge(po)  # a 997 is not what this supplier's terms count
    receive(database, "sup1")
    time_passes(database, 5)

    assert flag(database) == [po.po_number]
    assert flag(database) == []  # noted once
    (overdue,) = events(database, order_id, "purchase_order.ack_overdue")
    assert po.po_number in overdue["reason"] and overdue["ack_by"] == "855"
    out, _ = orderhub("deliveries", "list")
    assert "ACK OVERDUE" in out
    (listed,) = [json.loads(line) for line in orderhub("deliveries", "list", "--json")[0].splitlines()]
    assert (listed["operation"], listed["external_id"], listed["ack_overdue"]) == (
        "purchase_order.submit",
        po.po_number,
        True,
    )
    assert po.po_number in orderhub("supplier", "pos", "--overdue")[0]

    supplier.answer(po)
    receive(database, "sup1")
    assert "ACK OVERDUE" not in orderhub("deliveries", "list")[0]
    assert orderhub("supplier", "pos", "--overdue")[0].strip() == "no purchase orders match"


def test_a_supplier_acknowledging_by_997_is_not_overdue_once_its_997_came(
    database: Database, tmp_path: Path, orderhub: Any
) -> None:
    supplier = add_supplier(database, tmp_path, "sup1", ack_by="997", ack_within="1h")
    drop_shipped(database)
    po = sent_po(database, supplier)
    supplier.acknowledge(po)
    receive(database, "sup1")
    time_passes(database, 2)
    assert flag(database) == []
    assert "ACK OVERDUE" not in orderhub("deliveries", "list")[0]


def test_supplier_terms_and_invoices_from_the_command_line(database: Database, tmp_path: Path, orderhub: Any) -> None:
    supplier = add_supplier(database, tmp_path, "sup1")
    out, _ = orderhub("supplier", "terms", "sup1", "--ack-within", "2d", "--cost", "LAMP=7.25", "--cost", "SHADE=3")
    saved = json.loads(out)["supplier"]
    assert (saved["ack_within"], saved["costs"], saved["cancel_with"]) == ("2d", {"LAMP": "7.25", "SHADE": "3"}, "850")
    _, err = orderhub("supplier", "terms", "sup1", "--ack-within", "soon", fails=True)
    assert "soon" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    _, err = orderhub("supplier", "terms", "nobody", "--ack-within", "2d", fails=True)
    assert "nobody" in err

    drop_shipped(database)
    po = sent_po(database, supplier)
    assert po.lines[0].price == Decimal("7.25")
    supplier.answer(po)
    supplier.ship([(po, [{"1": 2}])], trackings=["1ZCLI0000000000001"])
    supplier.invoice(po, prices={"1": Decimal("7.95")}, invoice_number="INV-CLI")
    receive(database, "sup1")
    out, _ = orderhub("supplier", "invoices", "--exceptions")
    assert "INV-CLI" in out and "exception: line 1: invoiced at 7.95 USD, the PO price is 7.25" in out
    (listed,) = [json.loads(line) for line in orderhub("supplier", "invoices", "--json")[0].splitlines()]
    assert (listed["po_number"], listed["status"], listed["total"]) == (po.po_number, "exceptions", "15.90")


def test_a_po_shipped_without_an_855_is_not_flagged_overdue(database: Database, tmp_path: Path) -> None:
    supplier = add_supplier(database, tmp_path, "sup1")
    drop_shipped(database)
    po = sent_po(database, supplier)
    supplier.ship([(po, [{"1": 2}])], trackings=["1ZQUIET00000000001"])
    receive(database, "sup1")
    time_passes(database, 5)
    assert flag(database) == []
