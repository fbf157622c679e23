"""The whole loop with a drop-ship supplier: the hub sends its 850 through the supplier's mailbox, the supplier
answers with a 997 and an 856 in the same mailbox, and both land where they belong."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub.canonical import Order
from hub.channels.process import process_message
from hub.db.models import EdiInterchange, EdiTransaction, OrderEvent
from hub.db.session import Database
from hub.edi.dispatch import queue_documents
from hub.edi.outbound import OutboundInvalid
from hub.edi.partners import parse_profile, save_partner
from hub.edi.reader import read_interchanges
from hub.edi.transports.poll import poll_partner
from hub.edi.transports.send import send_interchange
from hub.errors import InputRejected
from hub.orders.store import add_order
from tests.edi.x12text import group, interchange, transaction
from tests.processes import hub_env

EXAMPLE = Path(__file__).resolve().parents[1] / "canonical" / "examples" / "order.v1.json"
SUPPLIER = {"sender": "WIDGETSUPPLY", "receiver": "ORDERHUB"}


@pytest.fixture
def supplier(database: Database, tmp_path: Path) -> Path:
    folders = {"inbound": str(tmp_path / "from-supplier"), "outbound": str(tmp_path / "to-supplier")}
    for folder in folders.values():
        Path(folder).mkdir()
    profile: dict[str, Any] = {
        "theirs": {"qualifier": "ZZ", "id": "WIDGETSUPPLY", "gs_id": "WIDGETSUPPLY"},
        "ours": {"qualifier": "ZZ", "id": "ORDERHUB", "gs_id": "ORDERHUB"},
        "control_version": "00401",
        "gs_version": "004010",
        "items": [{"partner_item": "W-BLK-M", "sku": "TEE-BLK-M", "qualifier": "VN"}],
        "transports": [{"type": "mailbox", **folders}],
    }
    with database.session() as session:
        save_partner(session, "widgets", name="Widget Supply", kind="supplier", profile=parse_profile(profile))
    return tmp_path


def stored_order(database: Database, **changes: Any) -> Order:
    data = json.loads(EXAMPLE.read_text()) | {"id": None, "po_number": "DS-1001"} | changes
    data["lines"] = [line for line in data["lines"] if line.get("sku")]
    with database.session() as session:
        return add_order(session, Order.model_validate(data), account="main")


def test_a_purchase_order_goes_out_and_the_suppliers_997_and_856_come_back(database: Database, supplier: Path) -> None:
    order = stored_order(database)
    with database.session() as session:
        queued = queue_documents(session, "widgets", [order])
        queued_id = queued.id
    assert send_interchange(database, queued_id).status == "sent"
    (sent,) = (supplier / "to-supplier").iterdir()
    (ours,) = read_interchanges(sent.read_bytes())
    assert (ours.sender_id, ours.receiver_id) == ("ORDERHUB", "WIDGETSUPPLY")
    (po_group,) = ours.groups
    (po,) = po_group.transactions
    assert any(s.id == "BEG" and s.element(3) == "DS-1001" for s in po.segments)
    # the supplier's item number from the cross-reference travels beside our SKU
    assert any(s.id == "PO1" and "W-BLK-M" in s.elements for s in po.segments)

    ack = transaction(
        "997", "0001", f"AK1*PO*{po_group.control_number}", f"AK2*850*{po.control_number}", "AK5*A", "AK9*A*1*1*1"
    )
    asn = transaction(
        "856",
        "0001",
        "BSN*00*ASN-77*20261122*0930",
        "HL*1**S",
        "TD5**2*FDEG",
        "REF*CN*7489001",
        "HL*2*1*O",
        "PRF*DS-1001",
        "HL*3*2*I",
        "LIN**VN*W-BLK-M",
        "SN1**1*EA",
        "CTT*3",
    )
    reply = interchange(
        group("FA", 41, ack, **SUPPLIER), group("SH", 42, asn, **SUPPLIER), control_number=4, **SUPPLIER
    )
    inbound = supplier / "from-supplier" / "reply.x12"
    inbound.write_bytes(reply)
    os.utime(inbound, (0, 0))  # settled long ago: the poll takes it
    (inbox_id,) = poll_partner(database, "widgets").stored
    outcome = process_message(database, inbox_id)
    assert outcome.status == "processed", outcome.detail
    with database.session() as session:
        sent_set = session.scalars(select(EdiTransaction).where(EdiTransaction.direction == "out")).one()
        assert (sent_set.reference, sent_set.order_id, sent_set.ack_status) == ("DS-1001", order.id, "accepted")
        reported = session.scalars(select(OrderEvent).where(OrderEvent.type == "order.shipment_reported")).one()
        assert reported.order_id == order.id
        assert reported.data["document"]["tracking_numbers"] == ["7489001"]
        assert session.get(EdiInterchange, queued_id).status == "sent"  # type: ignore[union-attr]


def test_a_document_that_cannot_be_sent_registers_nothing(database: Database, supplier: Path) -> None:
    order = stored_order(database, po_number=None)
    with database.session() as session, pytest.raises(OutboundInvalid, match="po_number"):
        queue_documents(session, "widgets", [order])
    with database.session() as session:
        assert session.scalars(select(EdiInterchange)).all() == []


def test_a_partner_without_a_transport_is_refused(database: Database) -> None:
    profile = {
        "theirs": {"qualifier": "ZZ", "id": "NOWHERE", "gs_id": "NOWHERE"},
        "ours": {"qualifier": "ZZ", "id": "ORDERHUB", "gs_id": "ORDERHUB"},
        "control_version": "00401",
        "gs_version": "004010",
    }
    with database.session() as session:
        save_partner(session, "nowhere", name="Nowhere", kind="supplier", profile=parse_profile(profile))
    order = stored_order(database)
    with database.session() as session, pytest.raises(InputRejected, match="no transport to send through"):
        queue_documents(session, "nowhere", [order])


def test_send_and_register_from_the_command_line(database_url: str, supplier: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    order = stored_order(Database(database_url))
    document = tmp_path / "order.json"
    document.write_text(order.model_dump_json())
    env = hub_env(HUB_DATA_DIR=str(tmp_path), HUB_DATABASE_URL=database_url)

    def orderhub(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "hub", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    sent = orderhub("edi", "send", "widgets", str(document), "--set", "940")
    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout)["status"] == "pending"
    listed = [json.loads(line) for line in orderhub("edi", "register", "--partner", "widgets").stdout.splitlines()]
    assert [(row["direction"], row["status"], [s["set_id"] for s in row["sets"]]) for row in listed] == [
        ("out", "pending", ["940"])
    ]
    assert listed[0]["sets"][0]["ack_status"] == "awaiting"
    bad = orderhub("edi", "send", "widgets", str(tmp_path / "order.json"), "--set", "999")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
