"""The partners page: each X12 partner with its interchanges in and out, control numbers, what its 997 said
of each set we sent (overdue when a supplier's PO acknowledgment is late), the raw X12, and replay of a
failed inbound file through the same replay the API and CLI use."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from hub.channels.process import process_message
from hub.db.models import EdiInterchange, EdiTransaction, InboxMessage, OrderRecord, SupplierPurchaseOrder
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.edi.intake import store_x12
from hub.edi.partners import parse_profile, save_partner
from tests.console.conftest import Console
from tests.edi.test_inbound import profile
from tests.edi.x12text import group, interchange, purchase_order, transaction
from tests.sql_statements import reads_of, statements


def receive_file(database: Database, body: bytes, partner: str | None) -> int:
    with database.session() as session:
        inbox_id, _ = store_x12(session, source="cli", body=body, partner_id=partner)
    process_message(database, inbox_id)
    return inbox_id


def _sent(database: Database, control: str, po: str, ack: str, codes: list[str], partner: str = "acme") -> None:
    """An 850 we sent to a partner (acme), with what its 997 said of it."""
    with database.session() as session:
        row = EdiInterchange(
            direction="out", partner_id=partner, control_number=control, sender="ZZ:WIDGETSUPPLY",
            receiver="ZZ:ACMERETAIL", usage="P", status="sent", kind="documents", text=f"ISA*{control}*SENT~",
        )  # fmt: skip
        session.add(row)
        session.flush()
        session.add(
            EdiTransaction(
                interchange_id=row.id,
                direction="out",
                partner_id=partner,
                functional_id="PO",
                group_control_number=control[-1],
                gs_version="004010",
                set_id="850",
                control_number="0001",
                reference=po,
                status="sent",
                ack_status=ack,
                ack_codes=codes,
            )  # fmt: skip
        )


def _overdue_po(database: Database, po: str, control: str) -> None:
    with database.session() as session:
        session.add(
            SupplierPurchaseOrder(
                po_number=po,
                fulfillment_order_id=f"ful_{po}",
                order_id="ord_x",
                partner_id="acme",
                location_id="drop",
                status="open",
                currency="USD",
                lines=[],
                interchange_control_number=control,
                set_control_number="0001",
                ack_by="855",
                ack_due_at=utcnow() - timedelta(hours=2),
            )  # fmt: skip
        )


def test_partners_with_interchanges_acknowledgments_and_raw_x12(console: Console) -> None:
    console.as_role("viewer")
    with console.database.session() as session:
        save_partner(session, "acme", name="Acme Retail", kind="trading_partner", profile=parse_profile(profile()))
    good = interchange(group("PO", 1, purchase_order("PO-1", ("VN:SKU-1", 2, "3.50"))), control_number=11)
    receive_file(console.database, good, "acme")
    _sent(console.database, "000000201", "PO-A", "accepted", ["A"])
    _sent(console.database, "000000202", "PO-R", "rejected", ["R", "5"])
    _sent(console.database, "000000203", "PO-LATE", "awaiting", [])
    _overdue_po(console.database, "PO-LATE", "000000203")

    page = console.page("/console/partners")
    assert "Acme Retail" in page and "trading_partner" in page
    assert "000000011" in page and "PO-1" in page and "applied" in page  # received, its set applied
    for po, state in (("PO-A", "accepted"), ("PO-R", "rejected"), ("PO-LATE", "overdue")):
        row = page.split(po, 1)[1].split("</li>", 1)[0]
        assert f'class="state-{state}">{state}<' in row, (po, row)
    assert "accepted</span> 1" in page and "rejected</span> 1" in page and "awaiting</span> 1" in page
    assert ">Replay<" not in page  # a viewer, and nothing failed

    with console.database.session() as session:
        sent_id = session.scalars(select(EdiInterchange.id).where(EdiInterchange.control_number == "000000202")).one()
        got_id = session.scalars(select(EdiInterchange.id).where(EdiInterchange.control_number == "000000011")).one()
    assert "ISA*000000202*SENT~" in console.page(f"/console/interchanges/{sent_id}")
    raw = console.page(f"/console/interchanges/{got_id}")
    assert "BEG*00*SA*PO-1**20261120" in raw and "ST*850*0001" in raw
    assert console.client.get("/console/interchanges/999999").status_code == 404


def test_failed_inbound_files_are_replayed_from_the_partners_page(console: Console) -> None:
    console.as_role("operator")
    with console.database.session() as session:
        save_partner(session, "acme", name="Acme Retail", kind="trading_partner", profile=parse_profile(profile()))
    asn = transaction("856", "0001", "BSN*00*SHIP-2*20261122*0930", "HL*1**S", "HL*2*1*O", "PRF*NOPE", "CTT*2")
    unknown_po = receive_file(console.database, interchange(group("SH", 4, asn), control_number=4), "acme")
    stranger = interchange(
        group("PO", 1, purchase_order("PO-NEW", ("VN:SKU-9", 1, "1.00")), sender="NEWCO"), sender="NEWCO",
        control_number=5,
    )  # fmt: skip
    unknown_sender = receive_file(console.database, stranger, None)

    page = console.page("/console/partners")
    assert "names PO &#39;NOPE&#39;, which matches no single order" in page
    assert "unknown sender" in page and "no partner has this sender id" in page
    assert f'name="only" value="{unknown_po}"' in page and f'name="only" value="{unknown_sender}"' in page
    assert "PRF*NOPE" in console.page(f"/console/inbox/{unknown_po}")
    part = console.page("/console/partners/failed-files")  # polled by the page, so new failures show up live
    assert 'hx-trigger="every 10s"' in part and "unknown sender" in part and "Acme Retail" not in part

    with console.database.session() as session:  # the missing partner is added, then its file replayed
        newco = profile(theirs={"qualifier": "ZZ", "id": "NEWCO", "gs_id": "NEWCO"})
        save_partner(session, "newco", name="New Co", kind="trading_partner", profile=parse_profile(newco))
    for inbox_id in (unknown_sender, unknown_po):
        answer = console.post("/console/inbox/replay", {"only": str(inbox_id), "back": "/console/partners"})
        assert answer.headers["Location"].endswith("/console/partners")
        after = console.page("/console/partners")
        flashed = re.findall(r'<p class="flash [^"]+" role="status">([^<]*)</p>', after)
        assert flashed == [f"replayed messages {inbox_id}"], flashed
    with console.database.session() as session:
        assert session.get(InboxMessage, unknown_sender).status == "processed"  # type: ignore[union-attr]
        assert session.get(InboxMessage, unknown_po).attempts == 2  # type: ignore[union-attr]  # still lacks its PO
        assert session.scalars(select(OrderRecord.po_number)).all() == ["PO-NEW"]
    assert f'name="only" value="{unknown_sender}"' not in after and f'name="only" value="{unknown_po}"' in after


def test_the_partners_page_reads_every_partner_s_interchanges_at_once(console: Console) -> None:
    console.as_role("viewer")
    for n, name in enumerate(("acme", "bolt", "cork")):
        theirs = {"qualifier": "ZZ", "id": f"P{n}", "gs_id": f"P{n}"}
        with console.database.session() as session:
            save_partner(session, name, name=name.title(), kind="trading_partner",
                         profile=parse_profile(profile(theirs=theirs)))  # fmt: skip
        for k in range(12 if name == "acme" else 1):
            _sent(console.database, f"0000{n}{k:04d}", f"PO-{name}-{k}", "accepted", ["A"], partner=name)
    with statements() as seen:
        page = console.page("/console/partners")
    acme = page.split("Recent interchanges with Acme", 1)[1].split("</table>", 1)[0]
    assert "PO-acme-11:" in acme and "PO-acme-2:" in acme and "PO-acme-1:" not in acme  # its 10 newest
    assert "PO-bolt-0" in page and "PO-cork-0" in page and "accepted</span> 12" in page
    assert reads_of(seen, "edi_interchanges") == 1 and reads_of(seen, "edi_transactions") == 2  # acks, sets
