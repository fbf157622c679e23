"""Fixtures for the X12 transport tests: partners, the OpenSSH server, and files old enough to be picked up."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub.db.models import EdiInterchange, EdiTransaction, InboxMessage
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.edi.partners import parse_profile, save_partner
from tests.edi.transports.sshd import Sshd, SshdError, start_sshd

_identities = count(1)

ISA = (
    "ISA*00*          *00*          *ZZ*ACME           *ZZ*ORDERHUB       *261121*0930*U*00401*000000905*0*P*>~"
    "GS*PO*ACME*ORDERHUB*20261121*0930*905*X*004010~ST*850*0001~BEG*00*SA*PO-1**20261121~SE*3*0001~"
    "GE*1*905~IEA*1*000000905~"
)


def add_partner(database: Database, partner_id: str, *, active: bool = True, **profile: Any) -> None:
    """An EDI partner with its own ISA identity and the profile fields given (transports, inbound_http ...)."""
    number = next(_identities)
    data: dict[str, Any] = {
        "theirs": {"qualifier": "ZZ", "id": f"PARTNER{number}", "gs_id": f"PARTNER{number}"},
        "ours": {"qualifier": "ZZ", "id": "ORDERHUB", "gs_id": "ORDERHUB"},
        "control_version": "00401",
        "gs_version": "004010",
        **profile,
    }
    with database.session() as session:
        save_partner(
            session,
            partner_id,
            name=partner_id.title(),
            kind="trading_partner",
            profile=parse_profile(data),
            active=active,
        )


def inbox(database: Database) -> list[InboxMessage]:
    with database.session() as session:
        return list(session.scalars(select(InboxMessage).order_by(InboxMessage.id)))


def outbound(database: Database, partner_id: str | None, text: str = ISA, **fields: Any) -> int:
    """A pending outbound interchange (with one transaction set) as the EDI engine queues it; its id."""
    values: dict[str, Any] = {
        "direction": "out",
        "partner_id": partner_id,
        "control_number": "000000905",
        "sender": "ZZ:ORDERHUB",
        "receiver": "ZZ:ACME",
        "usage": "P",
        "status": "pending",
        "kind": "documents",
        "text": text,
        "attempts": 0,
        "created_at": utcnow(),
    }
    with database.session() as session:
        row = EdiInterchange(**(values | fields))
        session.add(row)
        session.flush()
        session.add(
            EdiTransaction(
                interchange_id=row.id,
                direction="out",
                partner_id=partner_id,
                functional_id="PO",
                group_control_number="905",
                gs_version="004010",
                set_id="850",
                control_number="0001",
                status="pending",
                ack_status="awaiting",
                ack_codes=[],
            )
        )
        return row.id


def interchange(database: Database, interchange_id: int) -> EdiInterchange:
    with database.session() as session:
        row = session.get(EdiInterchange, interchange_id)
        assert row is not None
        return row


def set_statuses(database: Database, interchange_id: int) -> list[str]:
    with database.session() as session:
        query = select(EdiTransaction.status).where(EdiTransaction.interchange_id == interchange_id)
        return list(session.scalars(query))


def drop_file(directory: Path, name: str, body: bytes, *, age: float = 60.0) -> Path:
    """A file as a partner leaves it, last modified ``age`` seconds ago (0: just now, still settling)."""
    path = directory / name
    path.write_bytes(body)
    moment = time.time() - age
    os.utime(path, (moment, moment))
    return path


@pytest.fixture(scope="session")
def sshd() -> Iterator[Sshd]:
    try:
        server = start_sshd()
    except SshdError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def secret_file(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a secret to a file and return its ``file:`` reference."""
    names = count(1)

    def write(value: str) -> str:
        path = tmp_path / f"secret-{next(names)}"
        path.write_text(value + "\n")
        path.chmod(0o600)
        return f"file:{path}"

    return write
