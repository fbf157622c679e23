"""A 999 a 00501 partner sends about sets the hub sent: IK5 sets each set's acknowledgment status in the
register, as AK5 does in a 997 (hub.edi.functional_acks through hub.edi.inbound)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.channels.process import process_message
from hub.db.models import EdiTransaction
from hub.db.session import Database
from hub.edi.intake import store_x12
from hub.edi.partners import parse_profile, save_partner
from hub.edi.register import QueuedSet, queue_outbound
from tests.edi.x12text import group, interchange, transaction


@pytest.fixture
def globex(database: Database) -> Database:
    profile = {
        "theirs": {"qualifier": "ZZ", "id": "GLOBEXHEALTH", "gs_id": "GLOBEXHEALTH"},
        "ours": {"qualifier": "ZZ", "id": "WIDGETSUPPLY", "gs_id": "WIDGETSUPPLY"},
        "control_version": "00501",
        "gs_version": "005010",
    }
    with database.session() as session:
        save_partner(session, "globex", name="Globex", kind="trading_partner", profile=parse_profile(profile))
        queue_outbound(
            session,
            partner_id="globex",
            text="ISA...",
            control_number="000000031",
            sender="ZZ:WIDGETSUPPLY",
            receiver="ZZ:GLOBEXHEALTH",
            usage="P",
            kind="documents",
            sets=[
                QueuedSet("850", "PO", "31", "005010", "0001", "PO-31-A"),
                QueuedSet("850", "PO", "31", "005010", "0002", "PO-31-B"),
            ],
        )
    return database


def _receive_999(database: Database, *segments: str) -> None:
    ack = transaction("999", "0001", "AK1*PO*31*005010", *segments).replace("ST*999*0001~", "ST*999*0001*005010X231A1~")
    body = interchange(
        group("FA", 6, ack, sender="GLOBEXHEALTH", version="005010X231A1"),
        control_number=6,
        sender="GLOBEXHEALTH",
        version="00501",
    )
    with database.session() as session:
        inbox_id, _ = store_x12(session, source="cli", body=body, partner_id="globex")
    outcome = process_message(database, inbox_id)
    assert outcome.status == "processed" and outcome.outbound == ()  # an acknowledgment is never acknowledged


def _sent(database: Database) -> list[tuple[str, str | None, list[str] | None, bool]]:
    with database.session() as session:
        rows = session.scalars(
            select(EdiTransaction).where(EdiTransaction.direction == "out").order_by(EdiTransaction.control_number)
        )
        return [(r.control_number, r.ack_status, r.ack_codes, r.ack_interchange_id is not None) for r in rows]


def test_a_999_sets_the_acknowledgment_status_of_each_set_we_sent(globex: Database) -> None:
    _receive_999(
        globex,
        "AK2*850*0001*005010",
        "IK3*PO1*4**8",
        "IK4*4*212*I12*ABC",
        "IK5*R*5",
        "AK2*850*0002*005010",
        "IK5*E*I5",  # a guide's own code: kept as sent
        "AK9*P*2*2*1",
    )
    assert _sent(globex) == [
        ("0001", "rejected", ["R", "5"], True),
        ("0002", "accepted_with_errors", ["E", "I5"], True),
    ]


def test_a_999_without_set_loops_gives_every_set_the_group_verdict(globex: Database) -> None:
    _receive_999(globex, "AK9*A*2*2*2")
    assert [(number, status) for number, status, *_ in _sent(globex)] == [("0001", "accepted"), ("0002", "accepted")]
